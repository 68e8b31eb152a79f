import axios from 'axios';
import { sendWithRetry, type SendHooks } from '../http/send.js';

/**
 * Is the ISV app present (has a service principal) in the subscriber tenant? Asked of Entra
 * without any credential: the token endpoint names a missing service principal (AADSTS7000229) or
 * an app unknown to the tenant (AADSTS700016), and answers "no credential" (AADSTS7000218) once
 * the app is known. No Microsoft source documents that order (fidelity-audit #8): the probe is a
 * hint, and Dataverse's 0x8004F510 when the application user is created stays the final word.
 */

export type ConsentState = 'present' | 'missing' | 'unknown';

export interface ConsentProbe {
  state: ConsentState;
  code?: number;
}

const MISSING = new Set([7000229, 700016]);
/** Answers about the credential: Entra got past finding the app in the tenant. */
const PRESENT = new Set([7000218, 7000215, 7000222, 700027]);

export async function probeConsent(options: { authorityHost: string; tenant: string; clientId: string; orgUrl: string; timeoutMs?: number; hooks?: SendHooks }): Promise<ConsentProbe> {
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
          ...(options.hooks?.signal ? { signal: options.hooks.signal } : {}),
        }),
      options.hooks,
    );
    const codes = (response.data as { error_codes?: unknown } | undefined)?.error_codes;
    const code = Array.isArray(codes) && typeof codes[0] === 'number' ? codes[0] : undefined;
    if (code === undefined) return { state: 'unknown' };
    return { state: MISSING.has(code) ? 'missing' : PRESENT.has(code) ? 'present' : 'unknown', code };
  } catch (error) {
    if (options.hooks?.signal?.aborted) throw error;
    return { state: 'unknown' };
  }
}

/**
 * The admin-consent link for the subscriber tenant's administrator. `redirect_uri` is documented
 * as required (entra-docs v2-oauth2-client-creds-grant-flow.md); without one Entra ends the
 * approval on an error page (AADSTS500113), so the manifest always carries one.
 */
export function adminConsentUrl(authorityHost: string, tenant: string, clientId: string, redirectUri?: string): string {
  const redirect = redirectUri ? `&redirect_uri=${encodeURIComponent(redirectUri)}` : '';
  return `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/adminconsent?client_id=${encodeURIComponent(clientId)}${redirect}`;
}
