import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError, type Problem } from '../errors.js';
import { displayPath } from '../util/paths.js';
import { defaultCatalog, type PrivilegeCatalog } from './catalog.js';
import { loadJsonSpec } from './load-json.js';
import { loadUnpackedSpec } from './load-unpacked.js';
import type { SolutionModel } from './model.js';
import type { SpecInput } from './source.js';
import { validateSpec } from './validate.js';

export interface LoadSpecOptions {
  strict?: boolean;
  version?: string;
  app?: { clientId?: string; name?: string };
  catalog?: PrivilegeCatalog;
  /** Build an unpacked tree's roles into a separate role solution (`--roles-only`). */
  rolesOnly?: boolean;
  /** That role solution's unique name (`--unique-name`); `<UniqueName>Roles` without it. */
  uniqueName?: string;
}

export interface LoadedSpec {
  model: SolutionModel;
  format: SpecInput['format'];
  warnings: Problem[];
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Picks the input format by what the folder holds: our JSON spec, or an unpacked solution tree. */
export async function readSpecInput(dir: string): Promise<SpecInput> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new DvpkgError('DVPKG_INPUT_NOT_FOUND', `--src ${displayPath(dir)}: not a folder. Expected a folder with solution.json and roles/*.json, or an unpacked solution (Other/Solution.xml).`);
  }
  if (await exists(path.join(dir, 'solution.json'))) return loadJsonSpec(dir);
  if (await exists(path.join(dir, 'Other', 'Solution.xml'))) return loadUnpackedSpec(dir);
  throw new DvpkgError(
    'DVPKG_INPUT_NOT_FOUND',
    `--src ${displayPath(dir)}: found neither solution.json (dvpkg JSON spec) nor Other/Solution.xml (unpacked solution).`,
  );
}

/** Reads and validates; throws DVPKG_SPEC_INVALID listing every error (and warning) at once. */
export async function loadSpec(dir: string, options: LoadSpecOptions = {}): Promise<LoadedSpec> {
  const input = await readSpecInput(dir);
  const result = validateSpec(input, {
    strict: options.strict ?? false,
    catalog: options.catalog ?? defaultCatalog(),
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.app !== undefined ? { app: options.app } : {}),
    ...(options.rolesOnly !== undefined ? { rolesOnly: options.rolesOnly } : {}),
    ...(options.uniqueName !== undefined ? { uniqueName: options.uniqueName } : {}),
  });
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (!result.model || errors.length > 0) {
    const count = errors.length;
    throw new DvpkgError('DVPKG_SPEC_INVALID', `${displayPath(dir)}: ${count} problem${count === 1 ? '' : 's'} in the solution spec`, {
      problems: result.problems,
    });
  }
  return { model: result.model, format: input.format, warnings: result.problems };
}
