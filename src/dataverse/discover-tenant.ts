import axios from 'axios';
import { apiBase } from './client.js';

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

export async function discoverAuthority(orgUrl: string, timeoutMs = 30_000): Promise<DiscoveredAuthority | undefined> {
  const response = await axios.get(apiBase(orgUrl), { validateStatus: () => true, timeout: timeoutMs, maxRedirects: 0 });
  const header = response.headers['www-authenticate'];
  const text = Array.isArray(header) ? header.join(', ') : typeof header === 'string' ? header : '';
  return response.status === 401 ? parseBearerChallenge(text) : undefined;
}
