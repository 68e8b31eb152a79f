import { readFile } from 'node:fs/promises';
import type { Problem } from '../errors.js';
import { fileErrorReason } from '../util/file-errors.js';
import { displayPath } from '../util/paths.js';

/** A spec file's text, or a problem naming the file when it cannot be read. */
export async function readSourceText(file: string, problems: Problem[]): Promise<{ shown: string; text: string } | undefined> {
  const shown = displayPath(file);
  try {
    return { shown, text: await readFile(file, 'utf8') };
  } catch (error) {
    problems.push({ severity: 'error', file: shown, path: '', value: undefined, expected: `a readable file (${fileErrorReason(error)})` });
    return undefined;
  }
}
