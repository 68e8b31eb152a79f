import { DvpkgError, type Problem } from '../../errors.js';
import { displayPath } from '../../util/paths.js';
import { openZip, ZipRefused, type ZipReader } from '../../zip/read.js';
import { MAX_JSON_ENTRY_BYTES, MAX_PACKAGE_BYTES, MAX_SOLUTION_BYTES, MAX_XML_ENTRY_BYTES, MAX_ZIP_ENTRIES } from './limits.js';
import type { PackagedSolution } from './model.js';
import { readImportConfig } from './read-import-config.js';
import { checkSolutionParameters, parseSolutionParameters, type SolutionParameter } from './read-solution-parameters.js';
import { readBoundedFile, readSolutionData } from './read-solution-zip.js';

/**
 * A built Package Deployer package (`*.pdpkg.zip`: the extension DLL at the root beside a data
 * folder, `PkgAssets/` by default, holding ImportConfig.xml, manifest.ppkg.json and the solution
 * zips), or an AppSource package whose `package.zip` is one (packages-research.md Q5). Everything is
 * read in memory; nothing is extracted to disk.
 */

export interface PdPackage {
  file: string;
  /** `package.zip` when `file` is an AppSource package wrapping the PD package. */
  inner?: string;
  /** The ImportConfig.xml entry, e.g. `PkgAssets/ImportConfig.xml`. */
  importConfig: string;
  /** In import order, with the options ImportConfig.xml gives each. */
  solutions: PackagedSolution[];
  /** Root `.dll` entries: the package's custom code (ImportExtension), which dvpkg does not run. */
  extensionAssemblies: string[];
  /** manifest.ppkg.json `solutionParameters`: the settings the package offers, by solution unique name. */
  solutionParameters?: Record<string, SolutionParameter[]>;
  /** What is worth saying about the package but does not stop it being read. */
  warnings: Problem[];
}

const APPSOURCE_INNER = 'package.zip';

export function readPdPackage(file: string): PdPackage {
  const shown = displayPath(file);
  const data = readBoundedFile(file, shown, MAX_PACKAGE_BYTES, 'dvpkg reads packages of up to ten solutions at the Dataverse maximum');
  const problems: Problem[] = [];
  let result: PdPackage | undefined;
  try {
    result = readPackage(data, file, shown, problems);
  } catch (error) {
    if (!(error instanceof ZipRefused)) throw error;
    problems.push({ severity: 'error', file: shown, path: '', value: undefined, expected: `a readable Package Deployer package: ${error.message}` });
  }
  if (!result || problems.some((p) => p.severity === 'error')) {
    throw new DvpkgError('DVPKG_INPUT_UNREADABLE', `${shown}: problems in the Package Deployer package`, { problems });
  }
  return result;
}

function readPackage(data: Buffer, file: string, shown: string, problems: Problem[]): PdPackage | undefined {
  let zip = openZip(data, MAX_ZIP_ENTRIES);
  let inner: string | undefined;
  let config = importConfigEntry(zip);
  const wrapped = zip.find(APPSOURCE_INNER);
  if (!config && wrapped) {
    inner = wrapped;
    zip = openZip(zip.read(wrapped, MAX_PACKAGE_BYTES, wrapped), MAX_ZIP_ENTRIES);
    config = importConfigEntry(zip);
  }
  const where = inner ? `${shown}: ${inner}` : shown;
  if (!config) {
    problems.push({ severity: 'error', file: where, path: '', value: undefined, expected: 'a Package Deployer package: a folder (PkgAssets/) with ImportConfig.xml at the zip root, or an AppSource package with package.zip' });
    return undefined;
  }
  const dataDir = config.slice(0, config.lastIndexOf('/') + 1);
  const entries = readImportConfig(zip.read(config, MAX_XML_ENTRY_BYTES, config).toString('utf8'), `${where}: ${config}`, problems) ?? [];
  const solutions: PackagedSolution[] = [];
  for (const entry of entries) {
    const name = zip.find(`${dataDir}${entry.fileName}`);
    const entryShown = `${where}: ${dataDir}${entry.fileName}`;
    if (!name) {
      problems.push({ severity: 'error', file: `${where}: ${config}`, path: 'solutions.configsolutionfile.solutionpackagefilename', value: entry.fileName, expected: `a solution zip in the package (${dataDir}${entry.fileName} is missing)` });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = zip.read(name, MAX_SOLUTION_BYTES, name);
    } catch (error) {
      if (!(error instanceof ZipRefused)) throw error;
      problems.push({ severity: 'error', file: entryShown, path: '', value: undefined, expected: `a solution zip of at most the Dataverse maximum (${error.message})` });
      continue;
    }
    const result = readSolutionData(bytes, entryShown, { path: file, entries: inner ? [inner, name] : [name] });
    if (Array.isArray(result)) problems.push(...result);
    else solutions.push({ solution: result, options: entry.options, bytes });
  }
  const solutionParameters = readSolutionParameters(zip, dataDir, where, problems);
  if (solutionParameters) problems.push(...checkSolutionParameters(solutionParameters, solutions, `${where}: ${dataDir}manifest.ppkg.json`));
  return {
    file: shown,
    ...(inner ? { inner } : {}),
    importConfig: config,
    solutions,
    extensionAssemblies: zip.names.filter((n) => !n.includes('/') && n.toLowerCase().endsWith('.dll')),
    ...(solutionParameters !== undefined ? { solutionParameters } : {}),
    warnings: problems.filter((p) => p.severity === 'warning'),
  };
}

/** The data folder is whatever the DLL's GetImportPackageDataFolderName returns, so any one top-level folder is accepted. */
function importConfigEntry(zip: ZipReader): string | undefined {
  const found = zip.names.filter((name) => /^[^/]+\/importconfig\.xml$/i.test(name));
  return found.length === 1 ? found[0] : undefined;
}

function readSolutionParameters(zip: ZipReader, dataDir: string, where: string, problems: Problem[]): Record<string, SolutionParameter[]> | undefined {
  const name = zip.find(`${dataDir}manifest.ppkg.json`);
  if (!name) return undefined;
  const text = zip.read(name, MAX_JSON_ENTRY_BYTES, name).toString('utf8').replace(/^\uFEFF/, '');
  try {
    return parseSolutionParameters((JSON.parse(text) as { solutionParameters?: unknown }).solutionParameters);
  } catch (error) {
    // The solution zips declare the settings themselves, so a damaged file is worth a warning, not a refusal.
    problems.push({ severity: 'warning', file: `${where}: ${name}`, path: '', value: undefined, expected: `JSON (${(error as Error).message}); its solutionParameters are ignored` });
    return undefined;
  }
}
