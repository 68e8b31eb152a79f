/**
 * Import jobs: one at a time per org (a second one fails with 0x80071151, in the job or on the start request,
 * option `concurrentImport`), an importjobs row from the start,
 * an asyncoperations row for the async variants, progress on a timer over `importDurationMs`, and completion
 * independent of the HTTP request — a client whose response is lost finds the finished job later.
 */
import { randomUUID } from 'node:crypto';
import { duplicatedImportJobId, importConcurrency, isImportFailure, solutionConcurrency, upgradeNotAvailableFailure, type ImportFailure } from '../wire-errors.js';
import type { ResolvedOptions } from '../options.js';
import { nowIso, type AsyncOperationRow, type ImportJobRow, type OrgState } from '../state.js';
import { applyPackage, checkDependencies, checkRoles, checkVersionAndMode, promote, type ImportMode } from './apply.js';
import { checkComponentParameters, type ComponentParameter, type SettingsModes } from './deployment-settings.js';
import { parseSolutionPackage, type SolutionPackage } from './package.js';
import { importResultXml } from './result-xml.js';
import { readSolutionZip } from './zip.js';

export interface ImportStart {
  org: OrgState;
  mode: ImportMode;
  zip: Buffer;
  importJobId: string;
  /** Create an asyncoperations row (the *Async actions). */
  async: boolean;
  caller: { userId: string; canWriteRole: boolean };
  /** The import's `ComponentParameters` (environment variable values, connection references). */
  componentParameters: readonly ComponentParameter[];
}

export type ImportOutcome = { ok: true; solutionId: string } | { ok: false; failure: ImportFailure };

export interface StartedImport {
  importJobId: string;
  asyncOperationId?: string;
  done: Promise<ImportOutcome>;
}

const PROGRESS_STEPS = 4;

/** asyncoperation states (ServiceClient SupportClasses/AsyncStatusResponse.cs): 3 Completed, 30 Succeeded, 31 Failed. */
function completeOperation(operation: AsyncOperationRow, failure: ImportFailure | undefined): void {
  Object.assign(operation, failure
    ? { statecode: 3, statuscode: 31, completedon: nowIso(), message: `${failure.code}: ${failure.message}`, friendlymessage: failure.message }
    : { statecode: 3, statuscode: 30, completedon: nowIso() });
}

export class ImportRunner {
  readonly #options: ResolvedOptions;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  /** Validates the preconditions synchronously (lock, job id), then runs the job in the background. */
  start(request: ImportStart): StartedImport {
    const { org } = request;
    if (org.importjobs.some((j) => j.importjobid === request.importJobId)) throw duplicatedImportJobId(request.importJobId);
    const collides = org.activeImportJobId !== null;
    if (collides && this.#options.concurrentImport === 'reject-start') throw solutionConcurrency();
    if (!collides) org.activeImportJobId = request.importJobId;
    const created = nowIso();
    const job: ImportJobRow = { importjobid: request.importJobId, solutionname: null, progress: 0, startedon: created, completedon: null, data: null, createdon: created };
    org.importjobs.push(job);
    let operation: AsyncOperationRow | undefined;
    if (request.async) {
      operation = {
        asyncoperationid: randomUUID(),
        name: 'Import Solution',
        // 203 "ImportSolutionAsyncOperation" in the asyncoperation operationtype choices (103 is CancelAsyncOperations).
        operationtype: 203,
        statecode: 0,
        statuscode: 0,
        message: null,
        friendlymessage: null,
        startedon: null,
        completedon: null,
        createdon: created,
      };
      org.asyncoperations.push(operation);
    }
    const done = collides ? this.#failConcurrent(request, job, operation) : this.#run(request, job, operation);
    return { importJobId: job.importjobid, ...(operation ? { asyncOperationId: operation.asyncoperationid } : {}), done };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  /** The job another import blocks: it starts, then fails with the live 0x80071151 text (field reports). */
  async #failConcurrent(request: ImportStart, job: ImportJobRow, operation: AsyncOperationRow | undefined): Promise<ImportOutcome> {
    const started = new Date();
    await this.#sleep(0);
    if (operation) Object.assign(operation, { statecode: 2, statuscode: 20, startedon: nowIso() });
    await this.#sleep(this.#options.importDurationMs / PROGRESS_STEPS);
    const failure = importConcurrency();
    this.#finish(request.org, job, operation, { started, outcome: { ok: false, failure } });
    return { ok: false, failure };
  }

  #finish(org: OrgState, job: ImportJobRow, operation: AsyncOperationRow | undefined, args: { started: Date; pkg?: SolutionPackage; outcome: ImportOutcome }): void {
    const { outcome } = args;
    Object.assign(job, {
      progress: 100,
      completedon: nowIso(),
      data: importResultXml({ started: args.started, stopped: new Date(), ...(args.pkg ? { pkg: args.pkg } : {}), ...(outcome.ok ? {} : { failure: outcome.failure }) }),
    });
    if (operation) completeOperation(operation, outcome.ok ? undefined : outcome.failure);
    if (org.activeImportJobId === job.importjobid) org.activeImportJobId = null;
  }

