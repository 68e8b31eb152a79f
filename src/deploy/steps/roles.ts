import * as dv from '../../dataverse/operations.js';
import { DvpkgError } from '../../errors.js';
import { matchRoles, roleCopyIn } from '../../core/org-roles.js';
import { appRoles } from '../../package/manifest.js';
import { DataverseCodes, DataverseError, TransientError } from '../../dataverse/errors.js';
import type { PlanStep } from '../plan.js';
import { appUserError } from './app-user.js';
import type { ApplyContext, ApplyState, StepOutcome } from './context.js';

/** The package's roles as the org holds them now: read once after an import, then reused. */
export async function packageRoles(ctx: ApplyContext, state: ApplyState): Promise<{ rows: dv.RoleRow[]; matched: Map<string, dv.RoleRow>; rootBusinessUnitId: string }> {
  const { manifest, client } = ctx;
  state.roles ??= await dv.findRoles(client, manifest.roles.map((r) => r.id), manifest.roles.map((r) => r.name));
  const targets = appRoles(manifest);
  const matched = matchRoles(targets, state.roles);
  const missing = targets.filter((r) => !matched.has(r.id));
  if (missing.length > 0) {
    throw new DvpkgError('DVPKG_APP_USER_FAILED', `role${missing.length === 1 ? '' : 's'} ${missing.map((r) => `"${r.name}"`).join(', ')} not found in the org after import; check the solution in the maker portal`);
  }
  // A solution's roles live in the root business unit; when they disagree, ask the org.
  const units = new Set([...matched.values()].map((row) => row._businessunitid_value));
  const rootBusinessUnitId = units.size === 1 ? [...units][0]! : (await dv.rootBusinessUnit(client)).businessunitid;
  return { rows: state.roles, matched, rootBusinessUnitId };
}

/**
 * Binds the copy of the role in the application user's own business unit (one copy exists per
 * unit, and a user may hold only its unit's). Associating an existing link is an error
 * (0x80040237); after an interrupted attempt it means done.
 */
export async function bindRole(step: Extract<PlanStep, { kind: 'bind-role' }>, ctx: ApplyContext, state: ApplyState): Promise<StepOutcome> {
  const user = state.appUser;
  if (!user) throw new DvpkgError('DVPKG_APP_USER_FAILED', 'no application user to give the role to');
  const { rows, matched } = await packageRoles(ctx, state);
  const root = matched.get(step.roleId)!;
  const copy = roleCopyIn(root, rows, user._businessunitid_value);
  if (!copy) {
    throw new DvpkgError('DVPKG_APP_USER_FAILED', `the application user is in business unit ${user._businessunitid_value}, which has no copy of "${step.roleName}"; move the user to the root business unit and run again`);
  }
  if (user.systemuserroles_association?.some((h) => h.roleid === copy.roleid)) return { status: 'skipped', outcome: `"${step.roleName}" already bound`, changes: [] };
  for (let attempt = 1; ; attempt++) {
    try {
      await dv.associateRole(ctx.client, user.systemuserid, copy.roleid);
      break;
    } catch (error) {
      if (error instanceof DataverseError && error.is(DataverseCodes.duplicateRecord)) break;
      if (!(error instanceof TransientError) || attempt >= 5) throw appUserError(error);
    }
    // The answer was lost: the link may be there already.
    const now = await dv.findAppUserById(ctx.client, user.systemuserid);
    if (now?.systemuserroles_association?.some((h) => h.roleid === copy.roleid)) break;
  }
  user.systemuserroles_association = [...(user.systemuserroles_association ?? []), { roleid: copy.roleid, name: step.roleName, _parentrootroleid_value: root.roleid }];
  return { status: 'done', outcome: `bound "${step.roleName}" (${copy.roleid})`, changes: [{ kind: 'role-bound', id: copy.roleid, detail: step.roleName }] };
}
