import type { RequestEvent } from '../dataverse/client.js';
import { DataverseError, TransientError } from '../dataverse/errors.js';
import { DvpkgError, type ErrorCode } from '../errors.js';
import type { RetryEvent } from '../http/retry.js';
import type { Clock } from '../runtime/clock.js';
import type { EventSink } from './events.js';
import type { Change, StepName, StepReport, StepStatus } from './report.js';

/** Counts requests per step, builds the report's step list as steps run, and translates their failures. */

const POLL_PATH = /^(asyncoperations|importjobs)\(/;

/** The exit code a step ends the run with when the org answers in a way the step did not handle. */
export const STEP_ERROR: Record<StepName, ErrorCode> = {
  integrity: 'DVPKG_INTEGRITY_FAILED',
  'sign-in': 'DVPKG_SIGN_IN_FAILED',
  read: 'DVPKG_PREFLIGHT_FAILED',
  consent: 'DVPKG_CONSENT_MISSING',
  plan: 'DVPKG_PREFLIGHT_FAILED',
  'import-solution': 'DVPKG_IMPORT_FAILED',
  // A setting belongs to its solution's import: the org refusing one fails like the import would.
  'set-settings': 'DVPKG_IMPORT_FAILED',
  'purge-deleted-app-user': 'DVPKG_APP_USER_FAILED',
  'create-app-user': 'DVPKG_APP_USER_FAILED',
  'bind-role': 'DVPKG_APP_USER_FAILED',
  'confirm-privileges': 'DVPKG_APP_USER_FAILED',
  'unbind-role': 'DVPKG_APP_USER_FAILED',
  'disable-app-user': 'DVPKG_APP_USER_FAILED',
  'delete-app-user': 'DVPKG_APP_USER_FAILED',
  'uninstall-solution': 'DVPKG_IMPORT_FAILED',
};

/** The one place a Web API failure becomes a user error: the org's answer, with the step's exit code. */
function asStepError(name: StepName, error: unknown): unknown {
  if (error instanceof DataverseError) {
    return new DvpkgError(STEP_ERROR[name], `${name}: the org answered ${error.status}${error.code ? ` ${error.code}` : ''} to ${error.method} ${error.path.split('?')[0]}: ${error.serviceMessage}. Run again to continue; completed steps are not repeated.`);
  }
  if (error instanceof TransientError) return new DvpkgError(STEP_ERROR[name], `${name}: ${error.message}. Run again to continue; completed steps are not repeated.`);
  return error;
}

export interface StepResult<T> {
  status: Exclude<StepStatus, 'failed'>;
  outcome: string;
  changes?: Change[];
  value: T;
}

export class StepRecorder {
  readonly steps: StepReport[] = [];
  requests = 0;
  writes = 0;
  polls = 0;
  retries = 0;
  retryWaitMs = 0;
  private current: { requests: number; writes: number } | undefined;

  constructor(
    private readonly emit: EventSink,
    private readonly clock: Clock,
  ) {}

  readonly onRequest = (event: RequestEvent): void => {
    // A refused or failed write changed nothing; an unanswered one may have, and counts.
    const wrote = event.write && (event.status === 'network-error' || event.status < 400);
    this.requests++;
    if (wrote) this.writes++;
    if (POLL_PATH.test(event.path)) this.polls++;
    if (this.current) {
      this.current.requests++;
      if (wrote) this.current.writes++;
    }
  };

  readonly onRetry = (event: RetryEvent): void => {
    this.retries++;
    this.retryWaitMs += event.delayMs;
    this.emit({ type: 'retry', ...event });
  };

  get changes(): number {
    return this.steps.reduce((n, step) => n + step.changes.length, 0);
  }

  async run<T>(name: StepName, title: string, body: () => Promise<StepResult<T>>): Promise<T> {
    this.emit({ type: 'step-started', step: name, title });
    const started = this.clock.now();
    const counts = { requests: 0, writes: 0 };
    this.current = counts;
    const finish = (status: StepStatus, outcome: string, changes: Change[]) => {
      const step: StepReport = { name, status, durationMs: this.clock.now() - started, outcome, changes, ...counts };
      this.steps.push(step);
      this.emit({ type: 'step-finished', step });
    };
    try {
      const result = await body();
      finish(result.status, result.outcome, result.changes ?? []);
      return result.value;
    } catch (caught) {
      const error = asStepError(name, caught);
      finish('failed', error instanceof Error ? error.message.split('\n')[0]! : String(error), []);
      throw error;
    } finally {
      this.current = undefined;
    }
  }
}
