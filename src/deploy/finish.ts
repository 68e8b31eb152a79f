import { ExitCode, formatProblem, isDvpkgError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { redactSecrets } from '../util/redact.js';
import type { RunnerOptions } from './args.js';
import type { RunReport } from './report.js';
import type { Ui } from './ui.js';

/** How a run ends: the error line, the summary, the --report file and the last --json line. */
export function describeError(error: unknown): RunReport['error'] {
  if (isDvpkgError(error)) {
    return { code: error.code, message: redactSecrets(error.message), ...(error.problems.length ? { details: error.problems.map((p) => redactSecrets(formatProblem(p))) } : {}) };
  }
  return { code: 'DVPKG_INTERNAL', message: redactSecrets(error instanceof Error ? error.message : String(error)) };
}

export function printFatal(error: unknown, out: NodeJS.WriteStream): number {
  if (isDvpkgError(error)) {
    out.write(`${redactSecrets(`error: ${error.message} [${error.code}]`)}\n`);
    return error.exitCode;
  }
  out.write(`${redactSecrets(`error: unexpected: ${error instanceof Error ? error.message : String(error)}`)}\n`);
  out.write('This is a bug in the deploy runner. Please send this output and the --report file to the package publisher.\n');
  return ExitCode.unexpected;
}

export async function finishReport(report: RunReport, options: RunnerOptions, io: { stdout: NodeJS.WriteStream }, ui: Ui): Promise<void> {
  const changes = report.steps.reduce((n, step) => n + step.changes.length, 0);
  const json = redactSecrets(JSON.stringify(report));
  if (options.reportPath) {
    try {
      await writeFileAtomic(options.reportPath, `${redactSecrets(JSON.stringify(report, null, 2))}\n`);
    } catch (error) {
      ui.warn(`could not write --report ${options.reportPath}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (options.json) io.stdout.write(`${JSON.stringify({ type: 'report', ...JSON.parse(json) })}\n`);
  else {
    const summary = {
      succeeded: `Done: ${changes} change${changes === 1 ? '' : 's'} in ${(report.durationMs / 1000).toFixed(1)} s (${report.requests} requests to the org).`,
      'nothing-to-do': `Nothing to do: the org already matches this package (${report.requests} requests, no changes).`,
      planned: 'Plan only: nothing was changed.',
      failed: `Stopped with exit code ${report.exitCode}.${options.reportPath ? ` Report: ${options.reportPath}` : ''}`,
    } as const;
    io.stdout.write(`\n${summary[report.outcome]}\n`);
  }
}
