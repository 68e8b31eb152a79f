import { DvpkgError, type Problem } from '../errors.js';
import type { DataverseClient } from '../dataverse/client.js';
import { privilegesById, rolePrivileges, rolesInBusinessUnit, rootBusinessUnit, type PrivilegeRow, type RolePrivilegeGrant } from '../dataverse/operations.js';
import { boundedDistance, distanceRows } from '../spec/distance.js';
import { LEVELS, sortPrivileges, type Level, type PrivilegeGrant } from '../spec/model.js';

/** A role as the org holds it in its root business unit, ready to be written as a role file. */
export interface PulledRole {
  id: string;
  name: string;
  privileges: PrivilegeGrant[];
  /** Grants whose depth the org's privilege table does not allow (a role edited through the API can hold one). */
  odd: string[];
}

/** PrivilegeDepth as the Web API spells it (a string member), or as its number in older responses. */
function levelOf(depth: unknown): Level | undefined {
  if (typeof depth === 'number') return LEVELS[depth];
  return LEVELS.find((level) => level === depth);
}

const ALLOWS: Readonly<Record<Level, keyof PrivilegeRow>> = { Basic: 'canbebasic', Local: 'canbelocal', Deep: 'canbedeep', Global: 'canbeglobal' };

/**
 * Reads each named role from the root business unit (every other business unit holds a copy that
 * follows it), its privileges from RetrieveRolePrivilegesRole and their names and allowed depths from
 * the org's privilege table. Every role that cannot be read is named at once.
 */
export async function readRootRoles(client: DataverseClient, names: readonly string[], org: string): Promise<PulledRole[]> {
  const root = await rootBusinessUnit(client);
  const rows = await rolesInBusinessUnit(client, root.businessunitid);
  const problems: Problem[] = [];
  const found = names.map((name) => {
    const matches = rows.filter((r) => r.name.toLowerCase() === name.toLowerCase());
    if (matches.length === 1) return matches[0]!;
    const where = `${org} (business unit ${root.name})`;
    if (matches.length > 1) problems.push({ severity: 'error', file: '--role', path: '', value: name, expected: `one role of that name in ${where}; it has ${matches.length} (${matches.map((m) => m.roleid).join(', ')}): rename all but one in the org` });
    else {
      const near = nearestNames(name, rows.map((r) => r.name));
      problems.push({ severity: 'error', file: '--role', path: '', value: name, expected: `the name of a role in ${where}`, ...(near.length ? { hint: `did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?` } : {}) });
    }
    return undefined;
  });
  if (problems.length > 0) throw new DvpkgError('DVPKG_USAGE', `${problems.length === 1 ? 'a role is' : `${problems.length} roles are`} not in the org`, { problems });
  const pulled: PulledRole[] = [];
  for (const row of found as NonNullable<(typeof found)[number]>[]) pulled.push(await readRole(client, row.roleid, row.name));
  return pulled;
}

async function readRole(client: DataverseClient, id: string, name: string): Promise<PulledRole> {
  const grants = await rolePrivileges(client, id);
  const table = new Map((await privilegesById(client, [...new Set(grants.map((g) => g.PrivilegeId).filter((p): p is string => Boolean(p)))])).map((p) => [p.privilegeid.toLowerCase(), p]));
  const privileges: PrivilegeGrant[] = [];
  const odd: string[] = [];
  for (const grant of grants) {
    const row = grant.PrivilegeId ? table.get(grant.PrivilegeId.toLowerCase()) : undefined;
    const privilege = row?.name ?? grant.PrivilegeName;
    const level = levelOf(grant.Depth);
    if (!privilege || !level) throw unreadable(name, grant);
    if (row && !row[ALLOWS[level]]) odd.push(`${privilege} at ${level}`);
    privileges.push({ name: privilege, level });
  }
  return { id: id.toLowerCase(), name, privileges: sortPrivileges(privileges), odd };
}

function unreadable(role: string, grant: RolePrivilegeGrant): DvpkgError {
  return new DvpkgError('DVPKG_INTERNAL', `role ${JSON.stringify(role)}: the org answered a privilege dvpkg cannot read (id ${grant.PrivilegeId ?? 'missing'}, depth ${JSON.stringify(grant.Depth)})`);
}

function nearestNames(name: string, candidates: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const max = Math.max(2, Math.floor(name.length / 4));
  const rows = distanceRows(Math.max(0, ...candidates.map((c) => c.length)), max);
  const scored = candidates.map((c) => ({ c, d: c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()) ? 1 : boundedDistance(lower, c.toLowerCase(), max, rows) }));
  const best = Math.min(max + 1, ...scored.map((s) => s.d));
  return best > max ? [] : scored.filter((s) => s.d === best).slice(0, 3).map((s) => s.c);
}
