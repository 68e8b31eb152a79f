/** What an Entra ID (AADSTS) error code means for the person running dvpkg, and what to do. */

const EXPLANATIONS: Record<string, string> = {
  '7000229': 'the app has no service principal in this tenant: admin consent has not been granted here yet',
  '700016': 'the app id is not known in this tenant: admin consent has not been granted here, or the id or tenant is wrong',
  '7000215': 'the client secret is wrong',
  '7000222': 'the client secret has expired; create a new one in the app registration',
  '700027': 'the certificate assertion was rejected: the certificate is not registered on the app, or the key does not match',
  '7000218': 'no credential was sent (client secret or certificate)',
  '90002': 'the tenant was not found; check --tenant',
  '500011': 'the org was not found in this tenant (resource principal missing); check --org and --tenant',
  '70011': 'the requested scope is not valid',
  '65001': 'consent has not been granted for this app',
  '50126': 'the user name or password is wrong',
  '70016': 'the device code has not been approved yet',
  '70019': 'the device code expired before it was approved; run again and sign in sooner',
  '50058': 'no signed-in user session',
  '7000112': 'the application is disabled in this tenant',
};

export function explainAadsts(code: string | number | undefined): string | undefined {
  return code === undefined ? undefined : EXPLANATIONS[String(code)];
}

/** The first AADSTS code in an msal error or an Entra error body. */
export function aadstsCode(error: unknown): string | undefined {
  const withNumber = error as { errorNo?: unknown; errorMessage?: unknown; message?: unknown; error_codes?: unknown };
  if (typeof withNumber.errorNo === 'string' && /^\d+$/.test(withNumber.errorNo)) return withNumber.errorNo;
  if (Array.isArray(withNumber.error_codes) && withNumber.error_codes.length > 0) return String(withNumber.error_codes[0]);
  const text = [withNumber.errorMessage, withNumber.message].find((t): t is string => typeof t === 'string') ?? '';
  return /AADSTS(\d+)/.exec(text)?.[1];
}
