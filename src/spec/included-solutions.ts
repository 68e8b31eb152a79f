import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DvpkgError, isDvpkgError, type Problem } from '../errors.js';
import type { TableDefinition } from './components.js';
import { MAX_PACKAGE_BYTES, MAX_ZIP_ENTRIES } from './included/limits.js';
import { openZip, ZipRefused } from '../zip/read.js';
import type { ImportOptions, IncludedSolution, PackagedSolution } from './included/model.js';
import { readPdPackage } from './included/read-pd-package.js';
import { readPdProject } from './included/read-pd-project.js';
import { readSolutionFile } from './included/read-solution-zip.js';
import { displayPath } from '../util/paths.js';
import type { SourceDoc } from './source.js';

/**
 * The `solutions` list of solution.json: the ISV's own managed solutions, in import order, each a
 * managed solution zip, a Package Deployer project folder, or a built Package Deployer package
 * (`.pdpkg.zip`, or an AppSource package holding one), with per-entry import options.
 */

export type LoadedIncluded = PackagedSolution;

const ENTRY_FIELDS = new Set(['path', 'overwriteUnmanagedCustomizations', 'publishWorkflowsAndActivatePlugins']);

export function loadIncludedSolutions(doc: SourceDoc, dir: string, problems: Problem[]): LoadedIncluded[] {
  const list = (doc.data as { solutions?: unknown }).solutions;
  if (list === undefined) return [];
  const fail = (at: string, value: unknown, expected: string) => problems.push({ severity: 'error', file: doc.file, path: at, value, expected });
  if (!Array.isArray(list)) {
    fail('solutions', list, 'a list of managed solution zips, Package Deployer projects or packages, in import order');
    return [];
  }
  const loaded: LoadedIncluded[] = [];
  for (const [i, entry] of list.entries()) {
    const at = `solutions[${i}]`;
    const spec = typeof entry === 'string' ? { path: entry } : entry;
    if (spec === null || typeof spec !== 'object' || typeof (spec as { path?: unknown }).path !== 'string' || (spec as { path: string }).path === '') {
      fail(at, entry, 'a path, or { "path", "overwriteUnmanagedCustomizations"?, "publishWorkflowsAndActivatePlugins"? }');
      continue;
    }
    const options: ImportOptions = {};
    for (const [key, value] of Object.entries(spec)) {
      if (!ENTRY_FIELDS.has(key)) fail(`${at}.${key}`, value, `one of ${[...ENTRY_FIELDS].join(', ')}`);
      else if (key !== 'path' && typeof value !== 'boolean') fail(`${at}.${key}`, value, 'true or false');
      else if (key !== 'path') options[key as keyof ImportOptions] = value as boolean;
    }
    const file = path.resolve(dir, (spec as { path: string }).path);
    try {
      const source = readSolutionSource(file);
      problems.push(...source.notices);
      for (const packaged of source.solutions) loaded.push({ ...packaged, options: { ...packaged.options, ...options } });
    } catch (error) {
      if (!isDvpkgError(error)) throw error;
      if (error.code === 'DVPKG_INPUT_NOT_FOUND' && error.problems.length === 0) {
        fail(at, (spec as { path: string }).path, `a managed solution zip, a Package Deployer project folder or a .pdpkg.zip (there is nothing at ${displayPath(file)})`);
      } else if (error.problems.length > 0) problems.push(...error.problems);
      else fail(`${at}.path`, (spec as { path: string }).path, error.message);
    }
  }
  return loaded;
}

export interface SolutionSource {
  kind: 'zip' | 'project' | 'package';
  solutions: LoadedIncluded[];
  /** Said once about the source: a package's extension DLL, which dvpkg does not run. */
  notices: Problem[];
}

/** A folder is a Package Deployer project; a zip holding ImportConfig.xml (or an AppSource package.zip) a built package; any other file a solution zip. */
export function readSolutionSource(file: string): SolutionSource {
  const info = statSync(file, { throwIfNoEntry: false });
  if (!info) throw new DvpkgError('DVPKG_INPUT_NOT_FOUND', `${displayPath(file)}: there is nothing there`);
  if (info.isDirectory()) return { kind: 'project', solutions: readPdProject(file).solutions, notices: [] };
  if (info.isFile() && isPackage(file, info.size)) {
    const pd = readPdPackage(file);
    const notices: Problem[] = [...pd.warnings, ...pd.extensionAssemblies.map((dll): Problem => ({
      severity: 'warning',
      file: pd.file,
      path: dll,
      value: dll,
      expected: 'no custom code: dvpkg imports the solutions and does not run the package\'s extension code (Package Deployer would); check with its publisher that the package needs none of it',
    }))];
    return { kind: 'package', solutions: pd.solutions, notices };
  }
  return { kind: 'zip', solutions: [readSolutionFile(file)], notices: [] };
}

/** Is `src` a Package Deployer project folder or a package file, which `--src` may name directly? */
export function isPackageDeployerSource(src: string): boolean {
  const info = statSync(src, { throwIfNoEntry: false });
  if (info?.isFile()) return isPackage(src, info.size);
  if (!info?.isDirectory()) return false;
  return readdirSync(src).some((name) => name.toLowerCase().endsWith('.csproj'));
}

/** `size`: a file larger than any package dvpkg reads is not looked into; the solution reader refuses it by its size. */
function isPackage(file: string, size: number): boolean {
  if (/\.pdpkg\.zip$/i.test(file)) return true;
  if (size > MAX_PACKAGE_BYTES) return false;
  try {
    const zip = openZip(readFileSync(file), MAX_ZIP_ENTRIES);
    return zip.names.some((name) => /(^|\/)importconfig\.xml$/i.test(name) || name.toLowerCase() === 'package.zip');
  } catch (error) {
    // Not a readable zip: the solution reader names the problem.
    if (error instanceof ZipRefused) return false;
    throw error;
  }
}

/** The tables of the included solutions, for checking role privileges on them by name and ownership. */
export function includedTables(solutions: readonly IncludedSolution[]): TableDefinition[] {
  return solutions.flatMap((s) => s.tables.map((t) => (t.ownership === 'business' ? { schemaName: t.schemaName } : { schemaName: t.schemaName, ownership: t.ownership })));
}
