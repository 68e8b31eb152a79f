import type { TableDefinition } from './components.js';
import { boundedDistance, distanceRows } from './distance.js';
import type { Level } from './model.js';

/**
 * The privileges of the custom tables a source defines, which the built-in catalog cannot know.
 * A user- or team-owned table has eight, at any depth; an organization-owned one has no Assign or
 * Share and only Global (packages-research.md Q1.2). Names are `prv<Right><SchemaName>`, compared
 * case-insensitively because the platform's matching of role XML names is not documented.
 */

const RIGHTS = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'] as const;
const ORG_OWNED_RIGHTS: ReadonlySet<string> = new Set(['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo']);
const PRIVILEGE = /^prv(Create|Read|Write|Delete|AppendTo|Append|Assign|Share)(.+)$/i;
const MAX_DISTANCE = 2;
const MAX_SUGGESTIONS = 3;

export type TablePrivilegeCheck =
  | { kind: 'not-a-table-privilege' }
  | { kind: 'ok' }
  | { kind: 'error'; expected: string; hint?: string }
  /** The name is right, the depth is not; the caller words the answer in the user's vocabulary. */
  | { kind: 'level'; allowed: readonly Level[]; why: string };

export interface TablePrivileges {
  check(name: string, level: Level | undefined): TablePrivilegeCheck;
  /** The privilege's name as the table spells it, for a name that differs only in case. */
  spelling(name: string): string | undefined;
}

export function tablePrivileges(tables: readonly TableDefinition[]): TablePrivileges {
  const byName = new Map(tables.map((table) => [table.schemaName.toLowerCase(), table]));
  const candidates = tables.flatMap((table) => rightsOf(table).map((right) => `prv${right}${table.schemaName}`));
  const rows = distanceRows(Math.max(0, ...candidates.map((c) => c.length)), MAX_DISTANCE);

  function nearMisses(name: string): string[] {
    const lower = name.toLowerCase();
    let best = MAX_DISTANCE + 1;
    let found: string[] = [];
    for (const candidate of candidates) {
      const d = boundedDistance(lower, candidate.toLowerCase(), MAX_DISTANCE, rows);
      if (d > MAX_DISTANCE || d > best) continue;
      if (d < best) found = [];
      best = d;
      found.push(candidate);
    }
    return found;
  }

  const byLower = new Map(candidates.map((c) => [c.toLowerCase(), c]));

  return {
    spelling: (name) => byLower.get(name.toLowerCase()),
    check(name, level) {
      const match = PRIVILEGE.exec(name);
      const table = match ? byName.get(match[2]!.toLowerCase()) : undefined;
      if (match && table) return checkRight(match[1]!, table, level);
      const near = nearMisses(name);
      if (near.length === 0) return { kind: 'not-a-table-privilege' };
      const shown = near.slice(0, MAX_SUGGESTIONS);
      return {
        kind: 'error',
        expected: 'a privilege of a table this solution defines',
        hint: `did you mean ${shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`}?`,
      };
    },
  };
}

function rightsOf(table: TableDefinition): string[] {
  return table.ownership === 'organization' ? RIGHTS.filter((right) => ORG_OWNED_RIGHTS.has(right)) : [...RIGHTS];
}

function checkRight(rawRight: string, table: TableDefinition, level: Level | undefined): TablePrivilegeCheck {
  if (table.ownership !== 'organization') return { kind: 'ok' };
  const right = RIGHTS.find((r) => r.toLowerCase() === rawRight.toLowerCase())!;
  if (!ORG_OWNED_RIGHTS.has(right)) {
    return {
      kind: 'error',
      expected: `a privilege table ${table.schemaName} has: it is organization-owned, so it has no Assign or Share privilege (only ${rightsOf(table).join(', ')})`,
    };
  }
  if (level && level !== 'Global') {
    return { kind: 'level', allowed: ['Global'], why: `table ${table.schemaName} is organization-owned` };
  }
  return { kind: 'ok' };
}
