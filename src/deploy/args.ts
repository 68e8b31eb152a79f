import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { usageError } from '../errors.js';
import { checkServiceUrl, checkTenant } from '../util/url.js';
import { normalizeGuid } from '../spec/guid.js';
import { registerSecret } from '../util/redact.js';
import { PUBLIC_AUTHORITY_HOST } from '../auth/authority.js';

/** The runner's options, resolved once from argv and the environment. */

export const SECRET_ENV = 'DVPKG_CLIENT_SECRET';

export interface RunnerOptions {
  help: boolean;
  version: boolean;
  orgUrl: string;
  tenant?: string;
  auth: 'device-code' | 'client-secret' | 'certificate';
  clientId?: string;
  secret?: string;
  certificatePath?: string;
  plan: boolean;
  yes: boolean;
  reportPath?: string;
  json: boolean;
  /** Seconds to wait for consent; undefined = do not wait. */
  waitForConsentSeconds?: number;
  authorityHost: string;
  authorityHostGiven: boolean;
  adminClientId?: string;
  overwriteUnmanaged: boolean;
}

export const HELP = `Usage: node deploy.mjs --org <url> [options]

Imports this package's managed solution into a Dataverse org, creates the ISV app's
application user in the root business unit, gives it the package's role(s), checks the
result, and reports. Safe to run again; never grants more than the package declares.

Options:
  --org <url>                     Dataverse org URL, e.g. https://contoso.crm.dynamics.com (required)
  --tenant <id or domain>         Entra ID tenant; found from the org when omitted
  --auth <mode>                   device-code (default): sign in as a person with a code
                                  client-secret: sign in as your own automation app; secret from
                                    the ${SECRET_ENV} environment variable or --client-secret-file
                                  certificate: sign in as your automation app with --certificate
  --client-id <id>                your automation app's client id (client-secret, certificate)
  --client-secret-file <file>     file holding the client secret (never pass a secret as a flag)
  --certificate <pem file>        PEM with the private key and the certificate
  --plan                          show what would happen; change nothing
  --yes                           do not ask for confirmation
  --wait-for-consent[=seconds]    wait for admin consent (default 900 s) instead of exiting 3
  --report <file>                 write a JSON report of every step
  --json                          JSON lines on stdout; the last line is the report
  --authority-host <url>          sign-in host (default ${PUBLIC_AUTHORITY_HOST}); for sovereign
                                  clouds or a local emulator
  --admin-client-id <id>          public client for device-code sign-in (default: from the manifest)
  --overwrite-unmanaged-customizations
                                  let the import overwrite unmanaged changes to the role
  --help, --version

Exit codes: 0 done or nothing to do, 1 unexpected, 2 usage or bad input, 3 consent missing,
4 sign-in failed, 5 preflight failed, 6 import failed, 7 application user or role step failed,
8 package integrity check failed.`;

const DEFAULT_CONSENT_WAIT_SECONDS = 900;

