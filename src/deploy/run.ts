import { adminConsentUrl, probeConsent } from '../auth/consent.js';
import { readCertificateFile } from '../auth/certificate-file.js';
import { createTokenSource, type Credential } from '../auth/tokens.js';
import { DataverseClient } from '../dataverse/client.js';
import { resolveAuthority } from '../dataverse/discover-tenant.js';
import * as dv from '../dataverse/operations.js';
import { DvpkgError, ExitCode, isDvpkgError, usageError } from '../errors.js';
import { appRoles, type Manifest } from '../package/manifest.js';
import { DVPKG_VERSION } from '../version.js';
import { HELP, parseRunnerArgs, type RunnerOptions } from './args.js';
import {
  boundRoleIds,
  unboundRoles,
  roleCopyIn,
  importAction,
  matchRoles,
  missingCallerPrivileges,
  missingGrants,
  privilegeProblems,
  requiredCallerPrivileges,
  uniquePrivilegeNames,
  type OrgState,
} from './decide.js';
import { consentMissing, disabledUser, ensureAppUser, bindRole } from './app-user.js';
import { describeError, finishReport, printFatal } from './finish.js';
import { importRefusal, runImport } from './import-step.js';
import { planText } from './plan-text.js';
import { loadPackage } from './package-files.js';
import { StepRecorder } from './recorder.js';
import type { RunReport } from './report.js';
import { createUi, type Ui } from './ui.js';
import { sleep } from '../util/sleep.js';

export interface RunnerIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  packageDir: string;
  /** deploy.mjs itself and the manifest hash stamped into it. */
  runner: { path: string; manifestStamp: string };
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

const CONSENT_POLL_MS = 2_000;

export async function runDeploy(io: RunnerIo): Promise<number> {
  let options: RunnerOptions;
  try {
    options = parseRunnerArgs(io.argv, io.env);
  } catch (error) {
    return printFatal(error, io.stderr);
  }
  if (options.help) {
    io.stdout.write(`${HELP}\n`);
    return ExitCode.ok;
  }
  if (options.version) {
    io.stdout.write(`${DVPKG_VERSION}\n`);
    return ExitCode.ok;
  }
  const ui = createUi({ json: options.json, stdout: io.stdout, stderr: io.stderr, stdin: io.stdin });
  const recorder = new StepRecorder(ui);
  const started = Date.now();
  const report: RunReport = {
    outcome: 'failed',
    exitCode: ExitCode.unexpected,
    dvpkgVersion: DVPKG_VERSION,
    package: { solution: '', version: '', sha256: '', appClientId: '' },
    org: options.orgUrl,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    requests: 0,
    polls: 0,
    writes: 0,
    retries: 0,
    retryWaitMs: 0,
    steps: recorder.steps,
  };
  try {
    const outcome = await deploy(options, io, ui, recorder, report);
    report.outcome = outcome;
    report.exitCode = ExitCode.ok;
  } catch (error) {
    report.exitCode = isDvpkgError(error) ? error.exitCode : ExitCode.unexpected;
    report.error = describeError(error);
    printFatal(error, options.json ? io.stderr : io.stdout);
  }
  report.durationMs = Date.now() - started;
  report.requests = recorder.requests;
  report.polls = recorder.polls;
  report.writes = recorder.writes;
  report.retries = recorder.retries;
  report.retryWaitMs = recorder.retryWaitMs;
  await finishReport(report, options, io, ui);
  return report.exitCode;
}

