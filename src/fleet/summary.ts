import type { RunOutcome, RunReport } from '../deploy/report.js';
import type { CheckResult } from '../verify/checks.js';
import { junitXml } from '../verify/junit.js';

/**
 * A fleet run's results: one line per org and the counts, as the summary table, `fleet.json` and
 * `fleet.junit.xml` give them. Pure.
 */

export type FleetOutcome = RunOutcome | 'not-started';

export interface FleetOrgResult {
  name: string;
  org: string;
  tenant?: string;
  outcome: FleetOutcome;
  exitCode: number;
  /** One line: why it failed or differs, or what it came to. */
  reason: string;
  durationMs: number;
  requests: number;
  writes: number;
  retries: number;
  retryWaitMs: number;
  /** The org's own report, in the report folder. */
  report?: string;
}

export interface FleetSummary {
  action: 'deploy' | 'remove';
  package: RunReport['package'];
  startedAt: string;
  durationMs: number;
  concurrency: number;
  counts: Partial<Record<FleetOutcome, number>>;
  orgs: FleetOrgResult[];
}

/** Orgs that ended well: done, nothing to do, or only planned. */
export const GOOD_OUTCOMES: ReadonlySet<FleetOutcome> = new Set(['succeeded', 'nothing-to-do', 'planned']);

/** A message on one line (the consent link stays in it), at most 400 characters. */
function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 399)}…` : flat;
}

export function orgResult(name: string, report: RunReport, file?: string): FleetOrgResult {
  const reason =
    report.outcome === 'failed' || report.outcome === 'interrupted'
      ? oneLine(report.error?.message ?? report.outcome)
      : report.outcome === 'differs'
        ? `${report.differences?.length ?? 0} difference${report.differences?.length === 1 ? '' : 's'}: ${report.differences?.[0] ?? ''}`
        : report.steps.at(-1)?.outcome ?? report.outcome;
  return {
    name,
    org: report.org,
    ...(report.tenant ? { tenant: report.tenant } : {}),
    outcome: report.outcome,
    exitCode: report.exitCode,
    reason,
    durationMs: report.durationMs,
    requests: report.requests,
    writes: report.writes,
    retries: report.retries,
    retryWaitMs: report.retryWaitMs,
    ...(file ? { report: file } : {}),
  };
}

export function countOutcomes(orgs: readonly FleetOrgResult[]): FleetSummary['counts'] {
  const counts: FleetSummary['counts'] = {};
  for (const o of orgs) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  return counts;
}

export function fleetSucceeded(summary: Pick<FleetSummary, 'orgs'>): boolean {
  return summary.orgs.every((o) => GOOD_OUTCOMES.has(o.outcome));
}

const LABEL: Record<FleetOutcome, string> = {
  succeeded: 'done',
  'nothing-to-do': 'nothing to do',
  planned: 'planned',
  differs: 'differs',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  failed: 'failed',
  'not-started': 'not started',
};

export function summaryTable(summary: FleetSummary): string {
  const width = Math.max(3, ...summary.orgs.map((o) => o.name.length));
  const lines = [`${'org'.padEnd(width)}  outcome         exit  reason`];
  for (const o of summary.orgs) lines.push(`${o.name.padEnd(width)}  ${LABEL[o.outcome].padEnd(14)}  ${String(o.exitCode).padStart(4)}  ${o.reason}`);
  const counts = Object.entries(summary.counts).map(([k, n]) => `${n} ${LABEL[k as FleetOutcome]}`);
  lines.push('', `${summary.orgs.length} org${summary.orgs.length === 1 ? '' : 's'}: ${counts.join(', ')} (${(summary.durationMs / 1000).toFixed(1)} s)`);
  return lines.join('\n');
}

/** One test case per org: failed, differs and interrupted fail; not started is skipped. */
export function fleetJunit(summary: FleetSummary): string {
  const cases: CheckResult[] = summary.orgs.map((o) => ({
    name: `${o.name} (${o.org})`,
    status: GOOD_OUTCOMES.has(o.outcome) ? 'pass' : o.outcome === 'not-started' ? 'skip' : 'fail',
    expected: summary.action === 'remove' ? 'the package removed' : 'the org matches the package',
    actual: `${LABEL[o.outcome]} (exit ${o.exitCode})`,
    details: [o.reason],
    durationMs: o.durationMs,
  }));
  return junitXml(cases, `dvpkg ${summary.action === 'remove' ? 'removal' : 'fleet'} ${summary.package.solution} ${summary.package.version}`, summary.startedAt, 'dvpkg.fleet');
}
