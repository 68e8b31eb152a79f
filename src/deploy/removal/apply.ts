import { DataverseCodes, DataverseError, TransientError } from '../../dataverse/errors.js';
import * as dv from '../../dataverse/operations.js';
import { DvpkgError } from '../../errors.js';
import { poll } from '../../runtime/clock.js';
import type { StepRecorder } from '../recorder.js';
import type { ApplyContext, StepOutcome } from '../steps/context.js';
import { saysConcurrency } from '../steps/import-solution.js';
import type { RemovalPlan, RemovalStep } from './plan.js';

/**
 * Carries out a removal plan, one executor per step kind. Each step is safe to repeat: a re-run reads
 * the org again, and what is already gone is not planned; a step whose answer was lost checks before
 * it tries again.
 */

/** An uninstall waits for another import or uninstall to finish (0x80071151) this long. */
const UNINSTALL_DEADLINE_MS = 60 * 60_000;
const LOCK_WAIT_MS = 10_000;

const TITLES: { [K in RemovalStep['kind']]: (step: Extract<RemovalStep, { kind: K }>) => string } = {
  'unbind-role': (s) => `Taking "${s.roleName}" from the application user`,
  'disable-app-user': () => 'Disabling the application user',
  'delete-app-user': () => 'Deleting the application user',
  'uninstall-solution': (s) => `Uninstalling ${s.uniqueName} ${s.version}`,
};

export async function applyRemoval(plan: RemovalPlan, ctx: ApplyContext, recorder: StepRecorder): Promise<void> {
  for (const step of plan.steps) {
    const title = (TITLES[step.kind] as (s: RemovalStep) => string)(step);
    await recorder.run(step.kind, title, async () => ({ ...(await execute(step, ctx)), value: undefined }));
  }
}

async function execute(step: RemovalStep, ctx: ApplyContext): Promise<StepOutcome> {
  switch (step.kind) {
    case 'unbind-role':
      return unbind(step, ctx);
    case 'disable-app-user':
      return disable(step, ctx);
    case 'delete-app-user':
      return deleteUser(step, ctx);
    case 'uninstall-solution':
      return uninstall(step, ctx);
  }
}

async function unbind(step: Extract<RemovalStep, { kind: 'unbind-role' }>, ctx: ApplyContext): Promise<StepOutcome> {
  await untilDone(
    () => dv.disassociateRole(ctx.client, step.userId, step.roleId),
    async () => !(await dv.findAppUserById(ctx.client, step.userId))?.systemuserroles_association?.some((h) => h.roleid === step.roleId),
  );
  return { status: 'done', outcome: `took "${step.roleName}" (${step.roleId})`, changes: [{ kind: 'role-unbound', id: step.roleId, detail: step.roleName }] };
}

/**
 * Sends a write until the org shows its effect. A lost answer or a 5xx, or a 404 for what an earlier
 * attempt already removed: the org is read, and the write is sent again only while its effect is missing
 * (never blindly: a second DELETE of a user purges it).
 */
async function untilDone(write: () => Promise<void>, done: () => Promise<boolean>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (error) {
      const unsure = error instanceof TransientError || (error instanceof DataverseError && error.status === 404);
      if (!unsure || attempt >= 5) throw error;
      if (await done()) return;
    }
  }
}

async function disable(step: Extract<RemovalStep, { kind: 'disable-app-user' }>, ctx: ApplyContext): Promise<StepOutcome> {
  await untilDone(
    () => dv.disableUser(ctx.client, step.userId),
    async () => (await dv.findAppUserById(ctx.client, step.userId))?.isdisabled === true,
  );
  return { status: 'done', outcome: `disabled ${step.userId}: it can no longer sign in to this org`, changes: [{ kind: 'application-user-disabled', id: step.userId }] };
}

async function deleteUser(step: Extract<RemovalStep, { kind: 'delete-app-user' }>, ctx: ApplyContext): Promise<StepOutcome> {
  await untilDone(
    () => dv.deleteSystemUser(ctx.client, step.userId),
    async () => {
      const user = await dv.findAppUserById(ctx.client, step.userId);
      return user === undefined || user.deletedstate === 1;
    },
  );
  return {
    status: 'done',
    outcome: `deleted ${step.userId} (records it owns are not deleted: they stay assigned to the deleted user until someone reassigns them)`,
    changes: [{ kind: 'application-user-deleted', id: step.userId }],
  };
}

