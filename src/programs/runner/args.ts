import { parseArgs } from 'node:util';
import { AUTH_MODES, CREDENTIAL_ENV, federatedWaitMs, fromFlagOrEnv, personSignInMode, type AuthMode, type CredentialFlags } from '../../auth/credentials.js';
import { checkOrgInCloud, CLOUD_NAMES, CLOUDS, parseCloud, type Cloud } from '../../auth/clouds.js';
import { parseShard, type Shard } from '../../fleet/shard.js';
import { parseConcurrency } from '../../fleet/targets.js';
import type { Authority } from '../../dataverse/discover-tenant.js';
import { usageError } from '../../errors.js';
import { readSettingsInput, type GivenSetting } from '../../deploy/settings/input.js';
import { normalizeGuid } from '../../spec/guid.js';
import { checkOrgUrl, checkServiceUrl, checkTenant } from '../../util/url.js';

/** The runner's options, resolved once from argv and the environment. */

export type RunnerOptions =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'deploy';
      /** The one org; empty in a fleet run (`fleet`). */
      orgUrl: string;
      /** `--orgs <file>`: many orgs, a bounded pool at a time. */
      fleet?: FleetOptions;
      tenant?: string;
      authority: Authority;
      cloud: Cloud;
      credential: CredentialFlags;
      /** Why the sign-in mode was chosen for the user (no --auth, no display: device code). */
      authNote?: string;
      federatedWaitMs: number;
      /** The public client a person signs in with; undefined: the package's. */
      adminClientId?: string;
      planOnly: boolean;
      yes: boolean;
      reportPath?: string;
      json: boolean;
      waitForConsentSeconds?: number;
      overwriteUnmanaged: boolean;
      purgeDeletedAppUser: boolean;
      acceptPrivilegeChanges: boolean;
      /** `--remove`: take the package out of the org instead of deploying it. */
      remove?: { deleteUser: boolean; force: boolean };
      /** `--settings <file>` and `--set name=value`: values for the package's deployment settings. */
      settings?: GivenSetting[];
      /** `--ui`: the run's front end is a page on 127.0.0.1 (src/programs/runner/ui/). */
      ui?: UiOptions;
    };

export interface UiOptions {
  /** 0: a free port. */
  port: number;
  open: boolean;
  /** How long the server waits without a page before it stops (and a pending question counts as cancelled). */
  idleMs: number;
}

export type DeployRunnerOptions = Extract<RunnerOptions, { kind: 'deploy' }>;

export interface FleetOptions {
  /** Where the orgs come from: a file, or the signed-in person's environments (Global Discovery Service). */
  source: { kind: 'file'; orgsFile: string } | { kind: 'discovery'; discoveryUrl: string; match?: string };
  concurrency: number;
  failFast: boolean;
  reportDir?: string;
  /** `--shard i/n`: this CI job's stable part of the orgs. */
  shard?: Shard;
}

