import { compareVersions, LEVELS, type Level } from '../spec/model.js';
import type { ManifestRole } from '../package/manifest.js';
import type { InstalledSolution, PrivilegeRow, RolePrivilegeGrant } from '../dataverse/operations.js';

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

/** What the caller needs a privilege for, in the words of the preflight problem. */
export function callerNeed(privilege: string): string {
  if (privilege === 'prvImportCustomization' || privilege === 'prvWriteRole') return 'import a solution that carries a security role';
  if (privilege === 'prvCreateUser' || privilege === 'prvReadUser') return 'create the application user';
  return 'give the application user its role';
}
