import axios from 'axios';
import { DvpkgError } from '../errors.js';
import { apiBase } from './client.js';
import { sendWithRetry, type RetryHooks } from '../util/http-retry.js';

/**
 * An unauthenticated request to the org answers 401 with
 * `WWW-Authenticate: Bearer authorization_uri=<authority>/<tenant>/oauth2/authorize, resource_id=<org>/`.
 */
export interface DiscoveredAuthority {
  authorityHost: string;
  tenantId: string;
}

export function parseBearerChallenge(header: string): DiscoveredAuthority | undefined {
  const uri = /authorization_uri="?([^",\s]+)"?/i.exec(header)?.[1];
  if (!uri) return undefined;
  const match = /^(https?:\/\/[^?#]+?)\/([^/]+)\/oauth2(?:\/v2\.0)?\/authorize\/?$/i.exec(uri);
  if (!match) return undefined;
  return { authorityHost: match[1]!, tenantId: match[2]!.toLowerCase() };
}

export async function discoverAuthority(orgUrl: string, retry: RetryHooks = {}, timeoutMs = 30_000): Promise<DiscoveredAuthority | undefined> {
  const url = apiBase(orgUrl);
  // The first request to an org: a refused connection is more likely a wrong URL than an outage, so a few tries only.
  const response = await sendWithRetry(url, () => axios.get(url, { validateStatus: () => true, timeout: timeoutMs, maxRedirects: 0 }), { ...retry, policy: { maxAttempts: 4, ...retry.policy } });
  const header = response.headers['www-authenticate'];
  const text = Array.isArray(header) ? header.join(', ') : typeof header === 'string' ? header : '';
  return response.status === 401 ? parseBearerChallenge(text) : undefined;
}

/** Hosts trusted when the org names its own sign-in authority. */
const MICROSOFT_LOGIN_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn', 'login.chinacloudapi.cn']);

export interface ResolvedAuthority {
  host: string;
  tenant: string;
  /** Set when the org named a sign-in host we did not trust. */
  warning?: string;
}

/**
 * The tenant and sign-in host for an org: as given, or from the org's challenge. A host the
 * org names is used only if it is a Microsoft login host or the one given with --authority-host,
 * so a hostile org URL cannot send a sign-in elsewhere.
 */
export async function resolveAuthority(
  orgUrl: string,
  given: { tenant?: string; authorityHost: string; authorityHostGiven: boolean },
  retry: RetryHooks = {},
): Promise<ResolvedAuthority> {
  if (given.tenant) return { host: given.authorityHost, tenant: given.tenant };
  let discovered: DiscoveredAuthority | undefined;
  try {
    discovered = await discoverAuthority(orgUrl, retry);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'no answer';
    throw new DvpkgError('DVPKG_ORG_UNREACHABLE', `cannot reach --org ${orgUrl} (${code}); check the URL and your network`);
  }
  if (!discovered) {
    throw new DvpkgError('DVPKG_ORG_UNREACHABLE', `--org ${orgUrl} did not answer like a Dataverse org (no sign-in challenge); check the URL, or pass --tenant`);
  }
  if (given.authorityHostGiven) return { host: given.authorityHost, tenant: discovered.tenantId };
  if (MICROSOFT_LOGIN_HOSTS.has(new URL(discovered.authorityHost).hostname)) return { host: discovered.authorityHost, tenant: discovered.tenantId };
  return {
    host: given.authorityHost,
    tenant: discovered.tenantId,
    warning: `the org names ${discovered.authorityHost} as its sign-in host; using ${given.authorityHost} instead (pass --authority-host to choose)`,
  };
}
