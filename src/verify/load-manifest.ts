import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DvpkgError } from '../errors.js';
import { parseManifest, type Manifest } from '../package/manifest.js';
import { openZip, ZipRefused } from '../zip/read.js';

/** `--package` may name the deploy folder, the package zip, or manifest.json itself. */

const MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 100;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function invalidAs(label: string) {
  return (what: string, reason: string) => new DvpkgError('DVPKG_PACKAGE_INVALID', `${label} ${what}: ${reason}`);
}

/** `label`: how the user named the location (`--package`, or diff's `<old>` argument), for the messages. */
export async function loadManifest(location: string, label = '--package'): Promise<Manifest> {
  const invalid = invalidAs(label);
  const info = await stat(location).catch(() => undefined);
  if (!info) throw invalid(location, 'not found; expected a deploy package folder, its .zip, or its manifest.json');
  let text: string;
  if (info.isDirectory()) text = await readText(path.join(location, 'manifest.json'), location, invalid);
  else if (location.toLowerCase().endsWith('.zip')) text = await manifestFromZip(location, info.size, invalid);
  else text = await readText(location, location, invalid);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(location, `manifest.json is not valid JSON (${(error as Error).message})`);
  }
  const parsed = parseManifest(value);
  if (!parsed.manifest) throw invalid(location, `not a dvpkg manifest:\n  ${parsed.problems.join('\n  ')}`);
  return parsed.manifest;
}

type Invalid = ReturnType<typeof invalidAs>;

async function readText(file: string, shown: string, invalid: Invalid): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw invalid(shown, `${path.basename(file)} is missing`);
  if (info.size > MAX_MANIFEST_BYTES) throw invalid(shown, `${path.basename(file)} is larger than ${MAX_MANIFEST_BYTES} bytes`);
  return readFile(file, 'utf8');
}

async function manifestFromZip(file: string, size: number, invalid: Invalid): Promise<string> {
  if (size > MAX_PACKAGE_BYTES) throw invalid(file, `larger than ${MAX_PACKAGE_BYTES} bytes`);
  const data = await readFile(file);
  try {
    // Counted here rather than by the reader, to say what a deploy package holds.
    const zip = openZip(data, 0xfffe);
    if (zip.names.length > MAX_ENTRIES) throw invalid(file, `has ${zip.names.length} entries; a deploy package has a few (the runner, the manifest, the README and its solution zips)`);
    const candidates = zip.names.filter((n) => /^(?:[^/]+\/)?manifest\.json$/.test(n));
    if (candidates.length !== 1) throw invalid(file, 'has no manifest.json (at its root or in one top-level folder)');
    return zip.read(candidates[0]!, MAX_MANIFEST_BYTES, 'manifest.json').toString('utf8');
  } catch (error) {
    if (!(error instanceof ZipRefused)) throw error;
    if (error.entry !== undefined) throw invalid(file, error.message);
    throw invalid(file, `not a readable zip (${error.message.replace(/^not a (?:readable )?zip file \((.*)\)$/, '$1')})`);
  }
}
