import { connect } from '../auth/connect.js';
import type { Cloud } from '../auth/clouds.js';
import type { Credential } from '../auth/credentials.js';
import { SignIns } from '../auth/sign-ins.js';
import { describeDiff, diffRolePrivileges, matchRoles, privilegesBeyondDeclared, rootRoleId } from '../core/org-roles.js';
import type { Authority } from '../dataverse/discover-tenant.js';
import { DataverseCodes, DataverseError, TransientError } from '../dataverse/errors.js';
import * as dv from '../dataverse/operations.js';
import { ExitCode, isDvpkgError } from '../errors.js';
import type { RetryEvent } from '../http/retry.js';
import { appRoles, rolesSolution, type Manifest } from '../package/manifest.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { PROBE_TABLES, type CheckResult } from './checks.js';
import type { GivenSetting } from '../deploy/settings/input.js';
import { hasSettingsCheck, settingsCheck } from './settings-check.js';

/**
 * `dvpkg verify`: signs in as the ISV app itself and proves, check by check, that the org is
 * exactly as the package declares. Every check records expected and actual values.
 */

export interface VerifyOptions {
  orgUrl: string;
  manifest: Manifest;
  credential: Credential;
  tenant?: string;
  authority: Authority;
  cloud: Cloud;
  env?: NodeJS.ProcessEnv;
  /** How long a federated sign-in retries AADSTS70021 (a new credential not yet in effect). */
  federatedWaitMs?: number;
  /** Shared by the orgs of a `--orgs` run: one sign-in per tenant. */
  signIns?: SignIns;
  probe: boolean;
  /** `--settings <file>`: values the org's settings must hold. */
  settings?: readonly GivenSetting[];
  clock?: Clock;
  onWarning?: (text: string) => void;
  onRetry?: (event: RetryEvent) => void;
}

export interface VerifyReport {
  outcome: 'passed' | 'failed';
  exitCode: number;
  org: string;
  tenant?: string;
  clientId: string;
  package: { solution: string; version: string };
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
}

/** One `solution` check for a one-solution package, else one per solution, named after it. */
function solutionCheck(manifest: Manifest, uniqueName: string): string {
  return manifest.solutions.length === 1 ? 'solution' : `solution ${uniqueName}`;
}

type CheckBody = () => Promise<Omit<CheckResult, 'name' | 'durationMs'>>;

/** A Dataverse refusal becomes a failed check that says what the app could not do. */
function refusal(error: unknown, expected: string): Omit<CheckResult, 'name' | 'durationMs'> {
  if (error instanceof DataverseError) {
    const hint = error.is(DataverseCodes.privilegeDenied) ? ' (the app lacks a read privilege this check needs; add it to the role)' : '';
    return { status: 'fail', expected, actual: `${error.status} ${error.code}`, details: [`${error.method} ${error.path.split('?')[0]}: ${error.serviceMessage}${hint}`] };
  }
  if (error instanceof TransientError) return { status: 'fail', expected, actual: 'no answer', details: [error.message] };
  throw error;
}

