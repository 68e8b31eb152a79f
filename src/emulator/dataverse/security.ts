/**
 * Privilege checks. Effective privileges = union over the user's roles (a child-BU copy uses its root role's
 * privileges), keeping the deepest depth. Simplification: a check passes when the caller holds the privilege at
 * any depth; the emulator does not model record ownership, so depth never narrows what a caller sees.
 */
import { privilegeDenied } from '../errors.js';
import { covers, type Level } from '../levels.js';
import type { OrgState, SystemUserRow } from '../state.js';

export interface HeldPrivilege {
  privilegeid: string;
  name: string;
  depth: Level;
}

/** Privileges of a root role or of a child-BU copy (which carries none of its own). */
export function rolePrivileges(org: OrgState, roleId: string): HeldPrivilege[] {
  const role = org.roles.find((r) => r.roleid === roleId);
  const rootId = role?._parentrootroleid_value ?? roleId;
  const names = new Map(org.privileges.map((p) => [p.privilegeid, p.name]));
  return org.roleprivileges
    .filter((rp) => rp.roleid === rootId)
    .map((rp) => ({ privilegeid: rp.privilegeid, name: names.get(rp.privilegeid) ?? rp.privilegeid, depth: rp.depth }));
}

export function effectivePrivileges(org: OrgState, userId: string): Map<string, HeldPrivilege> {
  const held = new Map<string, HeldPrivilege>();
  for (const link of org.systemuserroles) {
    if (link.systemuserid !== userId) continue;
    for (const privilege of rolePrivileges(org, link.roleid)) {
      const current = held.get(privilege.name);
      if (!current || !covers(current.depth, privilege.depth)) held.set(privilege.name, privilege);
    }
  }
  return held;
}

/** Entity names and object type codes for the PrivilegeDenied message. */
export const ENTITY_INFO = {
  solution: 7100,
  role: 1036,
  privilege: 1023,
  systemuser: 8,
  businessunit: 10,
  importjob: 4428,
  asyncoperation: 4700,
  account: 1,
  contact: 2,
  annotation: 5,
} as const;

export type EntityName = keyof typeof ENTITY_INFO;

export function requirePrivilege(org: OrgState, user: SystemUserRow, privilege: string, entity: EntityName): void {
  if (effectivePrivileges(org, user.systemuserid).has(privilege)) return;
  const row = org.privileges.find((p) => p.name === privilege);
  throw privilegeDenied({ userId: user.systemuserid, privilege, privilegeId: row?.privilegeid ?? '00000000-0000-0000-0000-000000000000', entity, otc: ENTITY_INFO[entity] });
}
