import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DvpkgError } from '../errors.js';
import { createZip } from '../zip/write.js';
import { sha256Hex } from '../util/hash.js';
import { solutionFileStem, type SolutionModel } from '../spec/model.js';
import { writeDirAtomic, writeFileAtomic } from '../runtime/atomic-write.js';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { createManifest, type Manifest, type ManifestSolution } from './manifest.js';
import { renderAdminReadme } from './readme.js';
import { renderAdminReadmeHtml } from './readme-html.js';
import { stampRunner } from './stamp.js';

/** Where `npm run build` leaves the bundled runner; `dvpkg build` only copies it. */
export const RUNNER_PATH = path.join(PACKAGE_ROOT, 'dist', 'runner', 'deploy.mjs');

export interface PackageResult {
  dir: string;
  zip: string;
  sha256: string;
  manifest: Manifest;
}

export function readRunner(): Buffer {
  try {
    // Read whole at once: 750 KB in one call, not a thread-pool round trip per chunk.
    return readFileSync(RUNNER_PATH);
  } catch {
    throw new DvpkgError('DVPKG_INTERNAL', `the deploy runner is missing at ${RUNNER_PATH}; run "npm run build" in the dvpkg checkout`);
  }
}

export interface PreparedPackage {
  stem: string;
  manifest: Manifest;
  files: Array<{ name: string; data: Buffer; mode?: number }>;
  zipBytes: Buffer;
}

/** Everything the package holds, in memory, so a build writes nothing until all of it is ready. */
export async function prepareDeployPackage(options: {
  model: SolutionModel & { app: NonNullable<SolutionModel['app']> };
  /** Every solution the package imports, in import order, with its zip. */
  solutions: Array<{ entry: ManifestSolution; bytes: Buffer }>;
  templatesDir: string;
  dvpkgVersion: string;
}): Promise<PreparedPackage> {
  const stem = `${solutionFileStem(options.model)}_deploy`;
  const draft = createManifest(options.model, options.solutions.map((s) => s.entry), options.dvpkgVersion);
  const readme = Buffer.from(await renderAdminReadme(draft, options.templatesDir, `${stem}.zip`));
  const readmeHtml = Buffer.from(renderAdminReadmeHtml(draft));
  const runner = readRunner();
  const manifest: Manifest = { ...draft, integrity: { readmeSha256: sha256Hex(readme), readmeHtmlSha256: sha256Hex(readmeHtml), runnerSha256: sha256Hex(runner) } };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const files = [
    { name: 'deploy.mjs', data: stampRunner(runner, sha256Hex(manifestBytes)), mode: 0o755 },
    ...options.solutions.map((s) => ({ name: s.entry.file, data: s.bytes })),
    { name: 'manifest.json', data: manifestBytes },
    { name: 'README.md', data: readme },
    { name: 'README.html', data: readmeHtml },
  ];
  // Solution zips are compressed already, and deflating the 750 KB runner in pure JS would
  // double a build's time: they are stored as they are.
  const stored = new Set(['deploy.mjs', ...options.solutions.map((s) => s.entry.file)]);
  const zipBytes = await createZip(files.map((f) => ({ name: `${stem}/${f.name}`, data: f.data, store: stored.has(f.name) })));
  return { stem, manifest, files, zipBytes };
}

/** Writes `<stem>_deploy/` and `<stem>_deploy.zip`, each staged and renamed into place. */
export function writeDeployPackage(prepared: PreparedPackage, out: string): PackageResult {
  const dir = path.join(out, prepared.stem);
  const zip = path.join(out, `${prepared.stem}.zip`);
  writeDirAtomic(dir, prepared.files);
  writeFileAtomic(zip, prepared.zipBytes);
  return { dir, zip, sha256: sha256Hex(prepared.zipBytes), manifest: prepared.manifest };
}
