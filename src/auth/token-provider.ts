import { DvpkgError } from '../errors.js';
import type { SendHooks } from '../http/send.js';
import { systemClock } from '../runtime/clock.js';
import { azureCliToken, stillFresh, type AzToken } from './azure-cli.js';
import type { Cloud } from './clouds.js';
import type { Credential } from './credentials.js';
import { tokenIdentity } from './jwt-claims.js';
import { appProvider, personProvider } from './msal-clients.js';

/**
 * One interface for every way dvpkg gets a token: a client secret, a certificate, a federated
 * assertion, a person in the browser or with a device code, the Azure CLI. A provider serves one
 * tenant; it is asked per org (resource), and signs in at most once.
 */
export interface TokenProvider {
  /** An access token for the org at `resource` (its URL, no trailing slash). */
  token(resource: string, forceRefresh: boolean): Promise<string>;
  /** Who signed in: a UPN for a person, the client id for an app; undefined before the first token. */
  identity(): string | undefined;
}

export interface ProviderContext {
  authorityHost: string;
  tenant: string;
  cloud: Cloud;
  hooks: SendHooks;
  env?: NodeJS.ProcessEnv;
  /** How long a federated sign-in keeps retrying AADSTS70021 (a credential not yet in effect). */
  federatedWaitMs?: number;
  onDeviceCode?: (message: string) => void;
  /** The browser sign-in's URL, and whether a browser was opened on it. */
  onBrowserSignIn?: (url: string, opened: boolean) => void;
}

export function createTokenProvider(credential: Credential, ctx: ProviderContext): TokenProvider {
  switch (credential.kind) {
    case 'browser':
    case 'device-code':
      return personProvider(credential, ctx);
    case 'client-secret':
    case 'certificate':
    case 'federated':
      return appProvider(credential, ctx);
    case 'azure-cli':
      return azureCliProvider(ctx);
  }
}

function azureCliProvider(ctx: ProviderContext): TokenProvider {
  const clock = ctx.hooks.clock ?? systemClock;
  const tokens = new Map<string, AzToken>();
  let identity: string | undefined;
  return {
    identity: () => identity,
    async token(resource, forceRefresh) {
      const held = tokens.get(resource);
      if (held && !forceRefresh && stillFresh(held, clock.now())) return held.accessToken;
      const fresh = await azureCliToken(resource, ctx.tenant, ctx.env);
      const who = tokenIdentity(fresh.accessToken);
      if (!who) throw new DvpkgError('DVPKG_SIGN_IN_FAILED', 'sign-in with the Azure CLI failed: the token az printed does not name who signed in');
      identity = `${who} (Azure CLI)`;
      tokens.set(resource, fresh);
      return fresh.accessToken;
    },
  };
}
