import type { SignIns } from '../../auth/sign-ins.js';
import { deployOrg, type DeployResult, type DeployRuntime } from '../../deploy/deploy-org.js';
import type { LoadedPackage } from '../../deploy/package-files.js';
import type { StepRecorder } from '../../deploy/recorder.js';
import { removeOrg } from '../../deploy/remove-org.js';
import type { RunReport } from '../../deploy/report.js';
import { ExitCode, formatProblem, isDvpkgError } from '../../errors.js';
import { DVPKG_VERSION } from '../../version.js';
import type { DeployRunnerOptions } from './args.js';

/**
 * One org's run, deploy or removal, ended in one report whatever happened: the outcome, its exit code,
 * and the error that ended it (for the caller to show once). Shared by a single run and a fleet.
 */
export interface OrgRun {
  report: RunReport;
  /** What ended a failed run, not yet shown to anyone. */
  error?: unknown;
}

export async function runOrg(
  pkg: LoadedPackage,
  options: DeployRunnerOptions,
  signIns: SignIns,
  runtime: DeployRuntime,
  recorder: StepRecorder,
  report: RunReport,
): Promise<OrgRun> {
  const result: DeployResult = { outcome: 'failed', differences: [] };
  const started = runtime.clock.now();
  let failure: unknown;
  try {
    const done = options.remove ? await removeOrg(pkg, { ...options, ...options.remove, signIns }, runtime, recorder, result) : await deployOrg(pkg, { ...options, signIns }, runtime, recorder, result);
    report.outcome = done.outcome;
    report.exitCode = done.outcome === 'differs' ? ExitCode.orgDiffers : ExitCode.ok;
    if (done.differences.length > 0) report.differences = done.differences;
  } catch (error) {
    if (runtime.signal?.aborted) {
      report.outcome = 'interrupted';
      report.exitCode = ExitCode.interrupted;
      report.error = { code: 'DVPKG_INTERRUPTED', message: 'interrupted by a signal' };
    } else if (isDvpkgError(error) && error.code === 'DVPKG_CANCELLED') {
      report.outcome = 'cancelled';
      report.exitCode = ExitCode.cancelled;
    } else {
      report.outcome = 'failed';
      report.exitCode = isDvpkgError(error) ? error.exitCode : ExitCode.unexpected;
      report.error = isDvpkgError(error)
        ? { code: error.code, message: error.message, ...(error.problems.length ? { details: error.problems.map(formatProblem) } : {}) }
        : { code: 'DVPKG_INTERNAL', message: error instanceof Error ? error.message : String(error) };
      failure = error;
    }
  }
  if (runtime.running.size > 0) report.stillRunning = [...runtime.running];
  if (result.tenant) report.tenant = result.tenant;
  Object.assign(report, { durationMs: report.durationMs + runtime.clock.now() - started, requests: recorder.requests, polls: recorder.polls, writes: recorder.writes, retries: recorder.retries, retryWaitMs: recorder.retryWaitMs });
  return { report, ...(failure !== undefined ? { error: failure } : {}) };
}

/** A report before anything has happened: a run that ends early still reports what it was. */
export function newReport(action: RunReport['action'], org: string, startedAt: number, pkg?: RunReport['package']): RunReport {
  return {
    action,
    outcome: 'failed',
    exitCode: ExitCode.unexpected,
    dvpkgVersion: DVPKG_VERSION,
    package: pkg ?? { solution: '', version: '', solutionSha256: '', appClientId: '' },
    org,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: 0,
    requests: 0,
    polls: 0,
    writes: 0,
    retries: 0,
    retryWaitMs: 0,
    steps: [],
  };
}