export const HELP = `Usage: node deploy.mjs --org <url> [options]

Imports this package's managed solution into a Dataverse org, creates the ISV app's
application user in the root business unit, gives it the package's role(s), checks the
result, and reports. Safe to run again; never grants more than the package declares.

Options:
  --org <url>                     Dataverse org URL, e.g. https://contoso.crm.dynamics.com
                                  (its Web API endpoint .../api/data/v9.2 works too)
  --orgs <file>                   many orgs instead: one URL a line (optional tenant and cloud
                                  columns, # comments) or a JSON list of { url, tenant?, cloud?, name? };
                                  needs --yes or --plan. Exit 11 when some org did not end well
  --all-environments              many orgs instead: the environments you (signed in as a person) can
                                  use in --tenant, from the Global Discovery Service; needs --yes or --plan
  --match <glob>                  with --all-environments: only those whose unique or friendly name
                                  matches (* and ?, case-insensitive)
  --concurrency <n>               with many orgs: orgs at a time (default 4, at most 32)
  --fail-fast                     with many orgs: start no more orgs after one fails
  --report-dir <folder>           with many orgs: a report per org, fleet.json and fleet.junit.xml
  --shard <i/n>                   with many orgs: only shard i of n (by a hash of each org URL), for a
                                  CI matrix; dvpkg fleet-report merge joins the shards' report folders
  --tenant <id or domain>         Entra ID tenant; found from the org when omitted
  --auth <mode>                   how to sign in; a person (the default):
                                    browser: in the system browser (default where there is a display)
                                    device-code: with a code on another device (default without one)
                                    azure-cli: as whoever the Azure CLI (az) is signed in as
                                  or your own automation app:
                                    client-secret, certificate, or federated (workload identity:
                                    a token file, or the GitHub Actions job's OIDC token)
  --no-open                       browser sign-in: print the sign-in URL, do not open a browser
  --client-id <id>                your automation app's client id (client-secret, certificate, federated)
  --client-secret-file <file>     file holding the client secret (never pass a secret as a flag)
  --certificate <pem file>        PEM with the private key and the certificate
  --federated-token-file <file>   file holding the federated token (AZURE_FEDERATED_TOKEN_FILE)
  --cloud <name>                  ${CLOUD_NAMES.join(', ')} (default public): the sign-in host and
                                  the org hosts to accept
  --plan                          show what would happen, also before consent; change nothing
  --yes                           do not ask for confirmation (an upgrade that widens the app's
                                  access is then refused, exit 5, unless also:)
  --accept-privilege-changes      accept an upgrade that adds or deepens privileges
  --wait-for-consent[=seconds]    wait for admin consent (default 900 s) instead of exiting 3
  --report <file>                 write a JSON report of every step
  --json                          JSON lines on stdout (the plan, progress, retries); the last
                                  line is the report
  --authority-host <url>          sign-in host (default: the cloud's); for a local emulator
  --discovery-url <url>           Global Discovery Service (default: the cloud's); for a local emulator
  --admin-client-id <id>          public client a person signs in with (default: the package's)
  --overwrite-unmanaged-customizations
                                  let the import overwrite unmanaged changes to the role
  --settings <file>               values for the package's environment variables and connection
                                  references, as pac solution create-settings writes them:
                                  { "EnvironmentVariables": [{ "SchemaName", "Value" }],
                                    "ConnectionReferences": [{ "LogicalName", "ConnectionId", "ConnectorId" }] }
  --set <name>=<value>            one setting's value (repeatable; wins over --settings);
                                  <name>=@<file> reads the value from a file (for a secret)
  --purge-deleted-app-user        permanently delete a deleted application user of the app that
                                  Dataverse still holds, so a new one can be created
  --remove                        remove the package instead: take its roles from the application
                                  user, disable the user, uninstall its solutions (newest first)
  --delete-user                   with --remove: delete the application user too (after disabling it)
  --force                         with --remove: also uninstall a package solution at a version
                                  this package does not ship
  --ui                            a wizard in your browser instead of the terminal's questions: a page on
                                  127.0.0.1 shows the package, sign-in, consent, the plan with a privilege
                                  matrix, Apply/Cancel and progress (not with --yes, --orgs or --all-environments)
  --port <n>                      with --ui: the page's port (default: a free one)
  --ui-idle-timeout <seconds>     with --ui: stop after the page has been closed this long (default 600)
  --help, --version

Without a flag, settings come from the environment: ${CREDENTIAL_ENV.clientId.join(' or ')},
${CREDENTIAL_ENV.secret.join(' or ')}, ${CREDENTIAL_ENV.certificate.join(' or ')}, ${CREDENTIAL_ENV.tenant.join(' or ')},
${CREDENTIAL_ENV.federatedTokenFile.join(' or ')}, and in GitHub Actions ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN.

Exit codes: 0 done or nothing to do, 1 unexpected, 2 usage or bad input, 3 consent missing,
4 sign-in failed, 5 preflight failed, 6 import failed, 7 application user or role step failed,
8 package integrity check failed, 9 the org differs from the package, 10 cancelled at the
prompt, 11 (--orgs) some org did not end done or with nothing to do, 130 interrupted (run the
same command again to finish).`;

const DEFAULT_CONSENT_WAIT_SECONDS = 900;

function fleetOptions(source: FleetOptions['source'], str: (key: string) => string | undefined, values: Record<string, string | boolean | string[] | undefined>): FleetOptions {
  const concurrency = parseConcurrency('--concurrency', str('concurrency'));
  const reportDir = str('report-dir');
  const shard = str('shard');
  return { source, concurrency, failFast: values['fail-fast'] === true, ...(reportDir ? { reportDir } : {}), ...(shard !== undefined ? { shard: parseShard('--shard', shard) } : {}) };
}

