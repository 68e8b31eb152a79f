/**
 * What an Entra ID (AADSTS) error code means for the person running dvpkg, and what to do, per
 * sign-in flow: the same code can mean different things (7000218 is "no credential" for an app, "the
 * app does not allow public client flows" for a device-code sign-in; 53003 after a device code asks for
 * the browser). Codes from entra-docs reference-error-codes.md, concept-authentication-flows.md (53003,
 * 530036), workload-identity-federation*.md (70021; 700211-700213 as Entra words them in Azure/login#619 and
 * Azure/azure-workload-identity#1232) and the troubleshooting articles cited in
 * fidelity-audit.md #4 and #9.
 */

export type SignInFlow = 'app' | 'federated' | 'browser' | 'device-code' | 'azure-cli';

const ADMIN_CLIENT = 'the sign-in app (the package\'s admin client, or --admin-client-id)';

const COMMON: Record<string, string> = {
  '7000229': 'the app has no service principal in this tenant: admin consent has not been granted here yet',
  '700016': 'the app id is not known in this tenant: admin consent has not been granted here, or the id or tenant is wrong',
  '90002': 'the tenant was not found: check --tenant (a tenant id or a verified domain such as contoso.onmicrosoft.com) and --cloud',
  '500011': 'the org was not found in this tenant (resource principal missing): check --org, and that the tenant owns the org',
  '70011': 'the requested scope is not valid',
  '7000112': 'the application is disabled in this tenant',
  '50020': 'the account is not a member of this tenant: sign in with an account of the tenant that owns the org, or pass that tenant with --tenant',
  '53003': 'Conditional Access blocked the sign-in; ask your administrator which sign-ins are allowed for this account, device and location',
  '90094': `an administrator must approve ${ADMIN_CLIENT} before anyone can sign in with it (admin consent required)`,
};

const APP: Record<string, string> = {
  '7000215': 'the client secret is wrong',
  '7000222': 'the client secret has expired; create a new one in the app registration',
  '700027': 'the certificate assertion was rejected: the certificate is not registered on the app, or the key does not match',
  '7000218': 'no credential was sent (client secret or certificate)',
  '65001': 'consent has not been granted for this app',
  '500113': 'no reply address is registered for the application',
  '50011': 'the redirect URI is not registered on the application',
};

const FEDERATED: Record<string, string> = {
  ...APP,
  '70021':
    'no federated credential on the app matches the token presented (its issuer, subject and audience must match one exactly; a credential added in the last minutes may not be in effect yet). For GitHub Actions the subject is repo:<owner>/<repo>:environment:<name>, or :ref:refs/heads/<branch>, or :pull_request',
  '700211': 'no federated credential on the app trusts the issuer of the token presented',
  '700212': 'no federated credential on the app accepts the audience of the token presented (expected api://AzureADTokenExchange, or the sovereign-cloud variant)',
  '700213': 'no federated credential on the app matches the subject of the token presented (for GitHub Actions: repo:<owner>/<repo>:environment:<name>, :ref:refs/heads/<branch> or :pull_request, exactly)',
  '7000272': 'the issuer of the federated token could not be checked (its discovery document or keys are not reachable by Entra)',
  '700024': 'the federated token has expired or is not yet valid; get a fresh one',
};

const PERSON: Record<string, string> = {
  '65001': `nobody has consented to ${ADMIN_CLIENT} in this tenant, and users may not consent: an administrator must grant consent to it first`,
  '530036': 'the sign-in can no longer be refreshed: Conditional Access restricts the flow it began with (device code); sign in again with --auth browser',
  '50126': 'the user name or password is wrong',
  '50058': 'no signed-in user session',
  '50076': 'multi-factor authentication is required; complete it in the browser, or ask your administrator',
  '500113': `${ADMIN_CLIENT} has no redirect URI: add http://localhost under "Mobile and desktop applications" in its registration`,
  '50011': `the redirect URI is not registered on ${ADMIN_CLIENT}: add http://localhost under "Mobile and desktop applications" in its registration`,
  '501481': 'the sign-in answer did not match this sign-in (PKCE check failed); sign in again',
  '54005': 'the sign-in answer was already used; sign in again',
  '70008': 'the sign-in answer expired before it was used; sign in again',
  '500112': 'the sign-in answer was issued for another redirect URI; sign in again',
};

const DEVICE_CODE: Record<string, string> = {
  ...PERSON,
  '53003': 'Conditional Access blocked the sign-in: this tenant does not allow device code sign-in (Microsoft recommends blocking it); run again with --auth browser, or ask your administrator which sign-in flows are allowed',
  '50076': 'multi-factor authentication is required and a device code sign-in cannot satisfy it here; run again with --auth browser',
  '7000218': `${ADMIN_CLIENT} does not allow public client flows, which device code needs: turn on "Allow public client flows" in its registration, or run again with --auth browser`,
  '70016': 'the device code has not been approved yet',
  '70019': 'the device code expired before it was approved; run again and sign in sooner',
};

const BROWSER: Record<string, string> = {
  ...PERSON,
  '7000218': `${ADMIN_CLIENT} is not registered as a public client: add http://localhost under "Mobile and desktop applications" in its registration`,
};

const TABLES: Record<SignInFlow, Record<string, string>> = { app: APP, federated: FEDERATED, browser: BROWSER, 'device-code': DEVICE_CODE, 'azure-cli': PERSON };

export function explainAadsts(code: string | number | undefined, flow: SignInFlow): string | undefined {
  if (code === undefined) return undefined;
  const key = String(code);
  return TABLES[flow][key] ?? COMMON[key];
}

/** The first AADSTS code in an msal error or an Entra error body. */
export function aadstsCode(error: unknown): string | undefined {
  const withNumber = error as { errorNo?: unknown; errorMessage?: unknown; message?: unknown; error_codes?: unknown };
  if (typeof withNumber.errorNo === 'string' && /^\d+$/.test(withNumber.errorNo)) return withNumber.errorNo;
  if (Array.isArray(withNumber.error_codes) && withNumber.error_codes.length > 0) return String(withNumber.error_codes[0]);
  const text = [withNumber.errorMessage, withNumber.message].find((t): t is string => typeof t === 'string') ?? '';
  return /AADSTS(\d+)/.exec(text)?.[1];
}
