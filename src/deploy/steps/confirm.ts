import * as dv from '../../dataverse/operations.js';
import { DvpkgError } from '../../errors.js';
import { missingGrants, privilegesBeyondDeclared } from '../../core/org-roles.js';
import { appRoles } from '../../package/manifest.js';
import type { PlanStep } from '../plan.js';
import type { ApplyContext, ApplyState, StepOutcome } from './context.js';

/**
 * After the writes: the application user must hold every declared privilege (read with
 * `Consistency: Strong`, past Dataverse's permission cache). What it holds beyond them is
 * returned for the run's differences.
 */
export async function confirmPrivileges(_step: Extract<PlanStep, { kind: 'confirm-privileges' }>, ctx: ApplyContext, state: ApplyState): Promise<StepOutcome & { beyond: string[] }> {
  const user = state.appUser;
  if (!user) throw new DvpkgError('DVPKG_APP_USER_FAILED', 'no application user to check');
  const targets = appRoles(ctx.manifest);
  const held = await dv.userPrivileges(ctx.client, user.systemuserid, true);
  const missing = missingGrants(targets, held);
  if (missing.length > 0) {
    throw new DvpkgError('DVPKG_APP_USER_FAILED', `the application user does not hold ${missing.length} declared privilege${missing.length === 1 ? '' : 's'}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
  }
  const declared = new Set(targets.flatMap((r) => r.privileges.map((p) => p.name)));
  return { status: 'done', outcome: `holds all ${declared.size} declared privileges`, changes: [], beyond: privilegesBeyondDeclared(targets, held) };
}
