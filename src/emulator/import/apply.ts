/**
 * Import semantics against an org: version and mode rules (addendum §2, §3), role validation against the org's
 * privilege table (solution-format.md §4.4), and applying roles + the solution row (addendum §4).
 */
import { randomUUID } from 'node:crypto';
import {
  importHoldingExists,
  importLowerVersion,
  importManagedOverUnmanaged,
  importMissingDependencies,
  importPrivilegeDepth,
  importRoleNameConflict,
  importRolePrivilegeMissing,
  importUnknownPrivilege,
  importUnmanagedOverManaged,
  type ImportFailure,
} from '../wire-errors.js';
import { compareSolutionVersions } from '../support/version.js';
import { customTablePrivileges } from './custom-tables.js';
import {
  allowedDepths,
  derivedId,
  privilegeRow,
  nowIso,
  removeSolution,
  rootBusinessUnit,
  upsertRoleWithCopies,
  type OrgState,
  type PrivilegeRow,
  type SolutionComponentRow,
  type SolutionRow,
} from '../state.js';
import type { DependencyNode, PackageDependency, SolutionPackage } from './package.js';
import type { ActiveDependencyMode, DependencyMatchMode } from '../options.js';
import { normalizeGuid } from '../support/guid.js';
import { SYSTEM_ADMINISTRATOR_TEMPLATE } from '../seed.js';
import { CONNECTION_REFERENCE_COMPONENT, ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT, applyDeploymentSettings, settingComponentId, type ComponentParameter, type SettingsModes } from './deployment-settings.js';

/** update = plain ImportSolution; holding = HoldingSolution=true; upgrade = StageAndUpgrade. */
export type ImportMode = 'update' | 'holding' | 'upgrade';

export const HOLDING_SUFFIX = '_Upgrade';

/** solutioncomponent.componenttype 20 = Role (powerapps-docs reference/entities/solutioncomponent.md). */
const ROLE_COMPONENT = 20;

/** `Required/@type` written as a table name instead of a number (coe-starter-kit#9903, packages-research.md Q2.1). */
const NAMED_COMPONENT_TYPES: Readonly<Record<string, number>> = {
  connectionreference: CONNECTION_REFERENCE_COMPONENT,
  environmentvariabledefinition: ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT,
  environmentvariablevalue: 381,
};

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

/** "UniqueName (version)" from `Required/@solution`; "Active" (or nothing) names no solution. */
export function requiredSolution(value: string): { uniqueName: string; version?: string } | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'active') return undefined;
  const match = /^(.+?)\s*\((\d+(?:\.\d+){0,3})\)$/.exec(trimmed);
  return match ? { uniqueName: match[1] ?? trimmed, version: match[2] ?? '' } : { uniqueName: trimmed };
}

