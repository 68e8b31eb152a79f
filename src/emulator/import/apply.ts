/**
 * Import semantics against an org: version and mode rules (addendum §2, §3), role validation against the org's
 * privilege table (solution-format.md §4.4), and applying roles + the solution row (addendum §4).
 */
import { randomUUID } from 'node:crypto';
import {
  importHoldingExists,
  importLowerVersion,
  importManagedOverUnmanaged,
  importPrivilegeDepth,
  importRoleNameConflict,
  importRolePrivilegeMissing,
  importUnknownPrivilege,
  importUnmanagedOverManaged,
  type ImportFailure,
} from '../errors.js';
import { compareSolutionVersions } from '../util/version.js';
import { customTablePrivileges } from './custom-tables.js';
import {
  allowedDepths,
  deleteRoleWithCopies,
  derivedId,
  privilegeRow,
  nowIso,
  rootBusinessUnit,
  upsertRoleWithCopies,
  type OrgState,
  type PrivilegeRow,
  type SolutionRow,
} from '../state.js';
import type { SolutionPackage } from './package.js';

/** update = plain ImportSolution; holding = HoldingSolution=true; upgrade = StageAndUpgrade. */
export type ImportMode = 'update' | 'holding' | 'upgrade';

export const HOLDING_SUFFIX = '_Upgrade';

/** solutioncomponent.componenttype 20 = Role (powerapps-docs reference/entities/solutioncomponent.md). */
const ROLE_COMPONENT = 20;

function solutionByName(org: OrgState, uniqueName: string): SolutionRow | undefined {
  return org.solutions.find((s) => s.uniquename.toLowerCase() === uniqueName.toLowerCase());
}

export function checkVersionAndMode(org: OrgState, pkg: SolutionPackage, mode: ImportMode, strictSameVersion: boolean): ImportFailure | undefined {
  const existing = solutionByName(org, pkg.uniqueName);
  if (mode !== 'update' && solutionByName(org, `${pkg.uniqueName}${HOLDING_SUFFIX}`)) return importHoldingExists(pkg.uniqueName);
  if (!existing) return undefined;
  if (!existing.ismanaged && pkg.managed) return importManagedOverUnmanaged();
  if (existing.ismanaged && !pkg.managed) return importUnmanagedOverManaged();
  const order = compareSolutionVersions(pkg.version, existing.version);
  if (order < 0) return importLowerVersion();
  if (order === 0 && (mode !== 'update' || strictSameVersion)) return importLowerVersion();
  return undefined;
}

/** The org's privileges plus the ones the package's own tables bring (a role may use those in the same import). */
function privilegesWithPackage(org: OrgState, pkg: SolutionPackage): Map<string, PrivilegeRow> {
  const byName = new Map<string, PrivilegeRow>(org.privileges.map((p) => [p.name.toLowerCase(), p]));
  for (const table of pkg.tables) {
    for (const definition of customTablePrivileges(table.schemaName, table.ownership)) {
      if (!byName.has(definition.name.toLowerCase())) byName.set(definition.name.toLowerCase(), privilegeRow(definition));
    }
  }
  return byName;
}

/** Privilege names match case-insensitively, as Dataverse's SQL collation does (exact behaviour unverified). */
export function checkRoles(org: OrgState, pkg: SolutionPackage, caller: { userId: string; canWriteRole: boolean }): ImportFailure | undefined {
  const byName = privilegesWithPackage(org, pkg);
  const root = rootBusinessUnit(org);
  for (const role of pkg.roles) {
    if (!caller.canWriteRole) {
      const writeRole = byName.get('prvwriterole');
      return importRolePrivilegeMissing({ userId: caller.userId, privilegeId: writeRole?.privilegeid ?? '', roleId: role.id, roleName: role.name });
    }
    const clash = org.roles.find((r) => r._businessunitid_value === root.businessunitid && r.roleid !== role.id && r.name.toLowerCase() === role.name.toLowerCase());
    if (clash) return importRoleNameConflict({ roleId: role.id, roleName: role.name });
    for (const grant of role.privileges) {
      const privilege = byName.get(grant.name.toLowerCase());
      if (!privilege) return importUnknownPrivilege({ privilege: grant.name, roleId: role.id, roleName: role.name });
      if (!allowedDepths(privilege).includes(grant.level)) {
        return importPrivilegeDepth({ privilege: privilege.name, privilegeId: privilege.privilegeid, depth: grant.level, roleId: role.id, roleName: role.name });
      }
    }
  }
  return undefined;
}

