import { createHash } from 'node:crypto';
import type { Problem } from '../errors.js';
import { defaultCatalog } from '../spec/catalog.js';
import { validateSpec } from '../spec/validate.js';
import { roleFileName } from '../pull/role-file.js';

/** What `dvpkg init` asks for; each answer comes from its flag or, at a terminal, a question. */
export interface InitAnswers {
  publisher: string;
  prefix: string;
  appClientId: string;
  appName: string;
  uniqueName: string;
}

/** The answers in the order they are asked, with the flag that gives each and the question. */
export const INIT_FIELDS: ReadonlyArray<{ key: keyof InitAnswers; flag: string; question: string; field: string }> = [
  { key: 'publisher', flag: '--publisher', question: "Publisher unique name (your company's, e.g. fabrikam)", field: 'publisher.uniqueName' },
  { key: 'prefix', flag: '--prefix', question: 'Publisher prefix (2-8 letters or digits, e.g. fab)', field: 'publisher.prefix' },
  { key: 'appClientId', flag: '--app-client-id', question: "Your multi-tenant app's client id (GUID)", field: 'app.clientId' },
  { key: 'appName', flag: '--app-name', question: "Your app's name as admins know it", field: 'app.name' },
  { key: 'uniqueName', flag: '--unique-name', question: 'Unique name of the role solution (e.g. FabrikamSyncRoles)', field: 'uniqueName' },
];

/**
 * The one role every app starts from: what `dvpkg verify` needs to read the app's own user and role,
 * and one table read at the narrowest depth, to be replaced by what the app really does.
 */
const STARTER_PRIVILEGES = { prvReadAccount: 'Basic', prvReadRole: 'Local', prvReadUser: 'Local' } as const;

export interface ScaffoldFile {
  /** Relative to the new solution-src folder. */
  name: string;
  data: string;
}

/**
 * The files of a new spec folder, checked by the validator `dvpkg check` runs, so init never writes
 * a tree check would refuse. A problem names the flag its value came from.
 */
/** `schema(dir, file)`: the `$schema` reference for a file written in `dir` (relative to solution-src). */
export function scaffold(answers: InitAnswers, schema: (dir: string, file: string) => string): { files: ScaffoldFile[]; problems: Problem[] } {
  const solution = {
    $schema: schema('.', 'solution.schema.json'),
    uniqueName: answers.uniqueName,
    displayName: answers.appName,
    description: `Security role for ${answers.appName}'s application user.`,
    version: '1.0.0.0',
    publisher: { uniqueName: answers.publisher, displayName: answers.publisher, prefix: answers.prefix, optionValuePrefix: optionValuePrefix(answers.prefix) },
    app: { clientId: answers.appClientId, name: answers.appName, roles: [answers.appName] },
  };
  const role = {
    $schema: schema('roles', 'role.schema.json'),
    name: answers.appName,
    description: `Least privilege for ${answers.appName}: replace prvReadAccount with the tables the app reads and writes.`,
    privileges: STARTER_PRIVILEGES,
  };
  const roleFile = `roles/${roleFileName({ id: 'role', name: answers.appName })}`;
  const result = validateSpec(
    { format: 'json', dir: 'solution-src', solution: { file: 'solution.json', data: solution, duplicateKeys: [] }, roles: [{ file: roleFile, data: role, duplicateKeys: [] }], problems: [] },
    { strict: false, catalog: defaultCatalog() },
  );
  const problems = result.problems.filter((p) => p.severity === 'error').map((p) => asFlagProblem(p));
  return {
    files: [
      { name: 'solution.json', data: `${JSON.stringify(solution, null, 2)}\n` },
      { name: roleFile, data: `${JSON.stringify(role, null, 2)}\n` },
    ],
    problems,
  };
}

/** `publisher.prefix: "mscrm1"` is the user's `--prefix mscrm1`: say so in their words. */
function asFlagProblem(problem: Problem): Problem {
  const field = INIT_FIELDS.find((f) => f.field === problem.path) ?? (problem.path === 'name' || problem.path === 'displayName' ? INIT_FIELDS.find((f) => f.key === 'appName') : undefined);
  return field ? { ...problem, file: field.flag, path: '' } : problem;
}

/** Dataverse wants a number from 10000 to 99999 per publisher; derived from the prefix so the same answers give the same spec. */
function optionValuePrefix(prefix: string): number {
  return 10000 + (createHash('sha256').update(prefix.toLowerCase()).digest().readUInt32BE(0) % 90000);
}
