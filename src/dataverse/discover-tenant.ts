import axios from 'axios';
import { DvpkgError } from '../errors.js';
import { sendWithRetry, type SendHooks } from '../http/send.js';
import { apiBase } from './client.js';

/**
 * An unauthenticated request to the org answers 401 with
 * `WWW-Authenticate: Bearer authorization_uri=<authority>/<tenant>/oauth2/authorize, resource_id=<org>/`
 * (keys case-insensitive, comma-separated: ServiceClient's AuthorityResolver and its tests).
 */
export interface Challenge {
  authorityHost: string;
  /** Undefined when the challenge names `common` or `organizations`, which is no tenant (AuthorityResolver.cs). */
  tenantId?: string;
  resourceId?: string;
}

const NOT_A_TENANT = new Set(['common', 'organizations', 'consumers']);

export function parseBearerChallenge(header: string): Challenge | undefined {
  const uri = /authorization_uri="?([^",\s]+)"?/i.exec(header)?.[1];
  if (!uri) return undefined;
  const match = /^(https?:\/\/[^?#]+?)\/([^/]+)\/oauth2(?:\/v2\.0)?\/authorize\/?$/i.exec(uri);
  if (!match) return undefined;
  const tenant = match[2]!.toLowerCase();
  const resourceId = /resource_id="?([^",\s]+)"?/i.exec(header)?.[1];
  return { authorityHost: match[1]!, ...(NOT_A_TENANT.has(tenant) ? {} : { tenantId: tenant }), ...(resourceId ? { resourceId } : {}) };
}

export async function readChallenge(orgUrl: string, hooks: SendHooks = {}, timeoutMs = 30_000): Promise<Challenge | undefined> {
  const url = apiBase(orgUrl);
  // The first request to an org: a refused connection is more likely a wrong URL than an outage, so a few tries only.
  const response = await sendWithRetry(url, () => axios.get(url, { validateStatus: () => true, timeout: timeoutMs, maxRedirects: 0, ...(hooks.signal ? { signal: hooks.signal } : {}) }), {
    ...hooks,
    policy: { maxAttempts: 4, ...hooks.policy },
  });
  const header = response.headers['www-authenticate'];
  const text = Array.isArray(header) ? header.join(', ') : typeof header === 'string' ? header : '';
  return response.status === 401 ? parseBearerChallenge(text) : undefined;
}

/** Hosts trusted when the org names its own sign-in authority. */
const MICROSOFT_LOGIN_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn']);

export interface Authority {
  host: string;
  /** A host the user named is trusted as it is; the default one may be replaced by a Microsoft host the org names. */
  source: 'flag' | 'default';
}

export interface ResolvedAuthority {
  host: string;
  tenant: string;
  /** Set when the org named a sign-in host we did not trust. */
  warning?: string;
}

/**
 * The tenant and sign-in host for an org: as given, or from the org's challenge. A host the org
 * names is used only if it is a Microsoft login host or the one given by the user, so a hostile org
 * URL cannot send a sign-in elsewhere. A challenge naming another resource than the URL given means
 * the URL is not the org's own (localhost for 127.0.0.1, another org): tokens would not fit it.
 */
export async function resolveAuthority(orgUrl: string, given: { tenant?: string; authority: Authority }, hooks: SendHooks = {}): Promise<ResolvedAuthority> {
  if (given.tenant) return { host: given.authority.host, tenant: given.tenant };
  let challenge: Challenge | undefined;
  try {
    challenge = await readChallenge(orgUrl, hooks);
  } catch (error) {
    if (hooks.signal?.aborted) throw error;
    const code = (error as { code?: string }).code ?? 'no answer';
    throw new DvpkgError('DVPKG_ORG_UNREACHABLE', `cannot reach the org at ${orgUrl} (${code}); check --org and your network`);
  }
  if (!challenge) throw new DvpkgError('DVPKG_ORG_UNREACHABLE', `${orgUrl} did not answer like a Dataverse org (no sign-in challenge); check the org URL, or name the tenant`);
  const resource = challenge.resourceId?.replace(/\/+$/, '');
  if (resource && resource.toLowerCase() !== orgUrl.toLowerCase()) {
    throw new DvpkgError('DVPKG_USAGE', `${orgUrl} answers as ${resource} (the resource its sign-in challenge names); use that URL for the org`);
  }
  if (!challenge.tenantId) throw new DvpkgError('DVPKG_USAGE', `the org at ${orgUrl} does not name its tenant (its challenge says ${challenge.authorityHost}/common); name the tenant`);
  if (given.authority.source === 'flag') return { host: given.authority.host, tenant: challenge.tenantId };
  if (MICROSOFT_LOGIN_HOSTS.has(new URL(challenge.authorityHost).hostname)) return { host: challenge.authorityHost, tenant: challenge.tenantId };
  return {
    host: given.authority.host,
    tenant: challenge.tenantId,
    warning: `the org names ${challenge.authorityHost} as its sign-in host; using ${given.authority.host} instead (name the sign-in host to choose)`,
  };
}
