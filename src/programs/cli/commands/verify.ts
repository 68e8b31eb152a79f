import { checkOrgInCloud, CLOUDS, parseCloud } from '../../../auth/clouds.js';
import { AUTH_MODES, CREDENTIAL_ENV, federatedWaitMs, fromFlagOrEnv, PERSON_MODES, redactCredentialEnv, resolveCredential, type AuthMode } from '../../../auth/credentials.js';
import { ExitCode, usageError } from '../../../errors.js';
import type { Output } from '../../../runtime/output.js';
import { normalizeGuid } from '../../../spec/guid.js';
import { checkOrgUrl, checkServiceUrl, checkTenant } from '../../../util/url.js';
import { junitSuites, junitXml } from '../../../verify/junit.js';
import { SignIns } from '../../../auth/sign-ins.js';
import { pool } from '../../../fleet/pool.js';
import { readTargets } from '../../../fleet/read-targets.js';
import { parseConcurrency } from '../../../fleet/targets.js';
import type { RetryEvent } from '../../../http/retry.js';
import { systemClock } from '../../../runtime/clock.js';
import { rolesSolution } from '../../../package/manifest.js';
import { loadManifest } from '../../../verify/load-manifest.js';
import { runVerify, type VerifyReport } from '../../../verify/run.js';
import { readSettingsInput } from '../../../deploy/settings/input.js';
import { secretValues } from '../../../deploy/settings/plan-settings.js';
import { fileErrorReason } from '../../../util/file-errors.js';

export interface VerifyArgs {
  org?: string;
  orgs?: string;
  concurrency?: string;
  package: string;
  tenant?: string;
  clientId?: string;
  certificate?: string;
  auth?: string;
  federatedTokenFile?: string;
  cloud?: string;
  authorityHost?: string;
  report?: string;
  junit?: string;
  json: boolean;
  probe: boolean;
  /** A settings file (pac solution create-settings format) whose values the org must hold. */
  settings?: string;
}

