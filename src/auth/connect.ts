import { DataverseClient, type RequestEvent } from '../dataverse/client.js';
import { resolveAuthority, type Authority } from '../dataverse/discover-tenant.js';
import type { RetryEvent } from '../http/retry.js';
import type { Clock } from '../runtime/clock.js';
import type { SignIns } from './sign-ins.js';

/** "Connect to an org as X": the one way the runner and `dvpkg verify` get a tenant, a token source and a Web API client. */

export interface ConnectOptions {
  orgUrl: string;
  signIns: SignIns;
  authority: Authority;
  tenant?: string;
  clock: Clock;
  signal?: AbortSignal;
  onRequest?: (event: RequestEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onWarning?: (text: string) => void;
}

/** The org's tokens, from its tenant's provider. */
export interface SignedInTokenSource {
  getToken(forceRefresh: boolean): Promise<string>;
  readonly identity: () => string | undefined;
}

export interface OrgSession {
  client: DataverseClient;
  tenant: string;
  authorityHost: string;
  tokens: SignedInTokenSource;
}

export async function connect(options: ConnectOptions): Promise<OrgSession> {
  options.signIns.credentialFor();
  const hooks = {
    clock: options.clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  // Tenant discovery is a request to the org, and counts as one.
  const authority = await resolveAuthority(options.orgUrl, options, { ...hooks, onRequest: (e) => options.onRequest?.({ method: 'GET', path: '', status: e.status, write: false }) });
  if (authority.warning) options.onWarning?.(authority.warning);
  const provider = options.signIns.provider(authority.host, authority.tenant);
  const org = options.orgUrl.replace(/\/+$/, '');
  const tokens: SignedInTokenSource = { getToken: (forceRefresh) => provider.token(org, forceRefresh), identity: () => provider.identity() };
  const gate = options.signIns.gate(authority.host, authority.tenant);
  const client = new DataverseClient({ orgUrl: options.orgUrl, token: tokens, ...hooks, gate, ...(options.onRequest ? { onRequest: options.onRequest } : {}) });
  return { client, tenant: authority.tenant, authorityHost: authority.host, tokens };
}
