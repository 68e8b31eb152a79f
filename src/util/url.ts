import { usageError } from '../errors.js';

/** https anywhere, plain http only on this machine (the emulator, a local redirect). */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}

/**
 * An org or sign-in URL from a flag: https, or plain http only on loopback (the emulator).
 * Returned without a trailing slash so `${url}/api/data/...` composes.
 */
export function checkServiceUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`${flag} ${value}: expected a URL such as https://contoso.crm.dynamics.com`);
  }
  if (!isHttpsOrLoopback(url)) {
    throw usageError(`${flag} ${value}: expected an https:// URL (plain http is allowed only for a local emulator on 127.0.0.1 or localhost)`);
  }
  if (url.search || url.hash) throw usageError(`${flag} ${value}: expected a URL without ? or #`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The Web API endpoint as people copy it from the maker portal: `…/api/data/v9.2/`. */
const WEB_API_SUFFIX = /\/api\/data\/v\d+(?:\.\d+)?\/?$/i;

/** An org URL as people type it: the Web API endpoint, a trailing slash or upper case all name the same org. */
export function checkOrgUrl(flag: string, value: string): string {
  const url = checkServiceUrl(flag, value.trim().replace(WEB_API_SUFFIX, ''));
  if (/\/api\/data(\/|$)/i.test(new URL(url).pathname)) throw usageError(`${flag} ${value}: expected the org URL, such as https://contoso.crm.dynamics.com (or its Web API endpoint …/api/data/v9.2)`);
  return url;
}

/** A tenant id or domain; it becomes a path segment of the sign-in URL, so nothing else gets through. */
export function checkTenant(source: string, value: string): string {
  if (!/^[A-Za-z0-9.-]+$/.test(value)) throw usageError(`${source} ${value}: expected a tenant id (GUID) or domain such as contoso.onmicrosoft.com`);
  return value;
}
