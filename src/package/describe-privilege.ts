import type { Level } from '../spec/model.js';

/** Plain words for the admin README and the runner's plan: "prvReadAccount" → Read / Account. */

const VERBS = ['AppendTo', 'Append', 'Create', 'Read', 'Write', 'Delete', 'Assign', 'Share'] as const;

const VERB_WORDS: Record<(typeof VERBS)[number], string> = {
  Create: 'Create',
  Read: 'Read',
  Write: 'Update',
  Delete: 'Delete',
  Append: 'Append (attach other records to)',
  AppendTo: 'Append to (be attached to other records)',
  Assign: 'Assign (change owner)',
  Share: 'Share',
};

/** Privilege table names that differ from the table's display name. */
const TABLE_WORDS: Record<string, string> = {
  Note: 'Note (annotation)',
  User: 'User (systemuser)',
  Activity: 'Activity',
  Query: 'View (savedquery)',
  UserQuery: 'Personal view (userquery)',
  Incident: 'Case (incident)',
};

export const LEVEL_SHORT: Record<Level, string> = {
  Basic: 'User',
  Local: 'Business Unit',
  Deep: 'Parent: Child BUs',
  Global: 'Organization',
};

export interface PrivilegeWords {
  table: string;
  access: string;
}

export function describePrivilege(name: string): PrivilegeWords {
  const body = name.startsWith('prv') ? name.slice(3) : name;
  for (const verb of VERBS) {
    if (body.toLowerCase().startsWith(verb.toLowerCase()) && body.length > verb.length) {
      const table = body.slice(verb.length);
      return { table: TABLE_WORDS[table] ?? table, access: VERB_WORDS[verb] };
    }
  }
  return { table: '(not a table)', access: body.replace(/([a-z])([A-Z])/g, '$1 $2') };
}
