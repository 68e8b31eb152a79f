import type { Level } from './model.js';

/** The names the maker portal shows for each depth, which dvpkg also prints (the plan, the admin README). */
export const LEVEL_SHORT: Record<Level, string> = {
  Basic: 'User',
  Local: 'Business Unit',
  Deep: 'Parent: Child BUs',
  Global: 'Organization',
};

/** Canonical XML names plus the names the maker portal shows, all matched case-insensitively. */
const ALIASES: Record<string, Level> = {
  basic: 'Basic',
  user: 'Basic',
  local: 'Local',
  'business unit': 'Local',
  businessunit: 'Local',
  deep: 'Deep',
  'parent: child business units': 'Deep',
  'parent:child business units': 'Deep',
  'parent child business units': 'Deep',
  // What dvpkg itself prints (the admin README and the plan): a role file may use it too.
  'parent: child bus': 'Deep',
  'parent:child bus': 'Deep',
  global: 'Global',
  organization: 'Global',
  organisation: 'Global',
};

const CANONICAL = new Set(['basic', 'local', 'deep', 'global']);

export const LEVEL_CHOICES =
  'one of Basic, Local, Deep, Global (or User, Business Unit, Parent: Child BUs, Organization)';

function key(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function parseLevel(value: unknown): Level | undefined {
  if (typeof value !== 'string') return undefined;
  return ALIASES[key(value)];
}

/**
 * The depths a privilege allows, in the words the user wrote the wrong one in: "Global" to someone
 * who wrote "Basic", "Organization (Global)" to someone who wrote "User".
 */
export function allowedLevelsText(written: unknown, allowed: readonly Level[]): string {
  const canonical = typeof written === 'string' && CANONICAL.has(key(written));
  const names = allowed.map((level) => (canonical ? level : `${LEVEL_SHORT[level]} (${level})`));
  if (names.length === 1) return `only ${names[0]}`;
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** `prvReadSolution allows only Organization (Global)`: the whole answer to a depth the privilege does not allow. */
export function levelNotAllowed(privilege: string, written: unknown, allowed: readonly Level[], why?: string): string {
  return `${privilege} allows ${allowedLevelsText(written, allowed)}${why ? ` (${why})` : ''}`;
}
