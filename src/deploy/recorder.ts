import type { RequestEvent } from '../dataverse/client.js';
import { DataverseError, TransientError } from '../dataverse/errors.js';
import { DvpkgError, type ErrorCode } from '../errors.js';
import type { Change, StepName, StepReport, StepStatus } from './report.js';
import type { Ui } from './ui.js';

/** Counts requests per step and builds the step list of the report as steps run. */

const POLL_PATH = /^(asyncoperations|importjobs)\(/;

/** The exit code a step's unforeseen Web API failure ends the run with. */
const STEP_ERROR: Record<StepName, ErrorCode> = {
  integrity: 'DVPKG_INTEGRITY_FAILED',
  'sign-in': 'DVPKG_SIGN_IN_FAILED',
  preflight: 'DVPKG_PREFLIGHT_FAILED',
  consent: 'DVPKG_PREFLIGHT_FAILED',
  plan: 'DVPKG_PREFLIGHT_FAILED',
  import: 'DVPKG_IMPORT_FAILED',
  role: 'DVPKG_APP_USER_FAILED',
  'app-user': 'DVPKG_APP_USER_FAILED',
  'role-binding': 'DVPKG_APP_USER_FAILED',
  confirm: 'DVPKG_APP_USER_FAILED',
};

/** A Web API failure no step handled is still the org's answer, not a bug: say so, with the step's exit code. */
function asStepError(name: StepName, error: unknown): unknown {
  if (error instanceof DataverseError) {
    return new DvpkgError(STEP_ERROR[name], `${name}: the org answered ${error.status}${error.code ? ` ${error.code}` : ''} to ${error.method} ${error.path.split('?')[0]}: ${error.serviceMessage}. Run again to continue; completed steps are not repeated.`);
  }
  if (error instanceof TransientError) return new DvpkgError(STEP_ERROR[name], `${name}: ${error.message}. Run again to continue; completed steps are not repeated.`);
  return error;
}

export interface StepHandle {
  change(change: Change): void;
}

export interface StepResult<T> {
  status: Exclude<StepStatus, 'failed'>;
  outcome: string;
  value: T;
}

export class StepRecorder {
  readonly steps: StepReport[] = [];
  requests = 0;
  writes = 0;
  polls = 0;
  retries = 0;
  retryWaitMs = 0;
  private current: { name: StepName; started: number; requests: number; writes: number; changes: Change[] } | undefined;

  constructor(private readonly ui: Ui) {}

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

  readonly onRetry = (event: { method: string; path: string; delayMs: number; reason: string }): void => {
    this.retries++;
    this.retryWaitMs += event.delayMs;
    if (event.reason === '429') this.ui.info(`throttled by the org; waiting ${(event.delayMs / 1000).toFixed(1)} s as it asked`);
    else this.ui.info(`${event.method} ${event.path.split('?')[0]}: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s`);
  };

  get changes(): number {
    return this.steps.reduce((n, step) => n + step.changes.length, 0);
  }

  /** Retries of sign-in, discovery and consent requests, which do not go through the Web API client. */
  readonly onHttpRetry = (event: { url: string; attempt: number; delayMs: number; reason: string }): void => {
    this.retries++;
    this.retryWaitMs += event.delayMs;
    const url = new URL(event.url);
    this.ui.info(`${url.host}${url.pathname}: ${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s`);
  };

  /** A request made outside the Web API client (tenant discovery) still counts. */
  countRequest(): void {
    this.onRequest({ method: 'GET', path: '', status: 401, write: false, attempt: 1, durationMs: 0 });
  }

  async run<T>(name: StepName, title: string, body: (step: StepHandle) => Promise<StepResult<T>>): Promise<T> {
    this.ui.stepStarted(name, title);
    const state = { name, started: Date.now(), requests: 0, writes: 0, changes: [] as Change[] };
    this.current = state;
    const handle: StepHandle = { change: (change) => state.changes.push(change) };
    try {
      const result = await body(handle);
      this.finish(state, result.status, result.outcome);
      return result.value;
    } catch (caught) {
      const error = asStepError(name, caught);
      this.finish(state, 'failed', error instanceof Error ? error.message.split('\n')[0]! : String(error));
      throw error;
    } finally {
      this.current = undefined;
    }
  }

  private finish(state: NonNullable<StepRecorder['current']>, status: StepStatus, outcome: string): void {
    const step: StepReport = {
      name: state.name,
      status,
      durationMs: Date.now() - state.started,
      outcome,
      changes: state.changes,
      requests: state.requests,
      writes: state.writes,
    };
    this.steps.push(step);
    this.ui.stepEnded(step);
  }
}