/** Signs in as the ISV app with the runner's credential precedence: flag, then DVPKG_*, then the Azure SDK names. */
export async function runVerifyCommand(args: VerifyArgs, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Before anything that can fail: a message may echo a value that is in fact the secret.
  redactCredentialEnv(env, output.redactor);
  if ((args.org === undefined) === (args.orgs === undefined)) throw usageError('give --org <url> for one org, or --orgs <file> for many');
  if (args.concurrency !== undefined && args.orgs === undefined) throw usageError('--concurrency works only with --orgs');
  const cloud = args.cloud === undefined ? CLOUDS.public : parseCloud('--cloud', args.cloud);
  const orgUrl = args.org !== undefined ? checkOrgUrl('--org', args.org) : undefined;
  if (orgUrl) checkOrgInCloud('--org', orgUrl, cloud);
  const authority = args.authorityHost ? { host: checkServiceUrl('--authority-host', args.authorityHost), source: 'flag' as const } : { host: cloud.authorityHost, source: 'default' as const };
  const auth = args.auth;
  if (auth !== undefined && (!(AUTH_MODES as readonly string[]).includes(auth) || (PERSON_MODES as readonly string[]).includes(auth))) {
    throw usageError(`--auth ${auth}: expected certificate, client-secret, federated or azure-cli (verify signs in as the ISV app, not as a person)`);
  }
  const concurrency = parseConcurrency('--concurrency', args.concurrency);
  const targets = args.orgs !== undefined ? await readTargets(args.orgs, cloud) : undefined;
  const manifest = await loadManifest(args.package);
  const tenant = fromFlagOrEnv('--tenant', args.tenant, CREDENTIAL_ENV.tenant, env);
  if (tenant !== undefined) checkTenant(tenant.source, tenant.value);
  const credential = resolveCredential(
    {
      ...(auth !== undefined ? { auth: auth as AuthMode } : {}),
      ...(args.clientId !== undefined ? { clientId: args.clientId } : {}),
      ...(args.certificate !== undefined ? { certificate: args.certificate } : {}),
      ...(args.federatedTokenFile !== undefined ? { federatedTokenFile: args.federatedTokenFile } : {}),
    },
    env,
    output.redactor,
    { clientId: manifest.app.clientId, publicClientId: manifest.adminClientId },
  );
  const onRetry = (event: RetryEvent) => output.err(`${event.target}: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s\n`);
  const settings = args.settings !== undefined ? readSettingsInput(args.settings, []) : undefined;
  for (const value of secretValues(manifest, settings ?? [])) output.redactor.add(value);
  const common = { manifest, credential, cloud, env, federatedWaitMs: federatedWaitMs(env), probe: args.probe, onRetry, ...(settings ? { settings } : {}) };
  const suiteName = `dvpkg verify ${rolesSolution(manifest).uniqueName} ${rolesSolution(manifest).version}`;

  if (!targets) {
    const report = await runVerify({
      ...common,
      orgUrl: orgUrl!,
      ...(tenant ? { tenant: normalizeGuid(tenant.value) ?? tenant.value } : {}),
      authority,
      onWarning: (text) => output.err(`warning: ${text}\n`),
    });
    output.out(args.json ? `${JSON.stringify(report)}\n` : table(report));
    if (args.report) await writeReport(output, '--report', args.report, `${JSON.stringify(report, null, 2)}\n`);
    if (args.junit) await writeReport(output, '--junit', args.junit, junitXml(report.checks, suiteName, report.startedAt));
    return report.exitCode;
  }

  // Many orgs: one sign-in per tenant, a bounded pool, a suite per org in the JUnit file.
  const signIns = new SignIns(() => credential, { cloud, hooks: { clock: systemClock, onRetry }, env, federatedWaitMs: common.federatedWaitMs });
  const reports = await pool(targets, concurrency, (target) =>
    runVerify({
      ...common,
      orgUrl: target.url,
      ...(target.tenant ? { tenant: target.tenant } : tenant ? { tenant: normalizeGuid(tenant.value) ?? tenant.value } : {}),
      authority: authority.source === 'flag' ? authority : { host: target.cloud.authorityHost, source: 'default' },
      cloud: target.cloud,
      signIns,
      onWarning: (text) => output.err(`warning: ${target.name}: ${text}\n`),
    }),
  );
  const passed = reports.filter((r) => r.outcome === 'passed').length;
  if (args.json) output.out(`${JSON.stringify({ outcome: passed === reports.length ? 'passed' : 'failed', passed, failed: reports.length - passed, orgs: reports })}\n`);
  else {
    const width = Math.max(...targets.map((t) => t.name.length));
    for (const [i, report] of reports.entries()) {
      const failedChecks = report.checks.filter((c) => c.status === 'fail');
      output.out(`${report.outcome === 'passed' ? 'PASS' : 'FAIL'}  ${targets[i]!.name.padEnd(width)}  ${report.org}${failedChecks.length ? `  (${failedChecks.map((c) => c.name).join(', ')})` : ''}\n`);
    }
    output.out(`\n${reports.length} orgs: ${passed} passed, ${reports.length - passed} failed\n`);
  }
  if (args.report) await writeReport(output, '--report', args.report, `${JSON.stringify({ orgs: reports }, null, 2)}\n`);
  if (args.junit) await writeReport(output, '--junit', args.junit, junitSuites(suiteName, reports.map((r, i) => ({ name: `${targets[i]!.name} (${r.org})`, checks: r.checks, timestamp: r.startedAt }))));
  return passed === reports.length ? ExitCode.ok : ExitCode.fleetIncomplete;
}

/** A report path is the user's input: a folder in the way or no permission is a usage error, after the results are shown. */
async function writeReport(output: Output, flag: string, file: string, text: string): Promise<void> {
  try {
    await output.file(file, text);
  } catch (error) {
    throw usageError(`${flag} ${file}: cannot write it (${fileErrorReason(error, 'write')})`);
  }
}

function table(report: VerifyReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length), 5);
  const lines = [`dvpkg verify: ${report.package.solution} ${report.package.version} in ${report.org} as app ${report.clientId}`, ''];
  for (const check of report.checks) {
    const mark = check.status === 'pass' ? 'PASS' : check.status === 'fail' ? 'FAIL' : 'SKIP';
    lines.push(`${mark}  ${check.name.padEnd(width)}  ${check.actual}`);
    if (check.status === 'fail') {
      lines.push(`      ${''.padEnd(width)}  expected: ${check.expected}`);
      for (const detail of check.details) lines.push(`      ${''.padEnd(width)}  - ${detail}`);
    }
  }
  const count = (status: string) => report.checks.filter((c) => c.status === status).length;
  lines.push('', `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped: ${report.outcome.toUpperCase()}`, '');
  return lines.join('\n');
}
