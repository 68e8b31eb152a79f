import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from '../errors.js';
import { JsonSyntaxError, parseJsonWithDuplicates } from '../util/json-source.js';
import type { SourceDoc, SpecInput } from './source.js';
import { readSourceText } from './read-source.js';
import { displayPath } from '../util/paths.js';

/** Reads `solution.json` and `roles/*.json` (in file-name order, so output order is stable). */
export function loadJsonSpec(dir: string): SpecInput {
  const problems: Problem[] = [];
  const solution = readJsonDoc(path.join(dir, 'solution.json'), problems);
  const rolesDir = path.join(dir, 'roles');
  let names: string[] = [];
  try {
    names = readdirSync(rolesDir);
  } catch {
    // No roles/ folder: validation says whether the spec needed one.
  }
  const roles: SourceDoc[] = [];
  for (const name of names.filter((n) => n.toLowerCase().endsWith('.json')).sort()) {
    const doc = readJsonDoc(path.join(rolesDir, name), problems);
    if (doc) roles.push(doc);
  }
  // With included solutions, app.roles may name roles they ship instead: validation decides.
  const includes = typeof solution?.data === 'object' && solution.data !== null && 'solutions' in solution.data;
  if (names.length === 0 && !includes) {
    problems.push({
      severity: 'error',
      file: displayPath(rolesDir),
      path: '',
      value: undefined,
      expected: 'a roles/ folder with at least one role file (*.json)',
    });
  }
  return { format: 'json', dir, solution, roles, problems };
}

function readJsonDoc(file: string, problems: Problem[]): SourceDoc | undefined {
  const source = readSourceText(file, problems);
  if (!source) return undefined;
  const { shown, text } = source;
  try {
    const parsed = parseJsonWithDuplicates(text);
    return { file: shown, data: parsed.value, duplicateKeys: parsed.duplicateKeys };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    problems.push({
      severity: 'error',
      file: `${shown}:${error.line}:${error.column}`,
      path: '',
      value: undefined,
      expected: `valid JSON (${error.message})`,
    });
    return undefined;
  }
}
