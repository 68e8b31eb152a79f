import axios from 'axios';
import { sendWithRetry, type RetryHooks } from '../util/http-retry.js';

/**
 * Is the ISV app present (has a service principal) in the subscriber tenant? Asked of
 * Entra without any credential: the token endpoint names a missing service principal
 * (AADSTS7000229) or an app unknown to the tenant (AADSTS700016) before it looks for a
 * credential, and answers "no credential" (AADSTS7000218) once the app is known. Any
 * other answer (a disabled app, Conditional Access, an unknown tenant) decides nothing.
 */

export type ConsentState = 'present' | 'missing' | 'unknown';

const MISSING = new Set([7000229, 700016]);
/** Answers about the credential: Entra got past finding the app in the tenant. */
const PRESENT = new Set([7000218, 7000215, 7000222, 700027]);

export async function probeConsent(options: {
  authorityHost: string;
  tenant: string;
  clientId: string;
  orgUrl: string;
  timeoutMs?: number;
  retry?: RetryHooks;
}): Promise<{ state: ConsentState; code?: number }> {
  const url = `${options.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(options.tenant)}/oauth2/v2.0/token`;
  const body = new URLSearchParams({ client_id: options.clientId, grant_type: 'client_credentials', scope: `${options.orgUrl.replace(/\/+$/, '')}/.default` });
  try {
    const response = await sendWithRetry(
      url,
      () =>
        axios.post(url, body.toString(), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          validateStatus: () => true,
          timeout: options.timeoutMs ?? 30_000,
          maxRedirects: 0,
        }),
      options.retry,
    );
    const codes = (response.data as { error_codes?: unknown } | undefined)?.error_codes;
    const code = Array.isArray(codes) && typeof codes[0] === 'number' ? codes[0] : undefined;
    if (code === undefined) return { state: 'unknown' };
    return { state: MISSING.has(code) ? 'missing' : PRESENT.has(code) ? 'present' : 'unknown', code };
  } catch {
    return { state: 'unknown' };
  }
}

/** The admin-consent link for the subscriber tenant's administrator. */
export function adminConsentUrl(authorityHost: string, tenant: string, clientId: string, redirectUri?: string): string {
  const redirect = redirectUri ? `&redirect_uri=${encodeURIComponent(redirectUri)}` : '';
  return `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/adminconsent?client_id=${encodeURIComponent(clientId)}${redirect}`;
}
