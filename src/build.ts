import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { loadSpec, type LoadSpecOptions } from './spec/index.js';
import type { IncludedSolutionModel, SolutionModel } from './spec/model.js';
import { solutionFileStem } from './spec/model.js';
import { renderWithTemplatesDir, SOLUTION_FILES } from './render/solution.js';
import { createZip } from './zip/write.js';
import { sha256Hex } from './util/hash.js';
import { prepareDeployPackage, writeDeployPackage, type PackageResult } from './package/write.js';
import type { ManifestSolution } from './package/manifest.js';
import { writeFileAtomic } from './runtime/atomic-write.js';
import { DEFAULT_TEMPLATES_DIR } from './util/package-root.js';
import { DVPKG_VERSION } from './version.js';
import { DvpkgError, type Problem } from './errors.js';
import { displayPath } from './util/paths.js';

export interface BuildOptions extends LoadSpecOptions {
  src: string;
  out: string;
  templates?: string;
  /** Skip the deploy package (solution zip only). */
  solutionOnly?: boolean;
  /** A spec without an app is an error, before anything is written (the CLI: a build always writes a package). */
  requireApp?: boolean;
}

export interface BuildResult {
  model: SolutionModel;
  warnings: Problem[];
  /** The role solution dvpkg built; absent for a Package Deployer source, whose roles ship in its own solutions. */
  solution?: { uniqueName: string; version: string; zip: string; fileName: string; sha256: string; bytes: Buffer };
  /** Absent when the spec names no app (an unpacked tree without --client-id) or with solutionOnly. */
  package?: PackageResult;
}

export function managedZipName(model: SolutionModel): string {
  return `${solutionFileStem(model)}_managed.zip`;
}

/** spec → render → pack → package. Nothing is written unless every step succeeded. */
export async function buildSolution(options: BuildOptions): Promise<BuildResult> {
  const { model, warnings } = await loadSpec(options.src, options);
  if (options.requireApp && !options.solutionOnly && !model.app) {
    throw new DvpkgError('DVPKG_SPEC_INVALID', 'no deploy package can be built: the spec names no ISV app; nothing was written', {
      problems: [
        { severity: 'error', file: '--client-id', path: '', value: undefined, expected: 'the ISV app registration (client) id, with --app-name: an unpacked solution names no app, and without one there is no application user to create' },
        ...warnings,
      ],
    });
  }
  const templatesDir = options.templates ?? DEFAULT_TEMPLATES_DIR;
  // A Package Deployer source ships its roles inside its own solutions: nothing to build for them.
  const built = model.rolesFrom === 'included' ? undefined : await buildRoleSolution(model, templatesDir, options.out);
  const app = model.app;
  const prepared =
    app && !options.solutionOnly
      ? await prepareDeployPackage({
          model: { ...model, app },
          solutions: [...(model.included ?? []).map((s) => ({ entry: includedSolution(s), bytes: s.bytes })), ...(built ? [{ entry: builtSolution(model, built.fileName, built.sha256), bytes: built.bytes }] : [])],
          templatesDir: await templatesForPackage(options.templates),
          dvpkgVersion: DVPKG_VERSION,
        })
      : undefined;
  checkOutputs(options.out, [...(built ? [built.zip] : []), ...(prepared ? [path.join(options.out, `${prepared.stem}.zip`)] : [])], prepared ? [path.join(options.out, prepared.stem)] : []);
  let pkg: PackageResult | undefined;
  try {
    if (built) writeFileAtomic(built.zip, built.bytes);
    pkg = prepared ? writeDeployPackage(prepared, options.out) : undefined;
  } catch (error) {
    throw outputError(options.out, error);
  }
  return { model, warnings, ...(built ? { solution: built } : {}), ...(pkg ? { package: pkg } : {}) };
}

