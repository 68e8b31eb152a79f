import type { Level } from './model.js';

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

export const LEVEL_CHOICES =
  'one of Basic, Local, Deep, Global (or User, Business Unit, Parent: Child BUs, Organization)';

export function parseLevel(value: unknown): Level | undefined {
  if (typeof value !== 'string') return undefined;
  return ALIASES[value.trim().replace(/\s+/g, ' ').toLowerCase()];
}
