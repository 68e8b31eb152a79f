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

export interface PrivilegeWords {
  table: string;
  access: string;
}

/**
 * The package's own tables by the name the admin sees in the app, with the schema name to search
 * for: "Kudo (mpa_kudo)". Keyed by the lower-case schema name, as privilege names embed it.
 */
export function packageTableNames(solutions: ReadonlyArray<{ tables?: ReadonlyArray<{ schemaName: string; displayName: string }> }>): Map<string, string> {
  return new Map(
    solutions.flatMap((s) => s.tables ?? []).map((t) => [t.schemaName.toLowerCase(), t.displayName === t.schemaName ? t.schemaName : `${t.displayName} (${t.schemaName})`]),
  );
}

export type PrivilegeVerb = (typeof VERBS)[number];

const VERBS_LOWER = VERBS.map((verb) => [verb, verb.toLowerCase()] as const);
const NO_TABLES: ReadonlyMap<string, string> = new Map();

/** A table privilege's verb and table in the admin's words ("prvAppendToAccount" → AppendTo, Account); undefined for any other privilege. */
export function privilegeParts(name: string, tables: ReadonlyMap<string, string> = NO_TABLES): { verb: PrivilegeVerb; table: string } | undefined {
  const body = name.startsWith('prv') ? name.slice(3) : name;
  // Lower-cased once: a README of 20 roles x 1,000 privileges asks this 60,000 times.
  const lower = body.toLowerCase();
  for (const [verb, verbLower] of VERBS_LOWER) {
    if (body.length > verb.length && lower.startsWith(verbLower)) {
      const table = body.slice(verb.length);
      return { verb, table: tables.get(lower.slice(verb.length)) ?? TABLE_WORDS[table] ?? table };
    }
  }
  return undefined;
}

export function describePrivilege(name: string, tables: ReadonlyMap<string, string> = NO_TABLES): PrivilegeWords {
  const parts = privilegeParts(name, tables);
  if (parts) return { table: parts.table, access: VERB_WORDS[parts.verb] };
  const body = name.startsWith('prv') ? name.slice(3) : name;
  return { table: '(not a table)', access: body.replace(/([a-z])([A-Z])/g, '$1 $2') };
}
