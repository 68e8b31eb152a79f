/**
 * Privilege checks. A user holds the privileges of its own roles and of the roles of every team it belongs
 * to (a child-BU role copy uses its root role's privileges), keeping the deepest depth: that is the
 * effective depth the emulator's own checks use. RetrieveUserPrivileges reports team-held privileges at
 * Basic only (its Remarks, learn.microsoft.com power-apps/developer/data-platform/webapi/reference/
 * retrieveuserprivileges); RetrieveUsersPrivilegesThroughTeams reports them at their real depth.
 * Simplification: a check passes when the caller holds the privilege at any depth (no record ownership).
 */
import { privilegeDenied } from '../wire-errors.js';
import { covers, type Level } from '../levels.js';
import type { OrgState, SystemUserRow } from '../state.js';

export interface HeldPrivilege {
  privilegeid: string;
  name: string;
  depth: Level;
  /** Business unit of the role copy it comes from. */
  businessUnitId: string;
}

/** Privileges of a root role or of a child-BU copy (which carries none of its own). */
export function rolePrivileges(org: OrgState, roleId: string): HeldPrivilege[] {
  const role = org.roles.find((r) => r.roleid === roleId);
  const rootId = role?._parentrootroleid_value ?? roleId;
  const businessUnitId = role?._businessunitid_value ?? '';
  const names = new Map(org.privileges.map((p) => [p.privilegeid, p.name]));
  return org.roleprivileges
    .filter((rp) => rp.roleid === rootId)
    .map((rp) => ({ privilegeid: rp.privilegeid, name: names.get(rp.privilegeid) ?? rp.privilegeid, depth: rp.depth, businessUnitId }));
}

function merge(held: Map<string, HeldPrivilege>, privilege: HeldPrivilege): void {
  const current = held.get(privilege.name);
  if (!current || !covers(current.depth, privilege.depth)) held.set(privilege.name, privilege);
}

/** Privileges from the user's own role assignments. */
export function directPrivileges(org: OrgState, userId: string): Map<string, HeldPrivilege> {
  const held = new Map<string, HeldPrivilege>();
  for (const link of org.systemuserroles) if (link.systemuserid === userId) for (const p of rolePrivileges(org, link.roleid)) merge(held, p);
  return held;
}

/** Privileges from the roles of the teams the user belongs to, at their real depth. */
export function teamPrivileges(org: OrgState, userId: string): Map<string, HeldPrivilege> {
  const teams = new Set(org.teammemberships.filter((m) => m.systemuserid === userId).map((m) => m.teamid));
  const held = new Map<string, HeldPrivilege>();
  for (const link of org.teamroles) if (teams.has(link.teamid)) for (const p of rolePrivileges(org, link.roleid)) merge(held, p);
  return held;
}

/** The effective privileges: direct and team-held, deepest depth kept. */
export function effectivePrivileges(org: OrgState, userId: string): Map<string, HeldPrivilege> {
  const held = directPrivileges(org, userId);
  for (const p of teamPrivileges(org, userId).values()) merge(held, p);
  return held;
}

/** What RetrieveUserPrivileges reports: direct privileges at their depth, team-held ones at Basic. */
export function reportedUserPrivileges(org: OrgState, userId: string): Map<string, HeldPrivilege> {
  const held = directPrivileges(org, userId);
  for (const p of teamPrivileges(org, userId).values()) merge(held, { ...p, depth: 'Basic' });
  return held;
}

/** Entity names and object type codes for the PrivilegeDenied message. */
export const ENTITY_INFO = {
  solution: 7100,
  solutioncomponent: 7103,
  role: 1036,
  privilege: 1023,
  systemuser: 8,
  businessunit: 10,
  importjob: 4428,
  asyncoperation: 4700,
  account: 1,
  contact: 2,
  annotation: 5,
  environmentvariabledefinition: 380,
  environmentvariablevalue: 381,
  // Org-specific for tables added after the base set; 10150 as field code filters on it (import/deployment-settings.ts), inferred.
  connectionreference: 10150,
} as const;

export type EntityName = keyof typeof ENTITY_INFO;

export function requirePrivilege(org: OrgState, user: SystemUserRow, privilege: string, entity: EntityName): void {
  if (effectivePrivileges(org, user.systemuserid).has(privilege)) return;
  const row = org.privileges.find((p) => p.name === privilege);
  throw privilegeDenied({ userId: user.systemuserid, privilege, privilegeId: row?.privilegeid ?? '00000000-0000-0000-0000-000000000000', entity, otc: ENTITY_INFO[entity] });
}
