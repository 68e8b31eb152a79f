/** The run report: what `--report` writes and what the last line of `--json` holds. */

export type StepName = 'integrity' | 'sign-in' | 'preflight' | 'consent' | 'plan' | 'import' | 'role' | 'app-user' | 'role-binding' | 'confirm';

export type StepStatus = 'done' | 'skipped' | 'failed';

export interface Change {
  kind: 'solution-imported' | 'solution-upgraded' | 'application-user-created' | 'role-bound';
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

export interface RunReport {
  outcome: 'succeeded' | 'nothing-to-do' | 'planned' | 'failed';
  exitCode: number;
  dvpkgVersion: string;
  package: { solution: string; version: string; sha256: string; appClientId: string };
  org: string;
  tenant?: string;
  startedAt: string;
  durationMs: number;
  /** All HTTP requests to the org. */
  requests: number;
  /** Of those, import-progress polls (asyncoperations and importjobs reads). */
  polls: number;
  /** Requests that change the org. */
  writes: number;
  /** Requests retried after throttling or a transient failure, and the time spent waiting. */
  retries: number;
  retryWaitMs: number;
  steps: StepReport[];
  error?: { code: string; message: string; details?: string[] };
}