export function attribute(node: DependencyNode, name: string): string | undefined {
  return node.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** `Required/@type` or `Dependent/@type` as a componenttype: a number, or a named type. */
export function nodeComponentType(node: DependencyNode): number | undefined {
  const rawType = attribute(node, 'type') ?? '';
  return /^\d+$/.test(rawType) ? Number(rawType) : NAMED_COMPONENT_TYPES[rawType.toLowerCase()];
}

/** The component a manifest node names (same componenttype, and the same id or name), in any solution or in the one given. */
export function findComponent(org: OrgState, node: DependencyNode, solutionId?: string): SolutionComponentRow | undefined {
  const type = nodeComponentType(node);
  if (type === undefined) return undefined;
  const id = normalizeGuid(attribute(node, 'id'));
  const names = node.filter(([key]) => key === 'schemaName' || key.startsWith('id.')).map(([, value]) => value.toLowerCase());
  return org.solutioncomponents.find((c) => (solutionId === undefined || c.solutionid === solutionId) && c.componenttype === type && ((id !== undefined && c.objectid === id) || (c.schemaname !== undefined && names.includes(c.schemaname.toLowerCase()))));
}

function componentPresent(org: OrgState, required: DependencyNode): boolean {
  return findComponent(org, required) !== undefined;
}

function dependencyMet(org: OrgState, dependency: PackageDependency, modes: { active: ActiveDependencyMode; match: DependencyMatchMode }): boolean {
  const solution = requiredSolution(dependency.solution);
  if (!solution) return modes.active === 'ignore' || componentPresent(org, dependency.required);
  const installed = solutionByName(org, solution.uniqueName);
  if (installed && (solution.version === undefined || compareSolutionVersions(installed.version, solution.version) >= 0)) return true;
  return modes.match === 'solution-or-component' && componentPresent(org, dependency.required);
}

/**
 * The solution's requirements (solution.xml `MissingDependencies`) against the org: a "UniqueName (version)"
 * requirement is met by that solution installed at that version or later; an "Active" one as `active` says.
 * Unmet entries fail the import with 0x8004801D listing them.
 */
export function checkDependencies(org: OrgState, pkg: SolutionPackage, modes: { active: ActiveDependencyMode; match: DependencyMatchMode }): ImportFailure | undefined {
  const missing = pkg.dependencies.filter((dependency) => !dependencyMet(org, dependency, modes));
  return missing.length ? importMissingDependencies(pkg.uniqueName, missing) : undefined;
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

/**
 * Creates the privileges of the tables the package defines; existing names (system tables) stay as they are.
 * System Administrator "Can view all data in the system" (powerapps-docs maker/model-driven-apps/
 * privileges-required-customization.md), so the roles with its template get each new privilege at its deepest depth.
 */
function applyTables(org: OrgState, pkg: SolutionPackage, solutionId: string): void {
  const known = new Set(org.privileges.map((p) => p.name.toLowerCase()));
  const administrators = org.roles.filter((r) => r.roletemplateid === SYSTEM_ADMINISTRATOR_TEMPLATE && r.roleid === r._parentrootroleid_value).map((r) => r.roleid);
  for (const table of pkg.tables) {
    // A table counts as this solution's when the import creates its privileges or another import created them;
    // system tables (privileges already there) and seeded custom tables are never removed by an uninstall.
    const name = table.schemaName.toLowerCase();
    const brought = org.tablesolutions.some((t) => t.schemaname.toLowerCase() === name) || customTablePrivileges(table.schemaName, table.ownership).some((d) => !known.has(d.name.toLowerCase()));
    if (brought && !org.tablesolutions.some((t) => t.solutionid === solutionId && t.schemaname.toLowerCase() === name)) {
      org.tablesolutions.push({ schemaname: table.schemaName, ownership: table.ownership, solutionid: solutionId });
    }
    for (const definition of customTablePrivileges(table.schemaName, table.ownership)) {
      if (known.has(definition.name.toLowerCase())) continue;
      const row = privilegeRow(definition);
      org.privileges.push(row);
      known.add(definition.name.toLowerCase());
      const depth = allowedDepths(row).at(-1) ?? 'Global';
      for (const roleid of administrators) org.roleprivileges.push({ roleid, privilegeid: row.privilegeid, depth });
    }
  }
}

/** Root components the emulator does not model, recorded so tests can see they arrived. */
function recordOtherComponents(org: OrgState, pkg: SolutionPackage, solutionId: string): void {
  const record = (componenttype: number, id: string | undefined, schemaName: string | undefined, behavior: number | undefined) => {
    const objectid = id ?? settingComponentId(org, componenttype, schemaName ?? '') ?? derivedId('component', org.name, String(componenttype), schemaName ?? '');
    if (org.solutioncomponents.some((c) => c.solutionid === solutionId && c.objectid === objectid)) return;
    org.solutioncomponents.push({ solutionid: solutionId, objectid, componenttype, ...(schemaName ? { schemaname: schemaName } : {}), ...(behavior !== undefined ? { rootcomponentbehavior: behavior } : {}) });
  };
  for (const component of pkg.components) {
    if (component.componentType === ROLE_COMPONENT) continue;
    record(component.componentType, component.id, component.schemaName, component.behavior);
  }
  // Real exports list connection references only in customizations.xml, not as root components.
  for (const reference of pkg.connectionReferences) record(CONNECTION_REFERENCE_COMPONENT, undefined, reference.logicalName, undefined);
  for (const { schemaName } of pkg.environmentVariableDefinitions) {
    const listed = pkg.components.some((c) => c.componentType === ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT && c.schemaName?.toLowerCase() === schemaName.toLowerCase());
    if (!listed) record(ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT, undefined, schemaName, undefined);
  }
}

/** Keeps the manifest's requirements with the solution that now carries them (replacing an earlier version's). */
function recordRequirements(org: OrgState, pkg: SolutionPackage, solutionId: string): void {
  org.solutionrequirements = org.solutionrequirements.filter((r) => r.solutionid !== solutionId);
  for (const dependency of pkg.dependencies) org.solutionrequirements.push({ solutionid: solutionId, required: dependency.required, dependent: dependency.dependent, solution: dependency.solution });
}

/** What an import applies besides the package itself: its ComponentParameters and how settings merge. */
export interface ImportSettings {
  parameters: readonly ComponentParameter[];
  modes: SettingsModes;
}

function applyComponents(org: OrgState, pkg: SolutionPackage, solutionId: string, settings: ImportSettings): void {
  applyTables(org, pkg, solutionId);
  recordRequirements(org, pkg, solutionId);
  // Before the components are recorded, so definition and reference rows give their ids to the component rows.
  applyDeploymentSettings(org, pkg, settings.parameters, settings.modes);
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
      const behavior = pkg.components.find((c) => c.componentType === ROLE_COMPONENT && c.id === role.id)?.behavior;
      org.solutioncomponents.push({ solutionid: solutionId, objectid: role.id, componenttype: ROLE_COMPONENT, ...(behavior !== undefined ? { rootcomponentbehavior: behavior } : {}) });
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
export function applyPackage(org: OrgState, pkg: SolutionPackage, mode: ImportMode, settings: ImportSettings): string {
  const hasBase = solutionByName(org, pkg.uniqueName) !== undefined;
  if (mode === 'update' || !hasBase) {
    const row = upsertSolution(org, pkg, pkg.uniqueName);
    applyComponents(org, pkg, row.solutionid, settings);
    return row.solutionid;
  }
  const holding = upsertSolution(org, pkg, `${pkg.uniqueName}${HOLDING_SUFFIX}`);
  applyComponents(org, pkg, holding.solutionid, settings);
  return mode === 'upgrade' ? promote(org, pkg.uniqueName) ?? holding.solutionid : holding.solutionid;
}

/**
 * DeleteAndPromote: uninstalls the base solution (the roles and tables only it carried go with it), renames the
 * holding solution to the base name. Returns the promoted solution id, or undefined when there is no holding solution.
 */
export function promote(org: OrgState, uniqueName: string): string | undefined {
  const holding = solutionByName(org, `${uniqueName}${HOLDING_SUFFIX}`);
  if (!holding) return undefined;
  const base = solutionByName(org, uniqueName);
  if (base) removeSolution(org, base);
  holding.uniquename = base?.uniquename ?? uniqueName;
  holding.modifiedon = nowIso();
  return holding.solutionid;
}