async function buildRoleSolution(model: SolutionModel, templatesDir: string, out: string): Promise<NonNullable<BuildResult['solution']>> {
  // Roles that ship inside one of the ISV's own solutions are not built again.
  const files = await renderWithTemplatesDir({ ...model, roles: model.roles.filter((r) => r.solution === undefined) }, templatesDir);
  const bytes = await createZip(SOLUTION_FILES.map((name) => ({ name, data: files[name] })));
  const fileName = managedZipName(model);
  return { uniqueName: model.uniqueName, version: model.version, zip: path.join(out, fileName), fileName, sha256: sha256Hex(bytes), bytes };
}

/** One of the ISV's own solutions, as the manifest lists it. */
function includedSolution(s: IncludedSolutionModel): ManifestSolution {
  return {
    uniqueName: s.uniqueName,
    displayName: s.displayName,
    version: s.version,
    file: s.fileName,
    sha256: s.sha256,
    publisher: s.publisher,
    source: 'included',
    requires: s.requires,
    creates: s.creates,
    tables: s.tables,
    ...(s.environmentVariables.length > 0 ? { environmentVariables: s.environmentVariables } : {}),
    ...(s.connectionReferences.length > 0 ? { connectionReferences: s.connectionReferences } : {}),
    ...(s.overwriteUnmanagedCustomizations !== undefined ? { overwriteUnmanagedCustomizations: s.overwriteUnmanagedCustomizations } : {}),
  };
}

/** The role solution dvpkg built, as the manifest lists it. */
function builtSolution(model: SolutionModel, file: string, sha256: string): ManifestSolution {
  return {
    uniqueName: model.uniqueName,
    displayName: model.displayName,
    version: model.version,
    file,
    sha256,
    publisher: { uniqueName: model.publisher.uniqueName, displayName: model.publisher.displayName },
    source: 'built',
    requires: [],
    creates: [],
  };
}

/**
 * Every output path is checked before the first write, so a folder where a zip goes (or a file
 * where the package folder goes) fails the build with nothing written rather than half of it.
 */
function checkOutputs(out: string, files: string[], dirs: string[]): void {
  const kind = (target: string) => {
    const info = statSync(target, { throwIfNoEntry: false });
    return info ? (info.isDirectory() ? 'folder' : 'file') : undefined;
  };
  if (kind(out) === 'file') throw new DvpkgError('DVPKG_USAGE', `--out ${displayPath(out)}: not a folder (a file is in the way)`);
  for (const file of files) {
    if (kind(file) === 'folder') throw new DvpkgError('DVPKG_USAGE', `--out ${displayPath(out)}: a folder is in the way of ${path.basename(file)}; move it`);
  }
  for (const dir of dirs) {
    if (kind(dir) === 'file') throw new DvpkgError('DVPKG_USAGE', `--out ${displayPath(out)}: a file is in the way of ${path.basename(dir)}/; move it`);
  }
}

/** The output folder is the user's input too: a file in its place or no permission is a usage error, not a bug. */
function outputError(out: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST' || code === 'ENOTDIR') return new DvpkgError('DVPKG_USAGE', `--out ${displayPath(out)}: not a folder (a file is in the way)`);
  if (code === 'EISDIR') {
    // From the rename into place: `dest` is the file the build writes.
    const target = (error as { dest?: string }).dest ?? (error as NodeJS.ErrnoException).path ?? out;
    return new DvpkgError('DVPKG_USAGE', `--out ${displayPath(out)}: a folder is in the way of ${path.basename(target)}; move it`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC') return new DvpkgError('DVPKG_USAGE', `--out ${displayPath(out)}: cannot write there (${code})`);
  return error;
}

/** A --templates folder may override only the solution files; the admin README then comes from ours. */
async function templatesForPackage(custom: string | undefined): Promise<string> {
  if (custom === undefined) return DEFAULT_TEMPLATES_DIR;
  const hasReadme = await stat(path.join(custom, 'README.md.hbs')).then(
    () => true,
    () => false,
  );
  return hasReadme ? custom : DEFAULT_TEMPLATES_DIR;
}
