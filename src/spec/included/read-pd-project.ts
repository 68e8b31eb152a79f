import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DvpkgError, type Problem } from '../../errors.js';
import { displayPath } from '../../util/paths.js';
import { xmlList, xmlNode } from '../../util/xml.js';
import { readSourceText } from '../read-source.js';
import { MAX_SOLUTION_BYTES, MAX_SOLUTION_REASON } from './limits.js';
import type { PackagedSolution } from './model.js';
import { readImportConfig, type ConfigSolutionFile } from './read-import-config.js';
import { readBoundedFile, readSolutionData } from './read-solution-zip.js';
import { parseXmlOrProblem, textOf } from './xml-fields.js';

/**
 * A `pac package init` project: its `.csproj` `PdSolution` items and `PkgAssets/ImportConfig.xml`.
 *
 * Which wins: at build time the PD build tasks fill ImportConfig.xml's `<solutions>` from the
 * project's items ("This section will be populated by default at build time and is populated with
 * the solutions specified in the project", the template's own comment), and items are "added after
 * existing elements" unless given a negative import order (pac package add-solution --import-order).
 * So entries already written in the template's ImportConfig.xml come first, in their order, with
 * their attributes; the `PdSolution` items follow in .csproj order, each with Package Deployer's
 * defaults; a file listed in both keeps its ImportConfig.xml place and options. `PdSolution`
 * metadata (ImportOrder and the like) is not read: its names are not documented in any source here.
 */

export interface PdProject {
  csproj: string;
  importConfig?: string;
  /** In import order. */
  solutions: PackagedSolution[];
}

export function readPdProject(dir: string): PdProject {
  const problems: Problem[] = [];
  const shownDir = displayPath(dir);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // Not a readable folder: no .csproj, which the error below names.
  }
  const projects = names.filter((name) => name.toLowerCase().endsWith('.csproj'));
  if (projects.length !== 1) {
    const found = projects.length === 0 ? undefined : projects.join(', ');
    throw new DvpkgError('DVPKG_INPUT_NOT_FOUND', `${shownDir}: not a Package Deployer project`, {
      problems: [{ severity: 'error', file: shownDir, path: '', value: found, expected: 'one .csproj file (a `pac package init` project)' }],
    });
  }
  const csprojFile = path.join(dir, projects[0]!);
  const items = readCsprojItems(csprojFile, problems);
  const configFile = path.join(dir, 'PkgAssets', 'ImportConfig.xml');
  const configSource = readSourceText(configFile, []);
  const config = configSource ? (readImportConfig(configSource.text, configSource.shown, problems) ?? []) : [];

  const ordered = importOrder(items, config, path.join(dir, 'PkgAssets'), displayPath(csprojFile), configSource?.shown ?? '');
  const solutions: PackagedSolution[] = [];
  for (const entry of ordered) {
    const shown = displayPath(entry.file);
    let data: Buffer;
    try {
      data = readBoundedFile(entry.file, shown, MAX_SOLUTION_BYTES, MAX_SOLUTION_REASON);
    } catch (error) {
      if (!(error instanceof DvpkgError)) throw error;
      const where = entry.line === undefined ? { file: entry.listedIn, path: 'solutions.configsolutionfile.solutionpackagefilename' } : { file: `${entry.listedIn}:${entry.line}`, path: 'PdSolution.Include' };
      const missing = error.code === 'DVPKG_INPUT_NOT_FOUND';
      problems.push(...error.problems.map((p) => ({ ...p, ...where, value: entry.include, expected: missing ? `an existing solution zip (there is no file at ${shown})` : `a solution zip (${shown}: ${p.expected})` })));
      continue;
    }
    const result = readSolutionData(data, shown, { path: entry.file, entries: [] });
    if (Array.isArray(result)) problems.push(...result);
    else solutions.push({ solution: result, options: entry.options, bytes: data });
  }
  if (problems.some((p) => p.severity === 'error')) {
    throw new DvpkgError('DVPKG_INPUT_UNREADABLE', `${shownDir}: problems in the Package Deployer project`, { problems });
  }
  return { csproj: displayPath(csprojFile), ...(configSource ? { importConfig: configSource.shown } : {}), solutions };
}

interface CsprojItem {
  include: string;
  file: string;
  line: number;
}

/** `Project/ItemGroup/PdSolution/@Include`, in document order, with the line each sits on. */
function readCsprojItems(file: string, problems: Problem[]): CsprojItem[] {
  const source = readSourceText(file, problems);
  if (!source) return [];
  const root = parseXmlOrProblem(source.text, source.shown, ['ItemGroup', 'PdSolution'], problems);
  if (!root) return [];
  const includes = xmlList(xmlNode(root['Project'])['ItemGroup']).flatMap((group) => xmlList(xmlNode(group)['PdSolution']).map((item) => textOf(xmlNode(item)['@_Include']) ?? ''));
  const lines = elementLines(source.text, 'PdSolution');
  const items: CsprojItem[] = [];
  includes.forEach((include, index) => {
    const line = lines[index] ?? 0;
    // MSBuild evaluates wildcards and $(Properties); dvpkg does not, so it says so instead of guessing.
    if (!include || /[*?]|\$\(|@\(|%\(/.test(include)) {
      problems.push({ severity: 'error', file: `${source.shown}:${line}`, path: 'PdSolution.Include', value: include, expected: 'the path of one solution zip, relative to the project (dvpkg does not evaluate MSBuild wildcards or properties)' });
      return;
    }
    for (const part of include.split(';').map((p) => p.trim()).filter(Boolean)) {
      items.push({ include: part, file: path.resolve(path.dirname(file), part.replace(/\\/g, '/')), line });
    }
  });
  return items;
}

/** 1-based line of each `<name` start tag outside comments, in order. */
function elementLines(text: string, name: string): number[] {
  const blanked = text.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, ' '));
  const lines: number[] = [];
  for (const match of blanked.matchAll(new RegExp(`<${name}[\\s/>]`, 'g'))) lines.push(blanked.slice(0, match.index).split('\n').length);
  return lines;
}

interface OrderedEntry {
  file: string;
  include: string;
  listedIn: string;
  line?: number;
  options: PackagedSolution['options'];
}

function importOrder(items: CsprojItem[], config: ConfigSolutionFile[], dataDir: string, csprojShown: string, configShown: string): OrderedEntry[] {
  const byFileName = new Map(items.map((item) => [path.basename(item.file).toLowerCase(), item]));
  const listed = new Set(config.map((entry) => entry.fileName.toLowerCase()));
  const fromConfig: OrderedEntry[] = config.map((entry) => {
    const item = byFileName.get(entry.fileName.toLowerCase());
    return item
      ? { file: item.file, include: item.include, listedIn: csprojShown, line: item.line, options: entry.options }
      : { file: path.join(dataDir, entry.fileName), include: entry.fileName, listedIn: configShown, options: entry.options };
  });
  const fromItems = items.filter((item) => !listed.has(path.basename(item.file).toLowerCase()));
  return [...fromConfig, ...fromItems.map((item) => ({ file: item.file, include: item.include, listedIn: csprojShown, line: item.line, options: {} }))];
}
