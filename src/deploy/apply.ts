import type { Plan, PlanStep } from './plan.js';
import type { StepRecorder } from './recorder.js';
import { createAppUser, purgeDeletedAppUser } from './steps/app-user.js';
import { confirmPrivileges } from './steps/confirm.js';
import type { ApplyContext, ApplyState, StepOutcome } from './steps/context.js';
import { importSolution } from './steps/import-solution.js';
import { bindRole } from './steps/roles.js';
import { setSettings } from './steps/settings.js';

/** Carries out a plan, one small executor per step kind, each recorded as a step of the report. */

export interface Applied {
  /** Privileges the application user holds beyond the package's, as the confirm step read them. */
  beyond?: string[];
}

const TITLES: { [K in PlanStep['kind']]: (step: Extract<PlanStep, { kind: K }>) => string } = {
  'import-solution': (s) => `Importing ${s.uniqueName} ${s.version}`,
  'set-settings': (s) => `Setting ${s.names.join(', ')}`,
  'purge-deleted-app-user': (s) => `Purging the deleted application user ${s.userId}`,
  'create-app-user': () => 'Creating the application user',
  'bind-role': (s) => `Giving the application user "${s.roleName}"`,
  'confirm-privileges': () => "Confirming the application user's privileges",
};

export async function applyPlan(plan: Plan, ctx: ApplyContext, state: ApplyState, recorder: StepRecorder): Promise<Applied> {
  const applied: Applied = {};
  for (const step of plan.steps) {
    const title = (TITLES[step.kind] as (s: PlanStep) => string)(step);
    await recorder.run(step.kind, title, async () => {
      const outcome = await execute(step, ctx, state, applied);
      return { ...outcome, value: undefined };
    });
  }
  return applied;
}

async function execute(step: PlanStep, ctx: ApplyContext, state: ApplyState, applied: Applied): Promise<StepOutcome> {
  switch (step.kind) {
    case 'import-solution': {
      const outcome = await importSolution(step, ctx);
      // The import may have created or changed the roles: read them again when next needed.
      delete state.roles;
      return outcome;
    }
    case 'set-settings':
      return setSettings(step, ctx);
    case 'purge-deleted-app-user':
      return purgeDeletedAppUser(step, ctx);
    case 'create-app-user':
      return createAppUser(step, ctx, state);
    case 'bind-role':
      return bindRole(step, ctx, state);
    case 'confirm-privileges': {
      const { beyond, ...outcome } = await confirmPrivileges(step, ctx, state);
      applied.beyond = beyond;
      return outcome;
    }
  }
}
