import { ThrottleGate } from '../http/retry.js';
import type { Credential } from './credentials.js';
import { createTokenProvider, type ProviderContext, type TokenProvider } from './token-provider.js';

/**
 * A run's sign-ins: one token provider per tenant (and sign-in host), so a person signs in once and
 * every org of that tenant is served from the same sign-in. The credential is resolved on first use,
 * so a problem with it is reported as the sign-in step's failure.
 */
export class SignIns {
  private readonly providers = new Map<string, TokenProvider>();
  private readonly gates = new Map<string, ThrottleGate>();
  private credential: Credential | undefined;

  constructor(
    private readonly resolve: () => Credential,
    private readonly context: Omit<ProviderContext, 'authorityHost' | 'tenant'>,
  ) {}

  /** Resolves the credential (reading its files), so a bad one is reported before any request. */
  credentialFor(): Credential {
    this.credential ??= this.resolve();
    return this.credential;
  }

  /** The throttle every org of this sign-in shares: one identity, one service protection budget. */
  gate(authorityHost: string, tenant: string): ThrottleGate {
    const key = `${authorityHost.toLowerCase()}|${tenant.toLowerCase()}`;
    let gate = this.gates.get(key);
    if (!gate) this.gates.set(key, (gate = new ThrottleGate()));
    return gate;
  }

  provider(authorityHost: string, tenant: string): TokenProvider {
    const key = `${authorityHost.toLowerCase()}|${tenant.toLowerCase()}`;
    let provider = this.providers.get(key);
    if (!provider) {
      provider = createTokenProvider(this.credentialFor(), { ...this.context, authorityHost, tenant });
      this.providers.set(key, provider);
    }
    return provider;
  }
}
