import { DataverseCodes, DataverseError, TransientError } from '../../dataverse/errors.js';
import * as dv from '../../dataverse/operations.js';
import { DvpkgError } from '../../errors.js';
import { poll } from '../../runtime/clock.js';
import { importAction, type ImportAction } from '../decide.js';
import { readImportResult } from '../import-result.js';
import { importRefusal, type PlanStep } from '../plan.js';
import type { ApplyContext, StepOutcome } from './context.js';
import { componentParameters, connectionRefused } from './settings.js';

/**
 * Imports, upgrades or promotes with the async API and polls until done. A start whose answer was
 * lost is never repeated blindly: the installed version is read again first. "Another import is
 * running" (0x80071151) means wait and start again, whether the start request says so or the job
 * fails with it later (field reports: microsoft/coe-starter-kit#8757).
 */

const IMPORT_TIMEOUT_MS = 60 * 60_000;

type ImportStep = Extract<PlanStep, { kind: 'import-solution' }>;

/** Why an attempt must wait and start again rather than fail. */
class TryAgain extends Error {}

export async function importSolution(step: ImportStep, ctx: ApplyContext): Promise<StepOutcome> {
  const { client, clock } = ctx;
  const target = step.version;
  const name = step.uniqueName;
  const deadline = clock.now() + IMPORT_TIMEOUT_MS;
  const doneEarlier: StepOutcome = { status: 'done', outcome: `${target} installed (by an earlier, interrupted attempt)`, changes: [{ kind: 'solution-imported', id: name, detail: target }] };
  let action: ImportAction = step.action;
  let installedVersion = step.from;
  let refusedVersions = 0;
  const result = await poll<StepOutcome>(
    async (attempt) => {
      if (attempt > 1) {
        await waitForUnfinishedImports(ctx);
        const now = await dv.findSolutionAndHolding(client, name);
        installedVersion = now.installed?.version;
        action = importAction(now.installed, target, now.holding);
      }
      if (action === 'skip') return { done: true, value: doneEarlier };
      const refused = importRefusal(action, step, installedVersion);
      if (refused) throw new DvpkgError(refused.code, refused.message);
      try {
        return { done: true, value: await startAndFinish(ctx, step, action, installedVersion, deadline) };
      } catch (error) {
        if (error instanceof TryAgain || isConcurrency(error)) ctx.emit({ type: 'info', text: 'another solution import or uninstall is running in this org; waiting for it to finish' });
        else if (error instanceof TransientError) ctx.emit({ type: 'info', text: 'the import request got no clear answer; reading the org before trying again' });
        else if (error instanceof DataverseError && error.is(DataverseCodes.lowerVersion) && ++refusedVersions <= 2) ctx.emit({ type: 'info', text: 'the org refused the version; reading the installed version again' });
        else {
          // A job can fail because an earlier, interrupted run's job got there first: if the
          // target version is now installed, the work is done.
          const now = await dv.findSolutionAndHolding(client, name).catch(() => undefined);
          if (now && importAction(now.installed, target, now.holding) === 'skip') return { done: true, value: doneEarlier };
          throw error instanceof DataverseError ? importRefused(error) : error;
        }
        return { done: false };
      }
    },
    { intervalMs: (n) => Math.min(1_000 * 2 ** (n - 1), 30_000), deadline, clock, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
  if ('value' in result) return result.value;
  throw new DvpkgError('DVPKG_IMPORT_FAILED', `the import did not start within ${IMPORT_TIMEOUT_MS / 60_000} minutes; run again later`);
}

/** The longest wait for another import job to finish before trying anyway: a job left unfinished must not hold the run forever. */
const UNFINISHED_IMPORT_WAIT_MS = 10 * 60_000;

/**
 * Before starting again, waits while an import job is still running: after a start whose answer was
 * lost that may be our own job, and starting another one would run the import twice.
 */
async function waitForUnfinishedImports(ctx: ApplyContext): Promise<void> {
  const { clock } = ctx;
  await poll<void>(async () => ((await dv.unfinishedImportJobs(ctx.client)).length === 0 ? { done: true, value: undefined } : { done: false }), {
    intervalMs: (n) => Math.min(Math.round(250 * 1.5 ** n), 3_000),
    deadline: clock.now() + UNFINISHED_IMPORT_WAIT_MS,
    clock,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

function isConcurrency(error: unknown): boolean {
  return error instanceof DataverseError && error.is(DataverseCodes.solutionConcurrency);
}

/** The failure text Dataverse gives a job that collided with another import or uninstall. */
export function saysConcurrency(text: string): boolean {
  return /0x80071151|Cannot start another \[|at the same time/i.test(text);
}

/** One attempt: start the import, upgrade or promotion, and see it through. */
async function startAndFinish(ctx: ApplyContext, step: ImportStep, action: ImportAction, installedVersion: string | undefined, deadline: number): Promise<StepOutcome> {
  const { client } = ctx;
  const target = step.version;
  const name = step.uniqueName;
  const solutionZip = ctx.zips.get(step.file)!;
  const overwrite = step.overwriteUnmanaged ?? ctx.overwriteUnmanaged;
  if (action === 'promote') {
    const started = await sent(ctx, `the staged upgrade ${name}_Upgrade being applied`, () => dv.deleteAndPromoteAsync(client, name));
    await followJob(ctx, { AsyncOperationId: started.AsyncOperationId }, `the staged upgrade ${name}_Upgrade being applied`, deadline);
    return { status: 'done', outcome: `applied the staged upgrade ${name}_Upgrade: ${installedVersion ?? 'none'} -> ${target}`, changes: [{ kind: 'solution-upgraded', id: name, detail: target }] };
  }
  const upgrade = action === 'upgrade';
  const parameters = step.settings ? componentParameters(ctx.manifest, step.settings, ctx.settings) : [];
  let started: dv.ImportStarted;
  try {
    started = await sent(ctx, `the import of ${name} ${target} (its start was sent; whether it began is not known)`, () =>
      upgrade ? dv.stageAndUpgradeAsync(client, solutionZip, overwrite, parameters) : dv.importSolutionAsync(client, solutionZip, overwrite, parameters),
    );
    await followJob(ctx, started, `the import of ${name} ${target} (import job ${started.ImportJobKey})`, deadline);
  } catch (error) {
    // The org checks a reference's connection only when the import applies it.
    const text = error instanceof DataverseError ? error.serviceMessage : error instanceof DvpkgError ? error.message : '';
    throw connectionRefused(text, ctx.manifest, ctx.settings, `the import of ${name} ${target} failed, and nothing after it was changed`) ?? error;
  }
  return {
    status: 'done',
    outcome: `${upgrade ? `upgraded ${installedVersion} -> ${target}` : `installed ${target}`} (import job ${started.ImportJobKey})`,
    changes: [{ kind: upgrade ? 'solution-upgraded' : 'solution-imported', id: started.ImportJobKey, detail: target }],
  };
}

/** Sends a start; until its answer is in, what it starts counts as possibly running (an interrupted run says so). */
async function sent<T>(ctx: ApplyContext, what: string, start: () => Promise<T>): Promise<T> {
  ctx.running.add(what);
  try {
    return await start();
  } finally {
    // Answered or refused, it is accounted for (a job is followed under its id); cut off by an interrupt, it may run on.
    if (!ctx.signal?.aborted) ctx.running.delete(what);
  }
}

/** Polls the async operation (and the import job, for progress and failure details) until it ends. */
async function followJob(ctx: ApplyContext, started: { AsyncOperationId: string; ImportJobKey?: string }, what: string, deadline: number): Promise<void> {
  const { client, clock } = ctx;
  ctx.running.add(what);
  ctx.emit({ type: 'progress', step: 'import-solution', percent: 0 });
  await clock.sleep(250, ctx.signal);
  const result = await poll<void>(
    async () => {
      try {
        const operation = await dv.asyncOperation(client, started.AsyncOperationId);
        // The import job row may not exist while the operation waits in the queue: progress is optional.
        const job = started.ImportJobKey ? await importJobIfStarted(client, started.ImportJobKey) : undefined;
        const finished = operation.statecode === 3;
        ctx.emit({ type: 'progress', step: 'import-solution', percent: finished ? 100 : job?.progress ?? 0 });
        if (!finished) return { done: false };
        ctx.running.delete(what);
        const log = readImportResult(job?.data);
        if (operation.statuscode === 30 && log.succeeded !== false) return { done: true, value: undefined };
        const texts = [operation.message, operation.friendlymessage, log.status, ...log.failures.map((f) => `${f.code} ${f.text}`)].filter((t): t is string => typeof t === 'string');
        if (texts.some(saysConcurrency)) throw new TryAgain();
        const reason = operation.statuscode === 32 ? 'was canceled' : 'failed';
        const details = log.failures.length > 0 ? log.failures.map((f) => `${f.component}: ${f.code ? `${f.code} ` : ''}${f.text}`) : [log.status ?? operation.friendlymessage ?? operation.message ?? 'no details in the import job'];
        throw new DvpkgError('DVPKG_IMPORT_FAILED', `the import ${reason}; nothing after the import was changed:\n  ${details.join('\n  ')}`);
      } catch (error) {
        if (error instanceof TransientError || (error instanceof DataverseError && error.status >= 500)) return { done: false };
        throw error instanceof DataverseError ? importRefused(error) : error;
      }
    },
    { intervalMs: (n) => Math.min(Math.round(250 * 1.5 ** n), 3_000), deadline, clock, ...(ctx.signal ? { signal: ctx.signal } : {}) },
  );
  if ('timedOut' in result) throw new DvpkgError('DVPKG_IMPORT_FAILED', `${what} did not finish in time; it may still complete: run again later to continue`);
}

async function importJobIfStarted(client: ApplyContext['client'], id: string): Promise<dv.ImportJobRow | undefined> {
  try {
    return await dv.importJob(client, id);
  } catch (error) {
    if (error instanceof DataverseError && error.status === 404) return undefined;
    throw error;
  }
}

function importRefused(error: DataverseError): DvpkgError {
  return new DvpkgError('DVPKG_IMPORT_FAILED', `the org refused the import: ${error.status} ${error.code} ${error.serviceMessage}`);
}