/** Creates the privileges of the tables the package defines; existing names (system tables) stay as they are. */
function applyTables(org: OrgState, pkg: SolutionPackage): void {
  const known = new Set(org.privileges.map((p) => p.name.toLowerCase()));
  for (const table of pkg.tables) {
    for (const definition of customTablePrivileges(table.schemaName, table.ownership)) {
      if (!known.has(definition.name.toLowerCase())) org.privileges.push(privilegeRow(definition));
    }
  }
}

/** Root components the emulator does not model, recorded so tests can see they arrived. */
function recordOtherComponents(org: OrgState, pkg: SolutionPackage, solutionId: string): void {
  for (const component of pkg.components) {
    if (component.componentType === ROLE_COMPONENT) continue;
    const objectid = component.id ?? derivedId('component', org.name, String(component.componentType), component.schemaName ?? '');
    if (org.solutioncomponents.some((c) => c.solutionid === solutionId && c.objectid === objectid)) continue;
    org.solutioncomponents.push({ solutionid: solutionId, objectid, componenttype: component.componentType, ...(component.schemaName ? { schemaname: component.schemaName } : {}) });
  }
}

function applyRoles(org: OrgState, pkg: SolutionPackage, solutionId: string): void {
  applyTables(org, pkg);
  recordOtherComponents(org, pkg, solutionId);
  const byName = new Map(org.privileges.map((p) => [p.name.toLowerCase(), p]));
  for (const role of pkg.roles) {
    upsertRoleWithCopies(org, { id: role.id, name: role.name, managed: pkg.managed, customizable: role.customizable });
    org.roleprivileges = org.roleprivileges.filter((rp) => rp.roleid !== role.id);
    for (const grant of role.privileges) {
      const privilege = byName.get(grant.name.toLowerCase());
      if (privilege) org.roleprivileges.push({ roleid: role.id, privilegeid: privilege.privilegeid, depth: grant.level });
    }
    if (!org.solutioncomponents.some((c) => c.solutionid === solutionId && c.objectid === role.id)) {
      org.solutioncomponents.push({ solutionid: solutionId, objectid: role.id, componenttype: ROLE_COMPONENT });
    }
  }
}

function upsertSolution(org: OrgState, pkg: SolutionPackage, uniqueName: string): SolutionRow {
  const now = nowIso();
  const existing = solutionByName(org, uniqueName);
  if (existing) {
    Object.assign(existing, { friendlyname: pkg.friendlyName, version: pkg.version, ismanaged: pkg.managed, modifiedon: now });
    return existing;
  }
  const row: SolutionRow = {
    solutionid: randomUUID(),
    uniquename: uniqueName,
    friendlyname: pkg.friendlyName,
    version: pkg.version,
    ismanaged: pkg.managed,
    installedon: now,
    modifiedon: now,
    _publisherid_value: null,
  };
  org.solutions.push(row);
  return row;
}

/** Applies a validated package; returns the id of the solution that now carries it. */
export function applyPackage(org: OrgState, pkg: SolutionPackage, mode: ImportMode): string {
  const hasBase = solutionByName(org, pkg.uniqueName) !== undefined;
  if (mode === 'update' || !hasBase) {
    const row = upsertSolution(org, pkg, pkg.uniqueName);
    applyRoles(org, pkg, row.solutionid);
    return row.solutionid;
  }
  const holding = upsertSolution(org, pkg, `${pkg.uniqueName}${HOLDING_SUFFIX}`);
  applyRoles(org, pkg, holding.solutionid);
  return mode === 'upgrade' ? promote(org, pkg.uniqueName) ?? holding.solutionid : holding.solutionid;
}

/**
 * DeleteAndPromote: drops the base solution and the roles only it carried, renames the holding solution to the
 * base name. Returns the promoted solution id, or undefined when there is no holding solution.
 */
export function promote(org: OrgState, uniqueName: string): string | undefined {
  const holding = solutionByName(org, `${uniqueName}${HOLDING_SUFFIX}`);
  if (!holding) return undefined;
  const base = solutionByName(org, uniqueName);
  if (base) {
    const kept = new Set(org.solutioncomponents.filter((c) => c.solutionid === holding.solutionid).map((c) => c.objectid));
    const dropped = org.solutioncomponents.filter((c) => c.solutionid === base.solutionid && c.componenttype === ROLE_COMPONENT && !kept.has(c.objectid)).map((c) => c.objectid);
    org.solutioncomponents = org.solutioncomponents.filter((c) => c.solutionid !== base.solutionid);
    for (const roleId of dropped) {
      if (!org.solutioncomponents.some((c) => c.objectid === roleId)) deleteRoleWithCopies(org, roleId);
    }
    org.solutions = org.solutions.filter((s) => s !== base);
  }
  holding.uniquename = base?.uniquename ?? uniqueName;
  holding.modifiedon = nowIso();
  return holding.solutionid;
}
