import { statSync } from 'node:fs';
import path from 'node:path';
import { countProblems, DvpkgError, isDvpkgError, type Problem } from '../errors.js';
import { normalizeGuid } from './guid.js';
import { displayPath } from '../util/paths.js';
import { defaultCatalog, type PrivilegeCatalog } from './catalog.js';
import { loadJsonSpec } from './load-json.js';
import { loadUnpackedSpec } from './load-unpacked.js';
import { solutionFileStem, type IncludedSolutionModel, type SolutionModel } from './model.js';
import { checkIncludedSolutions, type TargetRequirement } from './included/check-included.js';
import { includedTables, isPackageDeployerSource, loadIncludedSolutions, type LoadedIncluded } from './included-solutions.js';
import { loadPackageSource } from './load-package-source.js';
import type { SpecInput } from './source.js';
import type { TableDefinition } from './components.js';
import { checkSettings } from './settings.js';
import { validateSpec } from './validate.js';

export interface LoadSpecOptions {
  strict?: boolean;
  version?: string;
  app?: { clientId?: string; name?: string; adminClientId?: string };
  catalog?: PrivilegeCatalog;
  /** Build an unpacked tree's roles into a separate role solution (`--roles-only`). */
  rolesOnly?: boolean;
  /** That role solution's unique name (`--unique-name`); `<UniqueName>Roles` without it. */
  uniqueName?: string;
  /** With a Package Deployer source: the roles the application user gets (`--app-role`). */
  appRoles?: readonly string[];
}

export interface LoadedSpec {
  model: SolutionModel;
  format: SpecInput['format'] | 'package';
  warnings: Problem[];
}

function includedModel(loaded: LoadedIncluded, outside: TargetRequirement[]): IncludedSolutionModel {
  const { solution, options, bytes } = loaded;
  return {
    uniqueName: solution.uniqueName,
    displayName: solution.displayName,
    version: solution.version,
    publisher: { uniqueName: solution.publisher.uniqueName, displayName: solution.publisher.displayName },
    fileName: path.basename(solution.origin.entries.at(-1) ?? solution.origin.path),
    bytes,
    sha256: solution.sha256,
    requires: outside.filter((r) => r.requiredBy.includes(solution.uniqueName)).map((r) => ({ uniqueName: r.uniqueName, version: r.minVersion ?? '0.0.0.0' })),
    creates: solution.tables.flatMap((t) => t.privileges.map((p) => p.name)),
    tables: solution.tables.map((t) => ({ schemaName: t.schemaName, displayName: t.displayName })),
    environmentVariables: solution.environmentVariables,
    connectionReferences: solution.connectionReferences,
    ...(options.overwriteUnmanagedCustomizations !== undefined ? { overwriteUnmanagedCustomizations: options.overwriteUnmanagedCustomizations } : {}),
  };
}

/** Each solution ships under its own file name; two of the same name, or one named as dvpkg's role solution, cannot. */
function packageFileProblems(included: LoadedIncluded[], model: SolutionModel, file: string): Problem[] {
  const taken = new Map<string, string>([[`${solutionFileStem(model)}_managed.zip`.toLowerCase(), `the role solution ${model.uniqueName}`]]);
  const problems: Problem[] = [];
  included.forEach(({ solution }, i) => {
    const name = path.basename(solution.origin.entries.at(-1) ?? solution.origin.path);
    const other = taken.get(name.toLowerCase());
    if (other) problems.push({ severity: 'error', file, path: `solutions[${i}]`, value: solution.file, expected: `a solution file named unlike the others in the package (${name} is ${other} too); rename one` });
    else taken.set(name.toLowerCase(), solution.uniqueName);
  });
  return problems;
}

function exists(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false }) !== undefined;
}

/** Picks the input format by what the folder holds: our JSON spec, or an unpacked solution tree. */
export async function readSpecInput(dir: string): Promise<SpecInput> {
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info?.isDirectory()) {
    throw new DvpkgError('DVPKG_INPUT_NOT_FOUND', `--src ${displayPath(dir)}: not a folder. Expected a folder with solution.json and roles/*.json, or an unpacked solution (Other/Solution.xml).`);
  }
  if (exists(path.join(dir, 'solution.json'))) return loadJsonSpec(dir);
  if (exists(path.join(dir, 'Other', 'Solution.xml'))) return loadUnpackedSpec(dir);
  throw new DvpkgError(
    'DVPKG_INPUT_NOT_FOUND',
    `--src ${displayPath(dir)}: found neither solution.json (dvpkg JSON spec) nor Other/Solution.xml (unpacked solution).`,
  );
}

