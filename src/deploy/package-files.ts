import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError } from '../errors.js';
import { manifestProblems, type Manifest } from '../package/manifest.js';

export interface LoadedPackage {
  dir: string;
  manifest: Manifest;
  solutionZip: Buffer;
}

/** Reads manifest.json and the solution zip beside it and checks the zip's sha256, before any network call. */
export async function loadPackage(dir: string): Promise<LoadedPackage> {
  const manifestPath = path.join(dir, 'manifest.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    throw new DvpkgError('DVPKG_PACKAGE_INVALID', `${manifestPath}: ${reason}; the package is incomplete or damaged`);
  }
  const problems = manifestProblems(manifest);
  if (problems.length > 0) {
    throw new DvpkgError('DVPKG_PACKAGE_INVALID', `${manifestPath}: not a dvpkg manifest this runner understands:\n  ${problems.join('\n  ')}`);
  }
  const valid = manifest as Manifest;
  const zipPath = path.join(dir, valid.solution.file);
  let solutionZip: Buffer;
  try {
    solutionZip = await readFile(zipPath);
  } catch (error) {
    throw new DvpkgError('DVPKG_INTEGRITY_FAILED', `${zipPath}: missing (${(error as NodeJS.ErrnoException).code ?? 'error'}); the package is incomplete`);
  }
  const actual = createHash('sha256').update(solutionZip).digest('hex');
  if (actual !== valid.solution.sha256) {
    throw new DvpkgError(
      'DVPKG_INTEGRITY_FAILED',
      `${valid.solution.file}: sha256 is ${actual}, but manifest.json says ${valid.solution.sha256}. The package was changed after it was built; get a fresh copy from the publisher.`,
    );
  }
  return { dir, manifest: valid, solutionZip };
}