export async function runVerify(options: VerifyOptions): Promise<VerifyReport> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const manifest = options.manifest;
  const checks: CheckResult[] = [];
  const report: VerifyReport = {
    outcome: 'failed',
    exitCode: ExitCode.checksFailed,
    org: options.orgUrl,
    clientId: 'clientId' in options.credential ? options.credential.clientId : manifest.app.clientId,
    package: { solution: rolesSolution(manifest).uniqueName, version: rolesSolution(manifest).version },
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    checks,
  };
  const run = async (name: string, body: CheckBody): Promise<CheckResult> => {
    const t = clock.now();
    const result = { name, ...(await body()), durationMs: 0 };
    result.durationMs = clock.now() - t;
    checks.push(result);
    return result;
  };
  const skipRest = (names: string[], reason: string) => {
    for (const name of names) checks.push({ name, status: 'skip', expected: '', actual: reason, details: [], durationMs: 0 });
  };
  const laterChecks = ['app-user', ...manifest.solutions.map((s) => solutionCheck(manifest, s.uniqueName)), ...manifest.roles.map((r) => `role "${r.name}"`), 'roles-bound', 'effective-privileges', ...(hasSettingsCheck(manifest, options.settings) ? ['settings'] : [])];

  const hooks = { clock, ...(options.onRetry ? { onRetry: options.onRetry } : {}) };
  const signIns = options.signIns ?? new SignIns(() => options.credential, {
    cloud: options.cloud,
    hooks,
    ...(options.env ? { env: options.env } : {}),
    ...(options.federatedWaitMs !== undefined ? { federatedWaitMs: options.federatedWaitMs } : {}),
  });
  const session = await connect({
    orgUrl: options.orgUrl,
    signIns,
    authority: options.authority,
    ...(options.tenant ? { tenant: options.tenant } : {}),
    clock,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  report.tenant = session.tenant;

  const token = await run('token', async () => {
    try {
      await session.tokens.getToken(false);
      return { status: 'pass', expected: 'a client-credentials token for the org', actual: `token issued in tenant ${session.tenant}`, details: [] };
    } catch (error) {
      if (!isDvpkgError(error)) throw error;
      return { status: 'fail', expected: 'a client-credentials token for the org', actual: 'sign-in failed', details: [error.message] };
    }
  });
  if (token.status === 'fail') {
    skipRest(laterChecks, 'skipped: no token');
    report.exitCode = ExitCode.signInFailed;
    report.durationMs = clock.now() - started;
    return report;
  }

  const client = session.client;
  let user: dv.AppUserRow | undefined;
  await run('app-user', async () => {
    const expected = `an enabled application user with applicationid ${manifest.app.clientId}`;
    try {
      const me = await dv.whoAmI(client);
      user = await dv.findAppUserById(client, me.UserId, true);
      if (!user) return { status: 'fail', expected, actual: 'no user', details: [`WhoAmI named ${me.UserId}, which cannot be read`] };
    } catch (error) {
      if (error instanceof DataverseError && error.is(DataverseCodes.userNotMember)) {
        return { status: 'fail', expected, actual: 'no application user', details: ['WhoAmI: 403 0x80072560 the app has no (enabled) application user in this org; run the deploy package'] };
      }
      if (error instanceof DataverseError && error.is(DataverseCodes.userDisabled)) {
        return { status: 'fail', expected, actual: 'disabled', details: ['the application user is disabled (0x80040225); activate it in the Power Platform admin center'] };
      }
      return refusal(error, expected);
    }
    const problems: string[] = [];
    if (user.applicationid?.toLowerCase() !== manifest.app.clientId) problems.push(`WhoAmI resolved to ${user.systemuserid}, whose applicationid is ${user.applicationid ?? 'empty'}`);
    if (user.isdisabled) problems.push('the application user is disabled');
    return {
      status: problems.length ? 'fail' : 'pass',
      expected,
      actual: `${user.systemuserid}, applicationid ${user.applicationid ?? 'empty'}, ${user.isdisabled ? 'disabled' : 'enabled'}`,
      details: problems,
    };
  });

  for (const solution of manifest.solutions) {
    await run(solutionCheck(manifest, solution.uniqueName), async () => {
      const expected = `${solution.uniqueName} ${solution.version}, managed`;
      try {
        const installed = await dv.findSolution(client, solution.uniqueName);
        if (!installed) return { status: 'fail', expected, actual: 'not installed', details: [`${solution.uniqueName} is not installed`] };
        const problems: string[] = [];
        if (installed.version !== solution.version) problems.push(`version ${installed.version} is installed, the package is ${solution.version}`);
        if (!installed.ismanaged) problems.push('installed as unmanaged');
        return { status: problems.length ? 'fail' : 'pass', expected, actual: `${installed.uniquename} ${installed.version}, ${installed.ismanaged ? 'managed' : 'unmanaged'}`, details: problems };
      } catch (error) {
        return refusal(error, expected);
      }
    });
  }

  const orgRoleIds = new Map<string, string>();
  for (const role of manifest.roles) {
    await run(`role "${role.name}"`, async () => {
      const expected = `${role.privileges.length} privileges at the declared depths`;
      try {
        const row = matchRoles([role], await dv.findRoles(client, [role.id], [role.name])).get(role.id);
        if (!row) return { status: 'fail', expected, actual: 'role not found', details: [`role "${role.name}" (${role.id}) does not exist in the org`] };
        orgRoleIds.set(role.id, row.roleid);
        const diff = diffRolePrivileges(role, await dv.rolePrivileges(client, row.roleid));
        const details = describeDiff(diff);
        const actual = details.length ? `${diff.missing.length} missing, ${diff.extra.length} extra, ${diff.depth.length} at another depth` : `${role.privileges.length} privileges, all as declared`;
        return { status: details.length ? 'fail' : 'pass', expected, actual, details };
      } catch (error) {
        return refusal(error, expected);
      }
    });
  }

  const targets = appRoles(manifest);
  await run('roles-bound', async () => {
    const expected = `exactly ${targets.map((r) => `"${r.name}"`).join(', ')}`;
    if (!user) return { status: 'fail', expected, actual: 'no application user', details: ['cannot check roles without the application user'] };
    const held = user.systemuserroles_association ?? [];
    // A user outside the root business unit holds that unit's copy of the role, whose parent root is the role.
    const rootOf = rootRoleId;
    const declaredIds = new Set(targets.map((r) => orgRoleIds.get(r.id) ?? r.id));
    const missing = targets.filter((r) => !held.some((h) => rootOf(h) === (orgRoleIds.get(r.id) ?? r.id)));
    const extra = held.filter((h) => !declaredIds.has(rootOf(h)));
    const details = [
      ...missing.map((r) => `the application user does not hold "${r.name}"`),
      ...extra.map((h) => `the application user also holds "${h.name}" (${h.roleid}), which the package does not declare: least privilege is broken`),
    ];
    return { status: details.length ? 'fail' : 'pass', expected, actual: held.length ? held.map((h) => `"${h.name}"`).join(', ') : 'no roles', details };
  });

  await run('effective-privileges', async () => {
    const expected = 'no privilege beyond the declared ones, at no greater depth';
    if (!user) return { status: 'fail', expected, actual: 'no application user', details: ['cannot read privileges without the application user'] };
    try {
      const effective = await dv.userPrivileges(client, user.systemuserid, true);
      const beyond = privilegesBeyondDeclared(targets, effective);
      return { status: beyond.length ? 'fail' : 'pass', expected, actual: `${new Set(effective.map((p) => p.PrivilegeName)).size} privileges held${beyond.length ? `, ${beyond.length} beyond the declared` : ''}`, details: beyond };
    } catch (error) {
      return refusal(error, expected);
    }
  });

  if (hasSettingsCheck(manifest, options.settings)) {
    await run('settings', async () => {
      try {
        return await settingsCheck(client, manifest, options.settings ?? []);
      } catch (error) {
        return refusal(error, 'every required setting with a value');
      }
    });
  }

  if (options.probe) {
    const declared = new Set(targets.flatMap((r) => r.privileges.map((p) => p.name)));
    for (const [privilege, table] of Object.entries(PROBE_TABLES)) {
      if (!declared.has(privilege)) continue;
      await run(`probe ${table}`, async () => {
        const expected = `the app can read ${table} (${privilege})`;
        try {
          const rows = await client.get<{ value: unknown[] }>(`${table}?$top=1`);
          return { status: 'pass', expected, actual: `read ${rows.value.length} row${rows.value.length === 1 ? '' : 's'}`, details: [] };
        } catch (error) {
          return refusal(error, expected);
        }
      });
    }
  }

  const failed = checks.some((c) => c.status === 'fail');
  report.outcome = failed ? 'failed' : 'passed';
  report.exitCode = failed ? ExitCode.checksFailed : ExitCode.ok;
  report.durationMs = clock.now() - started;
  return report;
}

