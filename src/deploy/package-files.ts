import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError } from '../errors.js';
import { parseManifest, type Manifest } from '../package/manifest.js';
import { isStamped, unstampRunner } from '../package/stamp.js';
import { sha256Hex } from '../util/hash.js';
import { fileErrorReason } from '../util/file-errors.js';

export interface LoadedPackage {
  dir: string;
  manifest: Manifest;
  /** Each solution's zip by its file name, checked against the manifest. */
  zips: Map<string, Buffer>;
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
    throw new DvpkgError('DVPKG_INTEGRITY_FAILED', `${what}: missing (${fileErrorReason(error)}); the package is incomplete`);
  }
}

/**
 * Checks every file of the package against the hashes built into it, before any network call:
 * manifest.json against the hash stamped into deploy.mjs, then every solution zip, README.md,
 * README.html (when the manifest lists it) and deploy.mjs itself against manifest.json.
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
  const parsed = parseManifest(manifest);
  if (!parsed.manifest) throw new DvpkgError('DVPKG_PACKAGE_INVALID', `manifest.json: not a manifest this runner understands:\n  ${parsed.problems.join('\n  ')}`);
  const valid = parsed.manifest;

  const zips = new Map<string, Buffer>();
  for (const solution of valid.solutions) {
    const zip = await read(path.join(dir, solution.file), solution.file);
    const zipHash = sha256Hex(zip);
    if (zipHash !== solution.sha256) throw tampered(solution.file, zipHash, solution.sha256);
    zips.set(solution.file, zip);
  }
  const readmeHash = sha256Hex(await read(path.join(dir, 'README.md'), 'README.md'));
  if (readmeHash !== valid.integrity.readmeSha256) throw tampered('README.md', readmeHash, valid.integrity.readmeSha256);
  const readmeHtmlSha256 = valid.integrity.readmeHtmlSha256;
  if (readmeHtmlSha256 !== undefined) {
    const htmlHash = sha256Hex(await read(path.join(dir, 'README.html'), 'README.html'));
    if (htmlHash !== readmeHtmlSha256) throw tampered('README.html', htmlHash, readmeHtmlSha256);
  }
  const runnerHash = sha256Hex(unstampRunner(await read(runner.path, 'deploy.mjs'), runner.manifestStamp));
  if (runnerHash !== valid.integrity.runnerSha256) throw tampered('deploy.mjs', runnerHash, valid.integrity.runnerSha256);
  return { dir, manifest: valid, zips };
}
