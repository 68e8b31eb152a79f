import { readFileSync } from 'node:fs';
import type { Problem } from '../errors.js';
import { fileErrorReason } from '../util/file-errors.js';
import { displayPath } from '../util/paths.js';

/** A spec file's text, or a problem naming the file when it cannot be read. */
export function readSourceText(file: string, problems: Problem[]): { shown: string; text: string } | undefined {
  const shown = displayPath(file);
  try {
    // Synchronous, as the other reads of a spec: nothing runs beside them (runtime/atomic-write.ts says why).
    return { shown, text: readFileSync(file, 'utf8') };
  } catch (error) {
    problems.push({ severity: 'error', file: shown, path: '', value: undefined, expected: `a readable file (${fileErrorReason(error)})` });
    return undefined;
  }
}
