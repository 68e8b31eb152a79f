import { DataverseClient, type RequestEvent } from '../dataverse/client.js';
import { resolveAuthority, type Authority } from '../dataverse/discover-tenant.js';
import type { RetryEvent } from '../http/retry.js';
import type { Clock } from '../runtime/clock.js';
import type { Credential } from './credentials.js';
import { createTokenSource, type SignedInTokenSource } from './tokens.js';

/** "Connect to an org as X": the one way the runner and `dvpkg verify` get a tenant, a token source and a Web API client. */

export interface ConnectOptions {
  orgUrl: string;
  credential: Credential;
  authority: Authority;
  tenant?: string;
  clock: Clock;
  signal?: AbortSignal;
  onRequest?: (event: RequestEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onDeviceCode?: (message: string) => void;
  onWarning?: (text: string) => void;
}

export interface OrgSession {
  client: DataverseClient;
  tenant: string;
  authorityHost: string;
  tokens: SignedInTokenSource;
}

export async function connect(options: ConnectOptions): Promise<OrgSession> {
  const hooks = {
    clock: options.clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  // Tenant discovery is a request to the org, and counts as one.
  const authority = await resolveAuthority(options.orgUrl, options, { ...hooks, onRequest: (e) => options.onRequest?.({ method: 'GET', path: '', status: e.status, write: false }) });
  if (authority.warning) options.onWarning?.(authority.warning);
  const tokens = createTokenSource({
    credential: options.credential,
    authorityHost: authority.host,
    tenant: authority.tenant,
    orgUrl: options.orgUrl,
    hooks,
    ...(options.onDeviceCode ? { onDeviceCode: options.onDeviceCode } : {}),
  });
  const client = new DataverseClient({ orgUrl: options.orgUrl, token: tokens, ...hooks, ...(options.onRequest ? { onRequest: options.onRequest } : {}) });
  return { client, tenant: authority.tenant, authorityHost: authority.host, tokens };
}