  /**
   * DeleteAndPromoteAsync: an asyncoperations row that holds the org's solution lock while it runs, then
   * promotes the holding solution (3/30) or fails with 0x8004853B (3/31). Returns the AsyncOperationId
   * (learn …/webapi/reference/deleteandpromoteasync); operationtype 207 as the asyncoperation operationtype choices list it.
   */
  promoteAsync(org: OrgState, uniqueName: string): string {
    if (org.activeImportJobId) throw solutionConcurrency();
    const created = nowIso();
    const operation: AsyncOperationRow = { asyncoperationid: randomUUID(), name: 'DeleteAndPromote', operationtype: 207, statecode: 0, statuscode: 0, message: null, friendlymessage: null, startedon: null, completedon: null, createdon: created };
    org.asyncoperations.push(operation);
    org.activeImportJobId = operation.asyncoperationid;
    void (async () => {
      await this.#sleep(0);
      Object.assign(operation, { statecode: 2, statuscode: 20, startedon: nowIso() });
      await this.#sleep(this.#options.importDurationMs);
      const promoted = promote(org, uniqueName);
      completeOperation(operation, promoted ? undefined : upgradeNotAvailableFailure(uniqueName));
      if (org.activeImportJobId === operation.asyncoperationid) org.activeImportJobId = null;
    })();
    return operation.asyncoperationid;
  }

  /**
   * UninstallSolutionAsync: an asyncoperations row, operationtype 208 "UninstallSolution Async Operation"
   * (asyncoperation.operationtype choices), polled like an import; returns the AsyncOperationId
   * (learn …/webapi/reference/uninstallsolutionasyncresponse). The job takes the org's solution lock, or, when
   * another operation holds it, fails with 0x80071151 as a blocked import job does. `uninstall` runs when the
   * job completes: a failure it returns fails the job (3/31), else the job succeeds (3/30).
   */
  uninstallAsync(org: OrgState, uninstall: () => ImportFailure | undefined): string {
    const created = nowIso();
    const operation: AsyncOperationRow = { asyncoperationid: randomUUID(), name: 'Uninstall Solution', operationtype: 208, statecode: 0, statuscode: 0, message: null, friendlymessage: null, startedon: null, completedon: null, createdon: created };
    org.asyncoperations.push(operation);
    const collides = org.activeImportJobId !== null;
    if (!collides) org.activeImportJobId = operation.asyncoperationid;
    void (async () => {
      await this.#sleep(0);
      Object.assign(operation, { statecode: 2, statuscode: 20, startedon: nowIso() });
      await this.#sleep(collides ? this.#options.importDurationMs / PROGRESS_STEPS : this.#options.importDurationMs);
      const failure = collides ? importConcurrency() : uninstall();
      completeOperation(operation, failure);
      if (org.activeImportJobId === operation.asyncoperationid) org.activeImportJobId = null;
    })();
    return operation.asyncoperationid;
  }

  async #run(request: ImportStart, job: ImportJobRow, operation: AsyncOperationRow | undefined): Promise<ImportOutcome> {
    const { org } = request;
    const started = new Date();
    let pkg: SolutionPackage | undefined;
    let outcome: ImportOutcome;
    try {
      await this.#sleep(0);
      if (operation) Object.assign(operation, { statecode: 2, statuscode: 20, startedon: nowIso() });
      const files = await readSolutionZip(request.zip, this.#options.zipLimits);
      const parsed = isImportFailure(files) ? files : parseSolutionPackage(files);
      if (!isImportFailure(parsed)) {
        pkg = parsed;
        job.solutionname = parsed.uniqueName;
      }
      for (let step = 1; step < PROGRESS_STEPS; step++) {
        await this.#sleep(this.#options.importDurationMs / PROGRESS_STEPS);
        job.progress = Math.round((100 * step) / PROGRESS_STEPS * 100) / 100;
      }
      await this.#sleep(this.#options.importDurationMs / PROGRESS_STEPS);
      const modes: SettingsModes = { unknown: this.#options.unknownComponentParameter, packagedValue: this.#options.packagedEnvironmentVariableValue };
      const failure = isImportFailure(parsed)
        ? parsed
        : checkVersionAndMode(org, parsed, request.mode, this.#options.strictSameVersionImport)
          ?? checkDependencies(org, parsed, { active: this.#options.activeDependencies, match: this.#options.dependencyMatch })
          ?? checkRoles(org, parsed, request.caller)
          ?? checkComponentParameters(org, parsed, request.componentParameters, modes);
      outcome = failure ? { ok: false, failure } : { ok: true, solutionId: applyPackage(org, parsed as SolutionPackage, request.mode, { parameters: request.componentParameters, modes }) };
    } catch (error) {
      outcome = { ok: false, failure: { code: '0x80048033', section: 'solutionManifest', message: `An error occurred while importing a Solution. ${error instanceof Error ? error.message : String(error)}` } };
    }
    this.#finish(org, job, operation, { started, ...(pkg ? { pkg } : {}), outcome });
    return outcome;
  }

  /** Stops pending timers on close; jobs in flight never complete. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
