import type { DataverseClient } from '../dataverse/client.js';
import * as dv from '../dataverse/operations.js';
import { appRoles, rolesSolution, type Manifest } from '../package/manifest.js';
import type { ConsentProbe } from '../auth/consent.js';
import { diffRolePrivileges, diffSize, extraRoles, matchRoles, missingGrants, unboundRoles } from '../core/org-roles.js';
import { LEVELS } from '../spec/model.js';
import { importAction, requiredCallerPrivileges, uniquePrivilegeNames } from './decide.js';
import { findReferences, findVariables } from '../dataverse/settings.js';
import { declaredSettings, type OrgSettings } from './settings/plan-settings.js';

/**
 * What the org holds, read once before anything is decided: reads only, no writes. A read is
 * made only when its answer can change the plan, so a run with nothing to do stays within five
 * requests to the org.
 */
export interface OrgSnapshot {
  /** Each package solution as installed, and its staged upgrade (`<name>_Upgrade`), by lower-case unique name. */
  solutions: Map<string, { installed?: dv.InstalledSolution; holding?: dv.InstalledSolution }>;
  /** The solutions outside the package that package solutions require, as installed (absent: not installed). */
  required: Map<string, dv.InstalledSolution>;
  /** Rows of the app's application user that are not deleted. */
  appUsers: dv.AppUserRow[];
  /** Soft-deleted rows (`deletedstate` 1): still queryable until purged, and in the way of a new user. */
  deletedAppUsers: dv.AppUserRow[];
  /** The package's roles (every business unit's copy) when their solution is installed. */
  roles?: dv.RoleRow[];
  /** Privileges each package role holds in the org, by manifest role id. */
  rolePrivileges: Map<string, dv.RolePrivilegeGrant[]>;
  /** The signed-in caller's privileges, read only when the plan has writes that need them. */
  caller?: { userId: string; held: dv.RolePrivilegeGrant[] };
  /** The org's privilege table for the package's privileges, read when the roles are imported. */
  orgPrivileges?: dv.PrivilegeRow[];
  /** The application user's effective privileges, read when the org already differs from the package. */
  appUserPrivileges?: dv.RolePrivilegeGrant[];
  /** The package's environment variables (with their values) and connection references as the org has them, when it declares any. */
  settings?: OrgSettings;
  consent: ConsentProbe;
}

export interface ReadContext {
  client: DataverseClient;
  probeConsent: () => Promise<ConsentProbe>;
}

const key = (name: string) => name.toLowerCase();

/** The import each package solution needs, from what the snapshot holds. */
export function solutionActions(manifest: Manifest, snapshot: Pick<OrgSnapshot, 'solutions'>) {
  return manifest.solutions.map((solution) => {
    const found = snapshot.solutions.get(key(solution.uniqueName)) ?? {};
    return { solution, ...found, action: importAction(found.installed, solution.version, found.holding) };
  });
}

