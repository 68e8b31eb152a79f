import type { PlanStep } from './plan.js';
import type { RemovalStep } from './removal/plan.js';

/** The run report: what `--report` writes and what the last line of `--json` holds. */

/** The phases every run goes through, then one step per kind of change the plan makes. */
export type PhaseName = 'integrity' | 'sign-in' | 'read' | 'consent' | 'plan';
export type StepName = PhaseName | PlanStep['kind'] | RemovalStep['kind'];

export type StepStatus = 'done' | 'skipped' | 'failed';

export interface Change {
  kind:
    | 'solution-imported'
    | 'solution-upgraded'
    | 'application-user-created'
    | 'deleted-application-user-purged'
    | 'role-bound'
    | 'role-unbound'
    | 'application-user-disabled'
    | 'application-user-deleted'
    | 'solution-uninstalled'
    | 'setting-written';
  id: string;
  detail?: string;
}

export interface StepReport {
  name: StepName;
  status: StepStatus;
  durationMs: number;
  outcome: string;
  changes: Change[];
  requests: number;
  writes: number;
}

export type RunOutcome = 'succeeded' | 'nothing-to-do' | 'planned' | 'differs' | 'cancelled' | 'interrupted' | 'failed';

export interface RunReport {
  /** `remove`: the run took the package out of the org (`--remove`). */
  action: 'deploy' | 'remove';
  outcome: RunOutcome;
  exitCode: number;
  dvpkgVersion: string;
  package: { solution: string; version: string; solutionSha256: string; appClientId: string };
  org: string;
  tenant?: string;
  startedAt: string;
  durationMs: number;
  /** All HTTP requests to the org, tenant discovery included. */
  requests: number;
  /** Of those, progress polls of async operations and import jobs. */
  polls: number;
  /** Requests that change the org. */
  writes: number;
  /** Requests retried after throttling or a transient failure, and the time spent waiting. */
  retries: number;
  retryWaitMs: number;
  steps: StepReport[];
  /** How the org differs from the package (outcome `differs`), one line per difference. */
  differences?: string[];
  /** What may still be running in Dataverse when the run was interrupted. */
  stillRunning?: string[];
  error?: { code: string; message: string; details?: string[] };
}
