import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { DvpkgError } from '../errors.js';
import { parseManifest, type Manifest } from '../package/manifest.js';

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
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(await readFile(file));
  } catch (error) {
    throw invalid(file, `not a readable zip (${(error as Error).message})`);
  }
  const names = Object.keys(zip.files);
  if (names.length > MAX_ENTRIES) throw invalid(file, `has ${names.length} entries; a deploy package has a few (the runner, the manifest, the README and its solution zips)`);
  const candidates = names.filter((n) => /^(?:[^/]+\/)?manifest\.json$/.test(n));
  if (candidates.length !== 1) throw invalid(file, 'has no manifest.json (at its root or in one top-level folder)');
  const entry = zip.file(candidates[0]!)!;
  const declared = (entry as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0;
  if (declared > MAX_MANIFEST_BYTES) throw invalid(file, `manifest.json expands to ${declared} bytes`);
  return inflateBounded(entry, file, invalid);
}

/** The declared size can lie, so what comes out of the inflater is counted too, and it stops at the limit. */
function inflateBounded(entry: JSZip.JSZipObject, file: string, invalid: Invalid): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = entry.nodeStream('nodebuffer');
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MANIFEST_BYTES) {
        stream.pause();
        reject(invalid(file, `manifest.json expands to more than ${MAX_MANIFEST_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    stream.on('error', (error: Error) => reject(invalid(file, `manifest.json cannot be read (${error.message})`)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
