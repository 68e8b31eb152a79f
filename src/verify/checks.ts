import { LEVELS, type Level } from '../spec/model.js';
import type { ManifestRole } from '../package/manifest.js';
import type { RolePrivilegeGrant } from '../dataverse/operations.js';

/** Pure comparisons behind `dvpkg verify`: each returns what differs, in words a QA engineer can act on. */

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  expected: string;
  actual: string;
  /** One line per difference. */
  details: string[];
  durationMs: number;
}

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

/** Read probes: declared read privileges whose tables the probe can read one row of. */
export const PROBE_TABLES: Record<string, string> = {
  prvReadAccount: 'accounts',
  prvReadContact: 'contacts',
  prvReadNote: 'annotations',
};