export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv): RunnerOptions {
  if (argv.some((a) => a === '--client-secret' || a.startsWith('--client-secret='))) {
    throw usageError(`--client-secret: secrets are not accepted as flag values (they end up in shell history and process lists); set ${CREDENTIAL_ENV.secret.join(' or ')}, or use --client-secret-file`);
  }
  // parseArgs has no optional-value flags; `--wait-for-consent` alone means the default wait.
  const normalized = argv.map((a) => (a === '--wait-for-consent' ? `--wait-for-consent=${DEFAULT_CONSENT_WAIT_SECONDS}` : a));
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: normalized,
      strict: true,
      allowPositionals: false,
      options: {
        org: { type: 'string' },
        orgs: { type: 'string' },
        'all-environments': { type: 'boolean' },
        match: { type: 'string' },
        'discovery-url': { type: 'string' },
        concurrency: { type: 'string' },
        'fail-fast': { type: 'boolean' },
        'report-dir': { type: 'string' },
        shard: { type: 'string' },
        tenant: { type: 'string' },
        auth: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret-file': { type: 'string' },
        certificate: { type: 'string' },
        'federated-token-file': { type: 'string' },
        'no-open': { type: 'boolean' },
        cloud: { type: 'string' },
        plan: { type: 'boolean' },
        yes: { type: 'boolean' },
        'wait-for-consent': { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean' },
        'authority-host': { type: 'string' },
        'admin-client-id': { type: 'string' },
        'overwrite-unmanaged-customizations': { type: 'boolean' },
        'purge-deleted-app-user': { type: 'boolean' },
        'accept-privilege-changes': { type: 'boolean' },
        settings: { type: 'string' },
        set: { type: 'string', multiple: true },
        remove: { type: 'boolean' },
        'delete-user': { type: 'boolean' },
        force: { type: 'boolean' },
        ui: { type: 'boolean' },
        port: { type: 'string' },
        'ui-idle-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw usageError(`${(error as Error).message.replace(/\. To specify.*$/s, '')} (see node deploy.mjs --help)`);
  }
  const str = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  if (values['help'] === true) return { kind: 'help' };
  if (values['version'] === true) return { kind: 'version' };

  const org = str('org');
  const orgsFile = str('orgs');
  const allEnvironments = values['all-environments'] === true;
  if ([org, orgsFile, allEnvironments || undefined].filter((v) => v !== undefined).length > 1) throw usageError('--org, --orgs and --all-environments: give one org, a file of orgs, or all your environments, not more than one');
  if (!org && !orgsFile && !allEnvironments) throw usageError('--org is required, e.g. --org https://contoso.crm.dynamics.com (or --orgs <file>, or --all-environments, for many)');
  for (const flag of ['match', 'discovery-url']) if (values[flag] !== undefined && !allEnvironments) throw usageError(`--${flag} works only with --all-environments`);
  const cloudRaw = str('cloud');
  const cloud = cloudRaw === undefined ? CLOUDS.public : parseCloud('--cloud', cloudRaw);
  const orgUrl = org ? checkOrgUrl('--org', org) : '';
  if (org) checkOrgInCloud('--org', orgUrl, cloud);
  const discoveryRaw = str('discovery-url');
  const source: FleetOptions['source'] | undefined = orgsFile
    ? { kind: 'file', orgsFile }
    : allEnvironments
      ? { kind: 'discovery', discoveryUrl: discoveryRaw ? checkServiceUrl('--discovery-url', discoveryRaw) : cloud.discoveryUrl, ...(str('match') ? { match: str('match')! } : {}) }
      : undefined;
  const fleet = source ? fleetOptions(source, str, values) : undefined;
  const many = orgsFile ? '--orgs' : '--all-environments';
  for (const flag of ['concurrency', 'fail-fast', 'report-dir', 'shard']) if (values[flag] !== undefined && !fleet) throw usageError(`--${flag} works only with --orgs or --all-environments`);
  if (fleet && values['report'] !== undefined) throw usageError(`--report names one file; with ${many} use --report-dir <folder> (a report per org, fleet.json and fleet.junit.xml)`);
  if (fleet && values['yes'] !== true && values['plan'] !== true) throw usageError(`${many} needs --yes (or --plan to look first): a fleet run does not ask once per org`);
  const authorityHost = str('authority-host');
  const authority: Authority = authorityHost ? { host: checkServiceUrl('--authority-host', authorityHost), source: 'flag' } : { host: cloud.authorityHost, source: 'default' };

  const auth = str('auth');
  if (auth !== undefined && !(AUTH_MODES as readonly string[]).includes(auth)) throw usageError(`--auth ${auth}: expected ${AUTH_MODES.slice(0, -1).join(', ')} or ${AUTH_MODES.at(-1)}`);
  const clientId = str('client-id');
  if (clientId !== undefined && !normalizeGuid(clientId)) throw usageError(`--client-id ${clientId}: expected a GUID (your automation app's client id)`);

  const waitRaw = str('wait-for-consent');
  let waitForConsentSeconds: number | undefined;
  if (waitRaw !== undefined) {
    waitForConsentSeconds = Number(waitRaw);
    if (!Number.isFinite(waitForConsentSeconds) || waitForConsentSeconds <= 0) throw usageError(`--wait-for-consent=${waitRaw}: expected a number of seconds`);
  }
  const adminRaw = str('admin-client-id');
  const adminClientId = adminRaw === undefined ? undefined : normalizeGuid(adminRaw);
  if (adminRaw !== undefined && !adminClientId) throw usageError(`--admin-client-id ${adminRaw}: expected a GUID`);
  const tenant = fromFlagOrEnv('--tenant', str('tenant'), CREDENTIAL_ENV.tenant, env);
  if (tenant !== undefined) checkTenant(tenant.source, tenant.value);

  const remove = values['remove'] === true;
  for (const flag of ['delete-user', 'force']) if (values[flag] === true && !remove) throw usageError(`--${flag} works only with --remove`);
  if (remove) {
    for (const flag of ['wait-for-consent', 'purge-deleted-app-user', 'accept-privilege-changes', 'overwrite-unmanaged-customizations', 'settings', 'set']) {
      if (values[flag] !== undefined) throw usageError(`--${flag} does not go with --remove, which only takes the package away`);
    }
  }
  const ui = uiOptions(str, values);
  const reportPath = str('report');
  const settingsFile = str('settings');
  const sets = (values['set'] as string[] | undefined) ?? [];
  const settings = settingsFile !== undefined || sets.length > 0 ? readSettingsInput(settingsFile, sets) : undefined;
  // Without --auth the runner signs a person in: a secret in the environment alone does not switch to it.
  // The --ui page is open in a browser on this machine, so the browser sign-in can complete here.
  const { mode, note: authNote } = auth !== undefined ? { mode: auth as AuthMode, note: undefined } : ui ? { mode: 'browser' as const, note: undefined } : personSignInMode(env);
  return {
    kind: 'deploy',
    orgUrl,
    ...(fleet ? { fleet } : {}),
    ...(tenant ? { tenant: normalizeGuid(tenant.value) ?? tenant.value.toLowerCase() } : {}),
    authority,
    cloud,
    ...(authNote ? { authNote } : {}),
    federatedWaitMs: federatedWaitMs(env),
    credential: {
      auth: mode,
      openBrowser: values['no-open'] !== true,
      ...(str('federated-token-file') !== undefined ? { federatedTokenFile: str('federated-token-file') } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(str('client-secret-file') !== undefined ? { clientSecretFile: str('client-secret-file') } : {}),
      ...(str('certificate') !== undefined ? { certificate: str('certificate') } : {}),
    },
    ...(adminClientId ? { adminClientId } : {}),
    planOnly: values['plan'] === true,
    yes: values['yes'] === true,
    ...(reportPath ? { reportPath } : {}),
    json: values['json'] === true,
    // The page re-checks consent while the admin grants it: a --ui run waits for it by default.
    ...(waitForConsentSeconds !== undefined || ui ? { waitForConsentSeconds: waitForConsentSeconds ?? DEFAULT_CONSENT_WAIT_SECONDS } : {}),
    overwriteUnmanaged: values['overwrite-unmanaged-customizations'] === true,
    purgeDeletedAppUser: values['purge-deleted-app-user'] === true,
    acceptPrivilegeChanges: values['accept-privilege-changes'] === true,
    ...(remove ? { remove: { deleteUser: values['delete-user'] === true, force: values['force'] === true } } : {}),
    ...(settings ? { settings } : {}),
    ...(ui ? { ui } : {}),
  };
}

const DEFAULT_UI_IDLE_SECONDS = 600;

function uiOptions(str: (key: string) => string | undefined, values: Record<string, string | boolean | string[] | undefined>): UiOptions | undefined {
  if (values['ui'] !== true) {
    for (const flag of ['port', 'ui-idle-timeout']) if (values[flag] !== undefined) throw usageError(`--${flag} works only with --ui`);
    return undefined;
  }
  // The page asks the questions: a run that must not ask, or asks many orgs, has no page to show.
  if (values['yes'] === true) throw usageError('--ui and --yes do not go together: the page asks before anything changes (drop --yes, or drop --ui for an unattended run)');
  for (const flag of ['orgs', 'all-environments']) if (values[flag] !== undefined) throw usageError(`--ui and --${flag} do not go together: the page deploys one org (--org)`);
  if (values['remove'] === true) throw usageError('--ui and --remove do not go together yet: run --remove in the terminal');
  const portRaw = str('port');
  const port = portRaw === undefined ? 0 : Number(portRaw);
  if (portRaw !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw usageError(`--port ${portRaw}: expected a port number from 1 to 65535`);
  const idleRaw = str('ui-idle-timeout');
  const idleSeconds = idleRaw === undefined ? DEFAULT_UI_IDLE_SECONDS : Number(idleRaw);
  if (!Number.isFinite(idleSeconds) || idleSeconds <= 0) throw usageError(`--ui-idle-timeout ${idleRaw}: expected a number of seconds`);
  return { port, open: values['no-open'] !== true, idleMs: idleSeconds * 1000 };
}
