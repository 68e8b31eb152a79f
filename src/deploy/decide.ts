import { compareVersions, LEVELS, type Level } from '../spec/model.js';
import type { ManifestRole } from '../package/manifest.js';
import type { AppUserRow, InstalledSolution, PrivilegeRow, RoleRow, RolePrivilegeGrant } from '../dataverse/operations.js';

/** Pure decisions of the runner: what to do given what the org has. */

export type ImportAction = 'install' | 'upgrade' | 'promote' | 'skip' | 'downgrade' | 'unmanaged-installed' | 'other-upgrade-staged';

/**
 * A staged upgrade (holding solution) of this very version is finished with DeleteAndPromote;
 * one of another version blocks every import until someone applies or removes it.
 */
export function importAction(installed: InstalledSolution | undefined, version: string, holding?: InstalledSolution): ImportAction {
  if (holding) return compareVersions(holding.version, version) === 0 ? 'promote' : 'other-upgrade-staged';
  if (!installed) return 'install';
  if (!installed.ismanaged) return 'unmanaged-installed';
  const order = compareVersions(installed.version, version);
  return order < 0 ? 'upgrade' : order === 0 ? 'skip' : 'downgrade';
}

/** Privileges the caller needs for the writes this run will make (what Dataverse checks). */
export function requiredCallerPrivileges(work: { importing: boolean; creatingUser: boolean; binding: boolean }): string[] {
  const needed: string[] = [];
  if (work.importing) needed.push('prvImportCustomization', 'prvWriteRole');
  if (work.creatingUser) needed.push('prvCreateUser', 'prvReadUser');
  if (work.binding) needed.push('prvAssignRole', 'prvReadRole');
  return [...new Set(needed)];
}

export function missingCallerPrivileges(required: string[], held: RolePrivilegeGrant[]): string[] {
  const names = new Set(held.map((p) => p.PrivilegeName));
  return required.filter((name) => !names.has(name));
}

const CAN_BE: Record<Level, keyof PrivilegeRow> = { Basic: 'canbebasic', Local: 'canbelocal', Deep: 'canbedeep', Global: 'canbeglobal' };

/** Every declared privilege must exist in the org at a depth it allows; one line per problem. */
export function privilegeProblems(roles: ManifestRole[], rows: PrivilegeRow[]): string[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const byLower = new Map(rows.map((row) => [row.name.toLowerCase(), row]));
  const problems: string[] = [];
  for (const role of roles) {
    for (const grant of role.privileges) {
      const row = byName.get(grant.name);
      if (!row) {
        const other = byLower.get(grant.name.toLowerCase());
        problems.push(`role "${role.name}": ${grant.name} does not exist in this org${other ? ` (the org has ${other.name})` : ''}`);
        continue;
      }
      if (row[CAN_BE[grant.level]] !== true) {
        const allowed = LEVELS.filter((level) => row[CAN_BE[level]] === true);
        problems.push(`role "${role.name}": ${grant.name} cannot be granted at ${grant.level} in this org (allowed: ${allowed.join(', ') || 'none'})`);
      }
    }
  }
  return problems;
}

export function uniquePrivilegeNames(roles: ManifestRole[]): string[] {
  return [...new Set(roles.flatMap((role) => role.privileges.map((p) => p.name)))].sort();
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

export function boundRoleIds(user: AppUserRow | undefined): Set<string> {
  return new Set((user?.systemuserroles_association ?? []).map((r) => r.roleid));
}

/**
 * Roles the user does not hold yet, judged before the role rows are read: by the solution's
 * GUID, or by name for an org where the role has another id. The binding step then works
 * with the exact role row.
 */
export function unboundRoles(targets: ManifestRole[], user: AppUserRow | undefined): ManifestRole[] {
  const held = user?.systemuserroles_association ?? [];
  return targets.filter((role) => !held.some((h) => h.roleid === role.id || h.name === role.name));
}

/** Declared grants the user does not hold at the declared depth or deeper. */
export function missingGrants(roles: ManifestRole[], held: RolePrivilegeGrant[]): string[] {
  const best = new Map<string, number>();
  for (const grant of held) best.set(grant.PrivilegeName, Math.max(best.get(grant.PrivilegeName) ?? -1, LEVELS.indexOf(grant.Depth)));
  const missing: string[] = [];
  for (const role of roles) {
    for (const grant of role.privileges) {
      if ((best.get(grant.name) ?? -1) < LEVELS.indexOf(grant.level)) missing.push(`${grant.name} at ${grant.level}`);
    }
  }
  return [...new Set(missing)];
}

/** What preflight read from the org, and what the later steps act on. */
export interface OrgState {
  installed: InstalledSolution | undefined;
  holding: InstalledSolution | undefined;
  action: ImportAction;
  appUser: AppUserRow | undefined;
  boundIds: Set<string>;
  unbound: ManifestRole[];
}
