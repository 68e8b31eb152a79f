import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError } from '../errors.js';
import { manifestProblems, type Manifest } from '../package/manifest.js';
import { isStamped, unstampRunner } from '../package/stamp.js';
import { sha256Hex } from '../util/hash.js';

export interface LoadedPackage {
  dir: string;
  manifest: Manifest;
  solutionZip: Buffer;
}

const tampered = (file: string, actual: string, expected: string) =>
  new DvpkgError(
    'DVPKG_INTEGRITY_FAILED',
    `${file}: sha256 is ${actual}, but the package says ${expected}. The package was changed after it was built; get a fresh copy from the publisher.`,
  );

async function read(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new DvpkgError('DVPKG_INTEGRITY_FAILED', `${what}: missing (${(error as NodeJS.ErrnoException).code ?? 'error'}); the package is incomplete`);
  }
}

/**
 * Checks every file of the package against the hashes built into it, before any network call:
 * manifest.json against the hash stamped into deploy.mjs, then the solution zip, README.md and
 * deploy.mjs itself against manifest.json.
 */
export async function loadPackage(dir: string, runner: { path: string; manifestStamp: string }): Promise<LoadedPackage> {
  if (!isStamped(runner.manifestStamp)) {
    throw new DvpkgError('DVPKG_INTEGRITY_FAILED', 'this deploy.mjs is not part of a built package (no manifest hash in it); run the deploy.mjs that dvpkg build wrote');
  }
  const manifestBytes = await read(path.join(dir, 'manifest.json'), 'manifest.json');
  const manifestHash = sha256Hex(manifestBytes);
  if (manifestHash !== runner.manifestStamp) throw tampered('manifest.json', manifestHash, runner.manifestStamp);
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new DvpkgError('DVPKG_PACKAGE_INVALID', `manifest.json: not valid JSON (${(error as Error).message})`);
  }
  const problems = manifestProblems(manifest);
  if (problems.length > 0) throw new DvpkgError('DVPKG_PACKAGE_INVALID', `manifest.json: not a manifest this runner understands:\n  ${problems.join('\n  ')}`);
  const valid = manifest as Manifest;

  const solutionZip = await read(path.join(dir, valid.solution.file), valid.solution.file);
  const zipHash = sha256Hex(solutionZip);
  if (zipHash !== valid.solution.sha256) throw tampered(valid.solution.file, zipHash, valid.solution.sha256);
  const readmeHash = sha256Hex(await read(path.join(dir, 'README.md'), 'README.md'));
  if (readmeHash !== valid.integrity.readmeSha256) throw tampered('README.md', readmeHash, valid.integrity.readmeSha256);
  const runnerHash = sha256Hex(unstampRunner(await read(runner.path, 'deploy.mjs'), runner.manifestStamp));
  if (runnerHash !== valid.integrity.runnerSha256) throw tampered('deploy.mjs', runnerHash, valid.integrity.runnerSha256);
  return { dir, manifest: valid, solutionZip };
}