class Again extends Error {}

/** `UninstallSolutionAsync`, followed to its end; another import or uninstall under way is waited out. */
async function uninstall(step: Extract<RemovalStep, { kind: 'uninstall-solution' }>, ctx: ApplyContext): Promise<StepOutcome> {
  const { client, clock } = ctx;
  const deadline = clock.now() + UNINSTALL_DEADLINE_MS;
  const what = `the uninstall of ${step.uniqueName}`;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const gone = async () => !(await dv.findSolution(client, step.uniqueName));
  for (;;) {
    let started: { AsyncOperationId: string };
    ctx.running.add(what);
    try {
      started = await dv.uninstallSolutionAsync(client, step.uniqueName);
    } catch (error) {
      if (!ctx.signal?.aborted) ctx.running.delete(what);
      if (error instanceof DataverseError && error.is(DataverseCodes.solutionConcurrency) && clock.now() + LOCK_WAIT_MS < deadline) {
        ctx.emit({ type: 'info', text: `another import or uninstall is running in the org; waiting ${LOCK_WAIT_MS / 1000} s` });
        await clock.sleep(LOCK_WAIT_MS, ctx.signal);
        continue;
      }
      // Gone already (an earlier attempt's job finished): done. A lost answer: the job may be running, so
      // starting again meets its lock (waited out above) or, once it is done, the solution is gone.
      if (error instanceof DataverseError && error.status === 404 && (await gone())) return removed(step);
      if (error instanceof TransientError && clock.now() + LOCK_WAIT_MS < deadline) {
        await clock.sleep(LOCK_WAIT_MS, ctx.signal);
        if (await gone()) return removed(step);
        continue;
      }
      throw uninstallFailed(step, error instanceof DataverseError ? `${error.status} ${error.code} ${error.serviceMessage}` : (error as Error).message);
    }
    try {
      await followUninstall(ctx, started.AsyncOperationId, what, deadline, signal);
      return removed(step);
    } catch (error) {
      if (!(error instanceof Again)) throw error;
      await clock.sleep(LOCK_WAIT_MS, ctx.signal);
    }
  }
}

async function followUninstall(ctx: ApplyContext, operationId: string, what: string, deadline: number, signal: { signal?: AbortSignal }): Promise<void> {
  const result = await poll<void>(
    async () => {
      let operation: dv.AsyncOperationRow;
      try {
        operation = await dv.asyncOperation(ctx.client, operationId);
      } catch (error) {
        if (error instanceof TransientError || (error instanceof DataverseError && error.status >= 500)) return { done: false };
        throw error;
      }
      if (operation.statecode !== 3) return { done: false };
      ctx.running.delete(what);
      if (operation.statuscode === 30) return { done: true, value: undefined };
      const text = [operation.friendlymessage, operation.message].find((t): t is string => typeof t === 'string' && t !== '') ?? 'no details in the async operation';
      if (saysConcurrency(text)) throw new Again();
      throw new DvpkgError('DVPKG_IMPORT_FAILED', `${what} ${operation.statuscode === 32 ? 'was canceled' : 'failed'}: ${text}`);
    },
    { intervalMs: (n) => Math.min(Math.round(250 * 1.5 ** n), 3_000), deadline, clock: ctx.clock, ...signal },
  );
  if ('timedOut' in result) throw new DvpkgError('DVPKG_IMPORT_FAILED', `${what} did not finish in time; it may still complete: run again later to continue`);
}

function removed(step: Extract<RemovalStep, { kind: 'uninstall-solution' }>): StepOutcome {
  return { status: 'done', outcome: `uninstalled ${step.uniqueName} ${step.version}`, changes: [{ kind: 'solution-uninstalled', id: step.solutionId, detail: step.uniqueName }] };
}

function uninstallFailed(step: Extract<RemovalStep, { kind: 'uninstall-solution' }>, why: string): DvpkgError {
  return new DvpkgError('DVPKG_IMPORT_FAILED', `the org refused to uninstall ${step.uniqueName}: ${why}`);
}
