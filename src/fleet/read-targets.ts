import { readFile } from 'node:fs/promises';
import type { Cloud } from '../auth/clouds.js';
import { usageError } from '../errors.js';
import { fileErrorReason } from '../util/file-errors.js';
import { parseTargets, type FleetTarget } from './targets.js';

/** `--orgs <file>` read and parsed, for the runner and `dvpkg verify` alike. */
export async function readTargets(file: string, cloud: Cloud): Promise<FleetTarget[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`--orgs ${file}: cannot read it (${fileErrorReason(error)})`);
  }
  return parseTargets(`--orgs ${file}`, text, cloud);
}