export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv): RunnerOptions {
  if (argv.some((a) => a === '--client-secret' || a.startsWith('--client-secret='))) {
    throw usageError(`--client-secret: secrets are not accepted as flag values (they end up in shell history and process lists); set ${SECRET_ENV} or use --client-secret-file`);
  }
  // parseArgs has no optional-value flags; `--wait-for-consent` alone means the default wait.
  const normalized = argv.map((a) => (a === '--wait-for-consent' ? `--wait-for-consent=${DEFAULT_CONSENT_WAIT_SECONDS}` : a));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: normalized,
      strict: true,
      allowPositionals: false,
      options: {
        org: { type: 'string' },
        tenant: { type: 'string' },
        auth: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret-file': { type: 'string' },
        certificate: { type: 'string' },
        plan: { type: 'boolean' },
        yes: { type: 'boolean' },
        'wait-for-consent': { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean' },
        'authority-host': { type: 'string' },
        'admin-client-id': { type: 'string' },
        'overwrite-unmanaged-customizations': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw usageError(`${(error as Error).message.replace(/\. To specify.*$/s, '')} (see node deploy.mjs --help)`);
  }
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const help = values['help'] === true;
  const version = values['version'] === true;
  if (help || version) return { help, version, orgUrl: '', auth: 'device-code', plan: false, yes: false, json: false, authorityHost: PUBLIC_AUTHORITY_HOST, authorityHostGiven: false, overwriteUnmanaged: false };

  const org = str('org');
  if (!org) throw usageError('--org is required, e.g. --org https://contoso.crm.dynamics.com');
  const orgUrl = checkServiceUrl('--org', org);
  const authorityHostRaw = str('authority-host');
  const authorityHost = authorityHostRaw ? checkServiceUrl('--authority-host', authorityHostRaw) : PUBLIC_AUTHORITY_HOST;

  const authRaw = str('auth') ?? 'device-code';
  if (authRaw !== 'device-code' && authRaw !== 'client-secret' && authRaw !== 'certificate') {
    throw usageError(`--auth ${authRaw}: expected device-code, client-secret or certificate`);
  }
  // The secret is read and registered before the flags that follow, whose messages echo their value.
  let secret: string | undefined;
  if (authRaw === 'client-secret') {
    const file = str('client-secret-file');
    if (file) {
      try {
        secret = readFileSync(file, 'utf8').trim();
      } catch (error) {
        throw usageError(`--client-secret-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    } else secret = env[SECRET_ENV];
    if (!secret) throw usageError(`--auth client-secret: no secret; set ${SECRET_ENV} or use --client-secret-file <file>`);
    registerSecret(secret);
  }
  const clientIdRaw = str('client-id');
  const clientId = clientIdRaw === undefined ? undefined : normalizeGuid(clientIdRaw);
  if (clientIdRaw !== undefined && !clientId) throw usageError(`--client-id ${clientIdRaw}: expected a GUID (your automation app's client id)`);
  if (authRaw !== 'device-code' && !clientId) throw usageError(`--auth ${authRaw} needs --client-id <your automation app's client id>`);
  const certificatePath = str('certificate');
  if (authRaw === 'certificate' && !certificatePath) throw usageError('--auth certificate needs --certificate <pem file with the private key and certificate>');

  const waitRaw = str('wait-for-consent');
  let waitForConsentSeconds: number | undefined;
  if (waitRaw !== undefined) {
    waitForConsentSeconds = Number(waitRaw);
    if (!Number.isFinite(waitForConsentSeconds) || waitForConsentSeconds <= 0) throw usageError(`--wait-for-consent=${waitRaw}: expected a number of seconds`);
  }
  const adminRaw = str('admin-client-id');
  const adminClientId = adminRaw === undefined ? undefined : normalizeGuid(adminRaw);
  if (adminRaw !== undefined && !adminClientId) throw usageError(`--admin-client-id ${adminRaw}: expected a GUID`);
  const tenant = str('tenant');
  if (tenant !== undefined) checkTenant('--tenant', tenant);

  const reportPath = str('report');
  return {
    help: false,
    version: false,
    orgUrl,
    ...(tenant ? { tenant: normalizeGuid(tenant) ?? tenant.toLowerCase() } : {}),
    auth: authRaw,
    ...(clientId ? { clientId } : {}),
    ...(secret ? { secret } : {}),
    ...(certificatePath ? { certificatePath } : {}),
    plan: values['plan'] === true,
    yes: values['yes'] === true,
    ...(reportPath ? { reportPath } : {}),
    json: values['json'] === true,
    ...(waitForConsentSeconds !== undefined ? { waitForConsentSeconds } : {}),
    authorityHost,
    authorityHostGiven: authorityHostRaw !== undefined,
    ...(adminClientId ? { adminClientId } : {}),
    overwriteUnmanaged: values['overwrite-unmanaged-customizations'] === true,
  };
}
