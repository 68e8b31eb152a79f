/**
 * What msal-node needs to talk to the emulator. msal refuses plain-http authorities, so the authority stays
 * the public `https://login.microsoftonline.com/<tenant>` (a known cloud: msal makes no discovery call) and
 * `authorityMetadata` names the emulator's own endpoints, the ones its discovery document publishes
 * (entra/discovery.ts).
 */
const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';

export interface EmulatorMsalAuthority {
  authority: string;
  /** A JSON string, as msal's `auth.authorityMetadata` takes it. */
  authorityMetadata: string;
  knownAuthorities: string[];
}

export function emulatorMsalAuthority(emulatorUrl: string, tenant: string): EmulatorMsalAuthority {
  const base = `${emulatorUrl.replace(/\/+$/, '')}/${tenant}`;
  return {
    authority: `${PUBLIC_AUTHORITY}/${tenant}`,
    authorityMetadata: JSON.stringify({
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      issuer: `${base}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
    }),
    knownAuthorities: ['login.microsoftonline.com'],
  };
}