export async function readOrg(ctx: ReadContext, manifest: Manifest): Promise<OrgSnapshot> {
  const { client } = ctx;
  const targets = appRoles(manifest);
  const inPackage = new Set(manifest.solutions.map((s) => key(s.uniqueName)));
  const requiredNames = [...new Set(manifest.solutions.flatMap((s) => s.requires.map((r) => r.uniqueName)).filter((n) => !inPackage.has(key(n))))];
  const rows = await dv.findSolutionsByName(client, [...manifest.solutions.flatMap((s) => [s.uniqueName, `${s.uniqueName}_Upgrade`]), ...requiredNames]);
  const byName = new Map(rows.map((row) => [key(row.uniquename), row]));
  const solutions: OrgSnapshot['solutions'] = new Map();
  for (const s of manifest.solutions) {
    const installed = byName.get(key(s.uniqueName));
    const holding = byName.get(key(`${s.uniqueName}_Upgrade`));
    solutions.set(key(s.uniqueName), { ...(installed ? { installed } : {}), ...(holding ? { holding } : {}) });
  }
  const required = new Map(requiredNames.flatMap((name) => (byName.has(key(name)) ? [[key(name), byName.get(key(name))!] as const] : [])));
  const users = await dv.findAppUsers(client, manifest.app.clientId);
  const appUsers = users.filter((u) => u.deletedstate !== 1);
  const deletedAppUsers = users.filter((u) => u.deletedstate === 1);
  const appUser = appUsers[0];
  const snapshot: OrgSnapshot = { solutions, required, appUsers, deletedAppUsers, rolePrivileges: new Map(), consent: { state: 'unknown' } };
  const actions = solutionActions(manifest, snapshot);
  const roles = actions.find((a) => a.solution === rolesSolution(manifest))!;

  // Roles exist only once their solution is installed (or staged); their privileges tell drift from an upgrade's changes.
  if (roles.installed || roles.holding) {
    snapshot.roles = await dv.findRoles(client, manifest.roles.map((r) => r.id), manifest.roles.map((r) => r.name));
    const matched = matchRoles(manifest.roles, snapshot.roles);
    for (const role of manifest.roles) {
      const row = matched.get(role.id);
      if (row) snapshot.rolePrivileges.set(role.id, await dv.rolePrivileges(client, row.roleid));
    }
  }
  const orgIds = new Map([...matchRoles(manifest.roles, snapshot.roles ?? [])].map(([id, row]) => [id, row.roleid]));
  const unbound = unboundRoles(targets, appUser, orgIds);
  const importing = actions.some((a) => a.action === 'install' || a.action === 'upgrade' || a.action === 'promote');
  const required_ = requiredCallerPrivileges({ importing, creatingUser: !appUser, binding: unbound.length > 0 });
  if (required_.length > 0) {
    const me = await dv.whoAmI(client);
    let held = await dv.userPrivileges(client, me.UserId);
    // RetrieveUserPrivileges reports privileges a team gives at Basic only (its Remarks); when that is
    // all that stands between the caller and a grant, ask for the real depth before calling it a problem.
    if (unbound.length > 0 && missingGrants(unbound, held).length > 0 && held.some((p) => p.Depth === 'Basic')) {
      held = mergeDeepest(held, await dv.userPrivilegesThroughTeams(client, me.UserId));
    }
    snapshot.caller = { userId: me.UserId, held };
  }
  // A staged upgrade was checked against the org's privileges when it was imported.
  if (roles.action === 'install' || roles.action === 'upgrade') snapshot.orgPrivileges = await dv.privilegesByName(client, uniquePrivilegeNames(manifest.roles));
  if (appUser && roles.action === 'skip' && (extraRoles(targets, appUser, orgIds).length > 0 || rolesDiffer(manifest, snapshot))) {
    snapshot.appUserPrivileges = await dv.userPrivileges(client, appUser.systemuserid, true);
  }
  const declared = declaredSettings(manifest);
  if (declared.length > 0) {
    const names = (kind: string) => declared.filter((d) => d.kind === kind).map((d) => d.name);
    const variables = names('environment-variable');
    const references = names('connection-reference');
    snapshot.settings = { variables: variables.length > 0 ? await findVariables(client, variables) : [], references: references.length > 0 ? await findReferences(client, references) : [] };
  }
  snapshot.consent = await ctx.probeConsent();
  return snapshot;
}

function rolesDiffer(manifest: Manifest, snapshot: OrgSnapshot): boolean {
  return manifest.roles.some((role) => {
    const held = snapshot.rolePrivileges.get(role.id);
    return held !== undefined && diffSize(diffRolePrivileges(role, held)) > 0;
  });
}

function mergeDeepest(a: dv.RolePrivilegeGrant[], b: dv.RolePrivilegeGrant[]): dv.RolePrivilegeGrant[] {
  const best = new Map<string, dv.RolePrivilegeGrant>();
  for (const grant of [...a, ...b]) {
    const current = best.get(grant.PrivilegeName);
    if (!current || LEVELS.indexOf(grant.Depth) > LEVELS.indexOf(current.Depth)) best.set(grant.PrivilegeName, grant);
  }
  return [...best.values()];
}