async function deploy(options: RunnerOptions, io: RunnerIo, ui: Ui, recorder: StepRecorder, report: RunReport): Promise<RunReport['outcome']> {
  const pkg = await recorder.run('integrity', 'Checking the package', async () => {
    const loaded = await loadPackage(io.packageDir, io.runner);
    return { status: 'done', outcome: 'manifest.json, the solution zip, README.md and deploy.mjs match their hashes', value: loaded };
  });
  const manifest = pkg.manifest;
  report.package = { solution: manifest.solution.uniqueName, version: manifest.solution.version, sha256: manifest.solution.sha256, appClientId: manifest.app.clientId };
  const targets = appRoles(manifest);

  const session = await recorder.run('sign-in', 'Signing in', async () => {
    if (!options.tenant) recorder.countRequest();
    const authority = await resolveAuthority(options.orgUrl, options, { onRetry: recorder.onHttpRetry });
    if (authority.warning) ui.warn(authority.warning);
    report.tenant = authority.tenant;
    const tokens = createTokenSource({
      credential: await credentialFor(options, manifest, ui),
      authorityHost: authority.host,
      tenant: authority.tenant,
      orgUrl: options.orgUrl,
      retry: { onRetry: recorder.onHttpRetry },
    });
    await tokens.getToken(false);
    const client = new DataverseClient({ orgUrl: options.orgUrl, token: tokens, onRequest: recorder.onRequest, onRetry: recorder.onRetry });
    return { status: 'done', outcome: `signed in as ${tokens.identity() ?? 'unknown'} (tenant ${authority.tenant})`, value: { client, authority } };
  });
  const { client, authority } = session;
  const consentUrl = adminConsentUrl(authority.host, authority.tenant, manifest.app.clientId, manifest.app.consentRedirectUri);

  const state = await recorder.run('preflight', 'Preflight: reading the org and checking permissions', async () => {
    const { installed, holding } = await dv.findSolutionAndHolding(client, manifest.solution.uniqueName);
    const appUser = await dv.findAppUser(client, manifest.app.clientId);
    const action = importAction(installed, manifest.solution.version, holding);
    // Refusals known now stop the run before any write, rather than after an import.
    const refused = importRefusal(action, manifest.solution, installed?.version);
    if (refused) throw refused;
    if (appUser?.isdisabled) throw disabledUser(manifest, appUser);
    const boundIds = boundRoleIds(appUser);
    const unbound = unboundRoles(targets, appUser);
    const binding = unbound.length > 0;
    const work = { importing: action === 'install' || action === 'upgrade' || action === 'promote', creatingUser: !appUser, binding };
    const problems: string[] = [];
    const required = requiredCallerPrivileges(work);
    if (required.length > 0) {
      const me = await dv.whoAmI(client);
      const held = await dv.userPrivileges(client, me.UserId);
      for (const name of missingCallerPrivileges(required, held)) problems.push(`your account lacks ${name}, needed to ${callerNeed(name)}; sign in as a System Administrator`);
      // Dataverse lets a user assign a role only if it holds every privilege of that role itself (0x80048d3b).
      if (binding) {
        for (const grant of missingGrants(unbound, held)) problems.push(`your account cannot give the role: it does not hold ${grant} itself; sign in as a System Administrator`);
      }
    }
    // A staged upgrade was checked against the org's privileges when it was imported.
    if (action === 'install' || action === 'upgrade') problems.push(...privilegeProblems(manifest.roles, await dv.privilegesByName(client, uniquePrivilegeNames(manifest.roles))));
    if (problems.length > 0) {
      throw new DvpkgError('DVPKG_PREFLIGHT_FAILED', `preflight found ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was changed:\n  ${problems.join('\n  ')}`);
    }
    const value: OrgState = { installed, holding, action, appUser, boundIds, unbound };
    const summary = [
      `solution ${installed ? `${installed.version}${installed.ismanaged ? '' : ' (unmanaged)'} installed` : 'not installed'}`,
      `application user ${appUser ? (appUser.isdisabled ? 'exists but is disabled' : 'exists') : 'missing'}`,
      required.length > 0 ? 'your account has the privileges needed' : 'no changes needed',
    ];
    return { status: 'done', outcome: summary.join('; '), value };
  });

  await recorder.run('consent', 'Checking admin consent for the ISV app', async () => {
    if (state.appUser) return { status: 'skipped', outcome: 'the application user exists, so consent was granted', value: undefined };
    const deadline = options.waitForConsentSeconds === undefined ? 0 : Date.now() + options.waitForConsentSeconds * 1000;
    for (let announced = false; ; announced = true) {
      const probe = await probeConsent({ authorityHost: authority.host, tenant: authority.tenant, clientId: manifest.app.clientId, orgUrl: options.orgUrl, retry: { onRetry: recorder.onHttpRetry } });
      if (probe.state === 'present') return { status: 'done', outcome: `${manifest.app.name} is present in tenant ${authority.tenant}`, value: undefined };
      if (probe.state === 'unknown') {
        ui.warn('could not tell whether consent was granted; creating the application user will tell');
        return { status: 'done', outcome: 'consent could not be checked in advance', value: undefined };
      }
      if (Date.now() >= deadline) throw consentMissing(manifest, consentUrl, probe.code);
      if (!announced) {
        ui.info(`Admin consent for ${manifest.app.name} is missing (AADSTS${probe.code}). A Global Administrator must open:\n  ${consentUrl}`);
        ui.event('consent-required', { url: consentUrl });
        ui.info(`Waiting up to ${options.waitForConsentSeconds} s for consent...`);
      }
      await sleep(CONSENT_POLL_MS);
    }
  });

  const nothingToDo = state.action === 'skip' && state.appUser !== undefined && state.unbound.length === 0;
  const proceed = await recorder.run('plan', 'Plan', async () => {
    ui.info(planText(manifest, targets, state));
    if (options.plan) return { status: 'done', outcome: 'plan only (--plan): nothing was changed', value: false };
    if (nothingToDo || options.yes) return { status: 'done', outcome: nothingToDo ? 'nothing to change' : 'confirmed with --yes', value: true };
    if (!ui.interactive) throw usageError('no terminal to ask for confirmation; pass --yes to run without asking, or --plan to only look');
    const ok = await ui.confirm('Apply this plan?');
    if (!ok) throw new DvpkgError('DVPKG_USAGE', 'cancelled at the confirmation prompt; nothing was changed');
    return { status: 'done', outcome: 'confirmed', value: true };
  });
  if (!proceed) return 'planned';

  await recorder.run('import', `Importing ${manifest.solution.uniqueName} ${manifest.solution.version}`, async (step) => {
    const result = await runImport({ client, pkg, action: state.action, installed: state.installed, overwriteUnmanaged: options.overwriteUnmanaged, ui });
    if (result.change) step.change(result.change);
    return { status: result.change ? 'done' : 'skipped', outcome: result.outcome, value: undefined };
  });

  const roleRows = await recorder.run('role', 'Finding the role in the root business unit', async () => {
    const rows = await dv.findRoles(client, targets.map((r) => r.id), targets.map((r) => r.name));
    const matched = matchRoles(targets, rows);
    const missing = targets.filter((r) => !matched.has(r.id));
    if (missing.length > 0) {
      throw new DvpkgError('DVPKG_APP_USER_FAILED', `role${missing.length === 1 ? '' : 's'} ${missing.map((r) => `"${r.name}"`).join(', ')} not found in the org after import; check the solution in the maker portal`);
    }
    let rootBu = matched.get(targets[0]!.id)!._businessunitid_value;
    if (![...matched.values()].every((row) => row._businessunitid_value === rootBu)) rootBu = (await dv.rootBusinessUnit(client)).businessunitid;
    const names = targets.map((r) => `"${r.name}" ${matched.get(r.id)!.roleid}`).join(', ');
    return { status: 'done', outcome: `found ${names}`, value: { rows, matched, rootBu } };
  });

  const user = await recorder.run('app-user', `Ensuring the application user for ${manifest.app.name}`, async (step) => {
    const existing = state.appUser;
    if (existing) {
      return { status: 'skipped', outcome: `exists (${existing.systemuserid})`, value: { id: existing.systemuserid, businessUnitId: existing._businessunitid_value } };
    }
    const created = await ensureAppUser(client, manifest, roleRows.rootBu, consentUrl, ui);
    if (created.created) step.change({ kind: 'application-user-created', id: created.id });
    state.boundIds = boundRoleIds(created.row);
    const value = { id: created.id, businessUnitId: created.row?._businessunitid_value ?? roleRows.rootBu };
    return { status: created.created ? 'done' : 'skipped', outcome: created.created ? `created ${created.id} in the root business unit` : `found ${created.id} (created by an earlier attempt)`, value };
  });
  const userId = user.id;

  await recorder.run('role-binding', 'Giving the application user its role', async (step) => {
    let added = 0;
    for (const role of targets) {
      const root = roleRows.matched.get(role.id)!;
      const copy = roleCopyIn(root, roleRows.rows, user.businessUnitId);
      if (!copy) {
        throw new DvpkgError('DVPKG_APP_USER_FAILED', `the application user is in business unit ${user.businessUnitId}, which has no copy of "${role.name}"; move the user to the root business unit and run again`);
      }
      const roleId = copy.roleid;
      if (state.boundIds.has(roleId)) continue;
      await bindRole(client, userId, roleId);
      step.change({ kind: 'role-bound', id: roleId, detail: role.name });
      added++;
    }
    return added > 0
      ? { status: 'done', outcome: `bound ${added} role${added === 1 ? '' : 's'}`, value: undefined }
      : { status: 'skipped', outcome: 'already bound', value: undefined };
  });

  await recorder.run('confirm', 'Confirming the application user\'s privileges', async () => {
    const held = await dv.userPrivileges(client, userId, true);
    const missing = missingGrants(targets, held);
    if (missing.length > 0) {
      throw new DvpkgError('DVPKG_APP_USER_FAILED', `the application user does not hold ${missing.length} declared privilege${missing.length === 1 ? '' : 's'}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
    }
    const declared = new Set(targets.flatMap((r) => r.privileges.map((p) => p.name)));
    const extra = [...new Set(held.map((p) => p.PrivilegeName))].filter((name) => !declared.has(name));
    if (extra.length > 0) ui.warn(`the application user also holds ${extra.length} privilege${extra.length === 1 ? '' : 's'} this package does not declare (from other roles); dvpkg verify reports them`);
    return { status: 'done', outcome: `holds all ${declared.size} declared privileges`, value: undefined };
  });

  return recorder.changes > 0 ? 'succeeded' : 'nothing-to-do';
}

async function credentialFor(options: RunnerOptions, manifest: Manifest, ui: Ui): Promise<Credential> {
  if (options.auth === 'client-secret') return { kind: 'client-secret', clientId: options.clientId!, secret: options.secret! };
  if (options.auth === 'certificate') return { kind: 'certificate', clientId: options.clientId!, ...readCertificateFile(options.certificatePath!, '--certificate') };
  return {
    kind: 'device-code',
    clientId: options.adminClientId ?? manifest.adminClientId,
    onCode: (message) => {
      ui.info(message);
      ui.event('device-code', { message });
    },
  };
}

function callerNeed(privilege: string): string {
  if (privilege === 'prvImportCustomization' || privilege === 'prvWriteRole') return 'import a solution that carries a security role';
  if (privilege === 'prvCreateUser' || privilege === 'prvReadUser') return 'create the application user';
  return 'give the application user its role';
}