/** What a spec folder tells a command that does not build it (`dvpkg pull`). */
export interface SpecHints {
  /** The custom tables it defines or includes, whose privileges the catalog cannot know. */
  tables: TableDefinition[];
  /** `app.adminClientId`, when it is a GUID. */
  adminClientId?: string;
  /** Why the spec could not be read, when its solution.json is broken; other problems are left to `check`. */
  unread?: string;
}

export async function specHints(dir: string): Promise<SpecHints> {
  if (!exists(path.join(dir, 'solution.json')) && !exists(path.join(dir, 'Other', 'Solution.xml'))) return { tables: [] };
  try {
    const input = await readSpecInput(dir);
    const included = input.format === 'json' && input.solution ? loadIncludedSolutions(input.solution, dir, []) : [];
    const app = (input.solution?.data as { app?: { adminClientId?: unknown } } | undefined)?.app;
    const adminClientId = typeof app?.adminClientId === 'string' ? normalizeGuid(app.adminClientId) : undefined;
    // Only solution.json matters here (its tables and client id); a roles/ folder still empty is what a pull fills.
    const unreadable = input.format === 'json' && !input.solution ? input.problems.find((p) => p.severity === 'error') : undefined;
    const broken = unreadable ? { unread: `${unreadable.file}: ${unreadable.expected}` } : {};
    return { tables: [...(input.tables ?? []), ...includedTables(included.map((i) => i.solution))], ...(adminClientId ? { adminClientId } : {}), ...broken };
  } catch (error) {
    if (!isDvpkgError(error)) throw error;
    return { tables: [], unread: error.message };
  }
}

/** Reads and validates; throws DVPKG_SPEC_INVALID listing every error (and warning) at once. */
export async function loadSpec(dir: string, options: LoadSpecOptions = {}): Promise<LoadedSpec> {
  if (isPackageDeployerSource(dir)) {
    const loaded = loadPackageSource(dir, options, includedModel);
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    if (!loaded.model || errors.length > 0) {
      throw new DvpkgError('DVPKG_SPEC_INVALID', `${displayPath(dir)}: ${countProblems(loaded.problems)} in the Package Deployer source`, { problems: loaded.problems });
    }
    return { model: loaded.model, format: 'package', warnings: loaded.problems };
  }
  const input = await readSpecInput(dir);
  // The ISV's own solutions come first: the tables they define are what role privileges may name.
  const included = input.format === 'json' && input.solution ? loadIncludedSolutions(input.solution, dir, input.problems) : [];
  if (included.length > 0) input.tables = [...(input.tables ?? []), ...includedTables(included.map((i) => i.solution))];
  const result = validateSpec(input, {
    strict: options.strict ?? false,
    catalog: options.catalog ?? defaultCatalog(),
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.app !== undefined ? { app: options.app } : {}),
    ...(options.rolesOnly !== undefined ? { rolesOnly: options.rolesOnly } : {}),
    ...(options.uniqueName !== undefined ? { uniqueName: options.uniqueName } : {}),
    includedRoles: included.flatMap(({ solution }) => solution.roles.map((role) => ({ ...role, solution: solution.uniqueName }))),
  });
  if (result.model && included.length > 0) {
    const check = checkIncludedSolutions(included.map((i) => i.solution), result.model.roles);
    result.problems.push(...check.problems, ...packageFileProblems(included, result.model, input.solution?.file ?? 'solution.json'));
    result.model.included = included.map((i) => includedModel(i, check.targetRequirements));
  }
  const settings = input.format === 'json' && input.solution ? checkSettings(input.solution, included.map((i) => i.solution), result.problems, options.strict) : undefined;
  if (result.model && settings) result.model.settings = settings;
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (!result.model || errors.length > 0) {
    throw new DvpkgError('DVPKG_SPEC_INVALID', `${displayPath(dir)}: ${countProblems(result.problems)} in the solution spec`, {
      problems: result.problems,
    });
  }
  return { model: result.model, format: input.format, warnings: result.problems };
}
