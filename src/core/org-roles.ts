import { LEVELS, type Level } from '../spec/model.js';
import type { ManifestRole } from '../package/manifest.js';
import type { AppUserRow, RolePrivilegeGrant, RoleRow } from '../dataverse/operations.js';

/**
 * How the roles in an org compare with a package's roles. The runner and `dvpkg verify` both judge
 * the org with these, so they name the same differences with the same counts.
 */

export interface PrivilegeDiff {
  missing: string[];
  extra: string[];
  depth: string[];
}

/** The role in the org must carry exactly the declared privileges at exactly the declared depths. */
export function diffRolePrivileges(role: ManifestRole, actual: RolePrivilegeGrant[]): PrivilegeDiff {
  const declared = new Map(role.privileges.map((p) => [p.name, p.level]));
  const held = new Map<string, Level>();
  for (const grant of actual) held.set(grant.PrivilegeName, grant.Depth);
  const diff: PrivilegeDiff = { missing: [], extra: [], depth: [] };
  for (const [name, level] of declared) {
    const got = held.get(name);
    if (got === undefined) diff.missing.push(`${name} (${level})`);
    else if (got !== level) diff.depth.push(`${name}: ${got} in the org, ${level} declared`);
  }
  for (const [name, level] of held) if (!declared.has(name)) diff.extra.push(`${name} (${level})`);
  return diff;
}

export function diffSize(diff: PrivilegeDiff): number {
  return diff.missing.length + diff.extra.length + diff.depth.length;
}

export function describeDiff(diff: PrivilegeDiff): string[] {
  return [
    ...diff.missing.map((p) => `missing privilege ${p}`),
    ...diff.extra.map((p) => `extra privilege ${p}`),
    ...diff.depth.map((p) => `different depth ${p}`),
  ];
}

/** Effective privileges must stay within the declared ones, at no greater depth. */
export function privilegesBeyondDeclared(roles: ManifestRole[], effective: RolePrivilegeGrant[]): string[] {
  const allowed = new Map<string, number>();
  for (const role of roles) for (const p of role.privileges) allowed.set(p.name, Math.max(allowed.get(p.name) ?? -1, LEVELS.indexOf(p.level)));
  const beyond = new Set<string>();
  for (const grant of effective) {
    const limit = allowed.get(grant.PrivilegeName);
    if (limit === undefined) beyond.add(`${grant.PrivilegeName} (${grant.Depth}) is not declared`);
    else if (LEVELS.indexOf(grant.Depth) > limit) beyond.add(`${grant.PrivilegeName} at ${grant.Depth} is deeper than declared (${LEVELS[limit]})`);
  }
  return [...beyond].sort();
}

/** Declared grants the holder does not have at the declared depth or deeper. */
export function missingGrants(roles: ManifestRole[], held: RolePrivilegeGrant[]): string[] {
  const best = deepestHeld(held);
  const missing: string[] = [];
  for (const role of roles) {
    for (const grant of role.privileges) {
      if ((best.get(grant.name) ?? -1) < LEVELS.indexOf(grant.level)) missing.push(`${grant.name} at ${grant.level}`);
    }
  }
  return [...new Set(missing)];
}

export function deepestHeld(held: RolePrivilegeGrant[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const grant of held) best.set(grant.PrivilegeName, Math.max(best.get(grant.PrivilegeName) ?? -1, LEVELS.indexOf(grant.Depth)));
  return best;
}

/**
 * The root-business-unit copy of each manifest role. A solution-imported role keeps its
 * GUID in the root BU; a copy found only by name must be a root copy (its own parent root).
 */
export function matchRoles(roles: ManifestRole[], rows: RoleRow[]): Map<string, RoleRow> {
  const found = new Map<string, RoleRow>();
  for (const role of roles) {
    const byId = rows.find((row) => row.roleid === role.id);
    const byName = rows.find((row) => row.name === role.name && (row._parentrootroleid_value ?? row.roleid) === row.roleid);
    const row = byId ?? byName;
    if (row) found.set(role.id, row);
  }
  return found;
}

/**
 * The copy of a root role that lives in the given business unit: Dataverse only lets a user
 * hold roles of its own business unit, and keeps one copy of each role per unit.
 */
export function roleCopyIn(root: RoleRow, rows: RoleRow[], businessUnitId: string): RoleRow | undefined {
  if (root._businessunitid_value === businessUnitId) return root;
  return rows.find((row) => row._businessunitid_value === businessUnitId && row._parentrootroleid_value === root.roleid);
}

type HeldRole = NonNullable<AppUserRow['systemuserroles_association']>[number];

/** A role the user holds, by the id of its root copy (a child-BU copy's parent root is the role). */
export function rootRoleId(held: HeldRole): string {
  return held._parentrootroleid_value ?? held.roleid;
}

/** Package roles the user does not hold: by the org's id of the role, else the package's, else by name. */
export function unboundRoles(targets: ManifestRole[], user: AppUserRow | undefined, orgIds: Map<string, string>): ManifestRole[] {
  const held = user?.systemuserroles_association ?? [];
  return targets.filter((role) => !held.some((h) => rootRoleId(h) === (orgIds.get(role.id) ?? role.id) || h.roleid === role.id || h.name === role.name));
}

/** Roles the user holds that the package does not give. */
export function extraRoles(targets: ManifestRole[], user: AppUserRow | undefined, orgIds: Map<string, string>): HeldRole[] {
  const held = user?.systemuserroles_association ?? [];
  const declared = new Set(targets.map((r) => orgIds.get(r.id) ?? r.id));
  const names = new Set(targets.map((r) => r.name));
  return held.filter((h) => !declared.has(rootRoleId(h)) && !names.has(h.name));
}
