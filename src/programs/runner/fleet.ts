import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { EventSink } from '../../deploy/events.js';
import { environmentTargets, listEnvironments } from '../../fleet/discover.js';
import type { SendHooks } from '../../http/send.js';
import type { SignIns } from '../../auth/sign-ins.js';
import type { LoadedPackage } from '../../deploy/package-files.js';
import { StepRecorder } from '../../deploy/recorder.js';
import { ExitCode, usageError } from '../../errors.js';
import { countOutcomes, fleetJunit, fleetSucceeded, orgResult, summaryTable, type FleetOrgResult, type FleetSummary } from '../../fleet/summary.js';
import { pool } from '../../fleet/pool.js';
import { readTargets } from '../../fleet/read-targets.js';
import type { FleetTarget } from '../../fleet/targets.js';
import type { Clock } from '../../runtime/clock.js';
import type { Output } from '../../runtime/output.js';
import { fileErrorReason } from '../../util/file-errors.js';
import type { DeployRunnerOptions } from './args.js';
import { createFleetView } from './fleet-view.js';
import { newReport, runOrg } from './run-org.js';

/**
 * `deploy.mjs --orgs <file>`: the package to many orgs, a bounded pool at a time, one sign-in per tenant
 * (the run's SignIns), one org's failure recorded while the rest go on. Ends with a summary, and with
 * `--report-dir` a report per org, fleet.json and fleet.junit.xml. Exit 0 when every org ended done or
 * with nothing to do, 11 otherwise.
 */

export interface FleetContext {
  pkg: LoadedPackage;
  options: DeployRunnerOptions & { fleet: NonNullable<DeployRunnerOptions['fleet']> };
  signIns: SignIns;
  output: Output;
  clock: Clock;
  signal?: AbortSignal;
}

/** The fleet's orgs: from the `--orgs` file, or the signed-in person's environments (`--all-environments`). */
export async function fleetTargets(options: FleetContext['options'], signIns: SignIns, shared: EventSink, hooks: SendHooks): Promise<FleetTarget[]> {
  const source = options.fleet.source;
  if (source.kind === 'file') return readTargets(source.orgsFile, options.cloud);
  if (!options.tenant) throw usageError('--all-environments needs --tenant <id or domain> (or AZURE_TENANT_ID): the Global Discovery Service lists the environments of one tenant');
  const environments = await listEnvironments(source.discoveryUrl, signIns.provider(options.authority.host, options.tenant), hooks);
  const { targets, found, disabled } = environmentTargets(environments, options.cloud, source.match);
  const lines = [
    `The Global Discovery Service lists ${found} environment${found === 1 ? '' : 's'} you can use${disabled ? ` (${disabled} disabled, left out)` : ''}; ${targets.length} ${source.match ? `match --match ${source.match}` : 'to go'}:`,
    ...targets.map((t) => `  ${t.name}  ${t.url}`),
  ];
  shared({ type: 'info', text: lines.join('\n') });
  if (targets.length === 0) throw usageError(`--all-environments: no environment to deploy to${source.match ? ` matches --match ${source.match}` : ''}`);
  return targets;
}


export async function runFleet(ctx: FleetContext, targets: readonly FleetTarget[], view: ReturnType<typeof createFleetView>): Promise<number> {
  const { options, output, clock } = ctx;
  const started = clock.now();
  const reportDir = options.fleet.reportDir;
  if (reportDir) await mkdir(reportDir, { recursive: true }).catch((error: unknown) => { throw usageError(`--report-dir ${reportDir}: cannot create it (${fileErrorReason(error, 'write')})`); });
  let stopped = false;
  const roles = ctx.pkg.manifest.solutions.at(-1)!;
  const pkgInfo = { solution: roles.uniqueName, version: roles.version, solutionSha256: roles.sha256, appClientId: ctx.pkg.manifest.app.clientId };
  const action = options.remove ? 'remove' : 'deploy';

  const results: FleetOrgResult[] = await pool(targets, options.fleet.concurrency, async (target) => {
    if (stopped || ctx.signal?.aborted) return notStarted(target, ctx.signal?.aborted ? 'interrupted before it started' : 'not started: an earlier org failed (--fail-fast)');
    const emit = view.sink(target.name);
    const recorder = new StepRecorder(emit, clock);
    const report = newReport(action, target.url, clock.now(), pkgInfo);
    report.steps = recorder.steps;
    const orgOptions: DeployRunnerOptions = {
      ...options,
      orgUrl: target.url,
      ...(target.tenant ? { tenant: target.tenant } : {}),
      authority: options.authority.source === 'flag' ? options.authority : { host: target.cloud.authorityHost, source: 'default' },
      cloud: target.cloud,
    };
    const { error } = await runOrg(ctx.pkg, orgOptions, ctx.signIns, { clock, ...(ctx.signal ? { signal: ctx.signal } : {}), emit, running: new Set<string>() }, recorder, report);
    // The error that ended an org is shown once, as that org's line; the rest of the fleet goes on.
    if (error !== undefined) emit({ type: 'error', text: report.error?.message ?? String(error) });
    emit({ type: 'done', report });
    let file: string | undefined;
    if (reportDir) {
      file = `${target.name}.json`;
      await writeInto(output, reportDir, file, `${JSON.stringify(report, null, 2)}\n`);
    }
    const result = orgResult(target.name, report, file);
    if (options.fleet.failFast && result.outcome !== 'succeeded' && result.outcome !== 'nothing-to-do' && result.outcome !== 'planned') stopped = true;
    return result;
  });
  view.close();

  const summary: FleetSummary = {
    action,
    package: pkgInfo,
    startedAt: new Date(started).toISOString(),
    durationMs: clock.now() - started,
    concurrency: options.fleet.concurrency,
    counts: countOutcomes(results),
    orgs: results,
  };
  if (reportDir) {
    await writeInto(output, reportDir, 'fleet.json', `${JSON.stringify(summary, null, 2)}\n`);
    await writeInto(output, reportDir, 'fleet.junit.xml', fleetJunit(summary));
  }
  if (options.json) output.out(`${JSON.stringify({ type: 'fleet', ...summary })}\n`);
  else output.out(`\n${summaryTable(summary)}\n`);
  if (ctx.signal?.aborted) return ExitCode.interrupted;
  return fleetSucceeded(summary) ? ExitCode.ok : ExitCode.fleetIncomplete;
}

function notStarted(target: FleetTarget, reason: string): FleetOrgResult {
  return { name: target.name, org: target.url, outcome: 'not-started', exitCode: 0, reason, durationMs: 0, requests: 0, writes: 0, retries: 0, retryWaitMs: 0 };
}

async function writeInto(output: Output, dir: string, file: string, text: string): Promise<void> {
  try {
    await output.file(path.join(dir, file), text);
  } catch (error) {
    throw usageError(`--report-dir ${dir}: cannot write ${file} (${fileErrorReason(error, 'write')})`);
  }
}
