/**
 * What an Entra ID (AADSTS) error code means for the person running dvpkg, and what to do, per
 * sign-in flow: the same code can mean different things (7000218 is "no credential" for an app, "the
 * app does not allow public client flows" for a person's sign-in). Codes from entra-docs
 * reference-error-codes.md and the troubleshooting articles cited in fidelity-audit.md #4 and #9.
 */

export type SignInFlow = 'app' | 'user';

const COMMON: Record<string, string> = {
  '7000229': 'the app has no service principal in this tenant: admin consent has not been granted here yet',
  '700016': 'the app id is not known in this tenant: admin consent has not been granted here, or the id or tenant is wrong',
  '90002': 'the tenant was not found: check --tenant (a tenant id or a verified domain such as contoso.onmicrosoft.com) and the cloud',
  '500011': 'the org was not found in this tenant (resource principal missing): check --org, and that the tenant owns the org',
  '70011': 'the requested scope is not valid',
  '7000112': 'the application is disabled in this tenant',
  '50020': 'the account is not a member of this tenant: sign in with an account of the tenant that owns the org, or pass that tenant with --tenant',
  '500113': 'no reply address is registered for the application',
  '50011': 'the redirect URI is not registered on the application',
  '53003': 'Conditional Access blocked the sign-in; ask your administrator which sign-in flows are allowed (device code is often blocked)',
  '90094': 'an administrator must approve the app before anyone can sign in with it (admin consent required)',
};

const APP: Record<string, string> = {
  '7000215': 'the client secret is wrong',
  '7000222': 'the client secret has expired; create a new one in the app registration',
  '700027': 'the certificate assertion was rejected: the certificate is not registered on the app, or the key does not match',
  '7000218': 'no credential was sent (client secret or certificate)',
  '65001': 'consent has not been granted for this app',
  '70021': 'no federated identity credential on the app matches the token presented (issuer, subject or audience)',
};

const USER: Record<string, string> = {
  '7000218': 'the sign-in app does not allow public client flows: turn on "Allow public client flows" in its registration, or use another --admin-client-id',
  '65001': 'nobody has consented to the sign-in app in this tenant, and user consent is off: an administrator must grant consent to it first',
  '50076': 'multi-factor authentication is required and this sign-in flow cannot ask for it; sign in with a flow that can, or ask your administrator',
  '530036': 'the sign-in session can no longer be refreshed; sign in again',
  '50126': 'the user name or password is wrong',
  '70016': 'the device code has not been approved yet',
  '70019': 'the device code expired before it was approved; run again and sign in sooner',
  '50058': 'no signed-in user session',
};

export function explainAadsts(code: string | number | undefined, flow: SignInFlow): string | undefined {
  if (code === undefined) return undefined;
  const key = String(code);
  return (flow === 'app' ? APP : USER)[key] ?? COMMON[key];
}

/** The first AADSTS code in an msal error or an Entra error body. */
export function aadstsCode(error: unknown): string | undefined {
  const withNumber = error as { errorNo?: unknown; errorMessage?: unknown; message?: unknown; error_codes?: unknown };
  if (typeof withNumber.errorNo === 'string' && /^\d+$/.test(withNumber.errorNo)) return withNumber.errorNo;
  if (Array.isArray(withNumber.error_codes) && withNumber.error_codes.length > 0) return String(withNumber.error_codes[0]);
  const text = [withNumber.errorMessage, withNumber.message].find((t): t is string => typeof t === 'string') ?? '';
  return /AADSTS(\d+)/.exec(text)?.[1];
}
