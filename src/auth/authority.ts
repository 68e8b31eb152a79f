/**
 * msal-node authority settings for an authority host. msal refuses `http://` authorities, so for the local
 * emulator the authority stays `https://login.microsoftonline.com/<tenant>` (whose cloud metadata msal has
 * built in, so no discovery call is made) and `authorityMetadata` points every endpoint at the emulator
 * (wire ref §1.6, verified with msal-node 7). Pure: no msal import.
 */

export const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export interface MsalAuthorityConfig {
  authority: string;
  /** JSON string, as msal's `auth.authorityMetadata` expects. */
  authorityMetadata?: string;
  knownAuthorities?: string[];
}

export function msalAuthorityConfig(authorityHost: string, tenant: string): MsalAuthorityConfig {
  const host = authorityHost.replace(/\/+$/, '');
  if (host.startsWith('https://')) return { authority: `${host}/${tenant}` };
  const base = `${host}/${tenant}`;
  return {
    authority: `${PUBLIC_AUTHORITY_HOST}/${tenant}`,
    authorityMetadata: JSON.stringify({
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      issuer: `${base}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
    }),
    knownAuthorities: [new URL(PUBLIC_AUTHORITY_HOST).host],
  };
}
