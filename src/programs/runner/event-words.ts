import type { DeployEvent } from '../../deploy/events.js';
import type { RunReport } from '../../deploy/report.js';

/**
 * The words a run's events and outcome are said in, shared by the terminal renderer and the `--ui` page
 * (which bundles this module for the browser: no Node API here).
 */

export function retryText(event: Extract<DeployEvent, { type: 'retry' }>): string {
  return event.reason === '429' ? `throttled by the org; waiting ${(event.delayMs / 1000).toFixed(1)} s as it asked` : `${event.target}: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s`;
}

export function outcomeText(report: RunReport): string {
  const changes = report.steps.reduce((n, step) => n + step.changes.length, 0);
  const summary: Record<RunReport['outcome'], string> = {
    succeeded: `${report.action === 'remove' ? 'Removed' : 'Done'}: ${changes} change${changes === 1 ? '' : 's'} in ${(report.durationMs / 1000).toFixed(1)} s (${report.requests} requests to the org).`,
    'nothing-to-do':
      report.action === 'remove'
        ? `Nothing to remove: nothing of this package is left in the org (${report.requests} requests, no changes).`
        : `Nothing to do: the org already matches this package (${report.requests} requests, no changes).`,
    planned: 'Plan only: nothing was changed.',
    differs: `The org differs from this package (exit 9):\n${(report.differences ?? []).map((d) => `  - ${d}`).join('\n')}\nThis run ${changes > 0 ? `made ${changes} change${changes === 1 ? '' : 's'} and ` : ''}did not change the differences above; dvpkg verify reports them too.`,
    cancelled: 'Cancelled; nothing was changed.',
    interrupted: `Interrupted (exit 130).${report.stillRunning?.length ? ` Still running in Dataverse: ${report.stillRunning.join('; ')}.` : ''} Run the same command again to finish; completed steps are not repeated.`,
    failed: `Stopped with exit code ${report.exitCode}.`,
  };
  return summary[report.outcome];
}
