import { compareNames, LEVELS, type Level } from '../spec/model.js';
import { describePrivilege } from '../package/describe-privilege.js';
import { LEVEL_SHORT } from '../spec/levels.js';

/**
 * What a change of a role's privileges grants and takes away, compared privilege by privilege: added and
 * deepened widen access, narrowed and removed shrink it. The runner compares the new package with what
 * the org holds now; `dvpkg diff` compares two packages. Widening comes first: it is what needs a yes.
 */

export type ChangeKind = 'added' | 'deepened' | 'narrowed' | 'removed';

export interface PrivilegeChange {
  kind: ChangeKind;
  privilege: string;
  /** The depth before (absent for an added privilege). */
  from?: Level;
  /** The depth after (absent for a removed one). */
  to?: Level;
  widens: boolean;
}

export interface RoleChanges {
  role: string;
  /** The role is new to the application user: every privilege of it is added. */
  newRole: boolean;
  changes: PrivilegeChange[];
  widens: boolean;
}

interface Grant {
  name: string;
  level: Level;
}

const ORDER: Record<ChangeKind, number> = { added: 0, deepened: 1, narrowed: 2, removed: 3 };

export function comparePrivileges(before: readonly Grant[], after: readonly Grant[]): PrivilegeChange[] {
  const held = new Map(before.map((g) => [g.name.toLowerCase(), g]));
  const wanted = new Map(after.map((g) => [g.name.toLowerCase(), g]));
  const changes: PrivilegeChange[] = [];
  for (const [key, grant] of wanted) {
    const was = held.get(key);
    if (!was) changes.push({ kind: 'added', privilege: grant.name, to: grant.level, widens: true });
    else if (was.level !== grant.level) {
      const deeper = LEVELS.indexOf(grant.level) > LEVELS.indexOf(was.level);
      changes.push({ kind: deeper ? 'deepened' : 'narrowed', privilege: grant.name, from: was.level, to: grant.level, widens: deeper });
    }
  }
  for (const [key, grant] of held) if (!wanted.has(key)) changes.push({ kind: 'removed', privilege: grant.name, from: grant.level, widens: false });
  return changes.sort((a, b) => ORDER[a.kind] - ORDER[b.kind] || compareNames(a.privilege, b.privilege));
}

export function roleChanges(role: string, before: readonly Grant[] | undefined, after: readonly Grant[]): RoleChanges {
  const changes = comparePrivileges(before ?? [], after);
  return { role, newRole: before === undefined, changes, widens: changes.some((c) => c.widens) };
}

/** In the maker portal's words: "adds Delete on Account at Organization (prvDeleteAccount)". */
export function describePrivilegeChange(change: PrivilegeChange, tables?: ReadonlyMap<string, string>): string {
  const { access, table } = describePrivilege(change.privilege, tables);
  const what = table === '(not a table)' ? access : `${access} on ${table}`;
  const depth = (level: Level | undefined) => (level ? LEVEL_SHORT[level] : '');
  const text = {
    added: `adds ${what} at ${depth(change.to)}`,
    deepened: `deepens ${what} from ${depth(change.from)} to ${depth(change.to)}`,
    narrowed: `narrows ${what} from ${depth(change.from)} to ${depth(change.to)}`,
    removed: `removes ${what} (was ${depth(change.from)})`,
  }[change.kind];
  return `${text} (${change.privilege})`;
}
