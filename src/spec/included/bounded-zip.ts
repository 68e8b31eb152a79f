import JSZip from 'jszip';
import { MAX_ZIP_ENTRIES } from './limits.js';

/**
 * A zip opened defensively. Nothing is written to disk; entries are inflated one at a time, only on
 * request, and counted while they inflate so a zip bomb stops at the caller's limit instead of after
 * expanding. The entry count is read from the end-of-central-directory record before JSZip parses
 * anything, and names that climb out (`../`, absolute, a drive) refuse the whole zip, because JSZip
 * resolves `../` away and the name as stored is what another extractor would use.
 */

export class ZipRefused extends Error {}

export interface BoundedZip {
  /** Entry names as stored, files only. */
  names: string[];
  /** The entry whose name matches `name` ignoring case, or undefined. */
  find(name: string): string | undefined;
  /** Inflates one entry, refusing once more than `maxBytes` came out (or its header already says so). */
  read(name: string, maxBytes: number, what: string): Promise<Buffer>;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_MIN = 22;
const EOCD_MAX_COMMENT = 0xffff;

/** Entry count from the end-of-central-directory record (PKWARE APPNOTE 4.3.16), or undefined when there is none. */
function declaredEntryCount(data: Buffer): number | undefined {
  const lowest = Math.max(0, data.length - EOCD_MIN - EOCD_MAX_COMMENT);
  for (let at = data.length - EOCD_MIN; at >= lowest; at--) {
    if (data.readUInt32LE(at) === EOCD_SIGNATURE) return data.readUInt16LE(at + 10);
  }
  return undefined;
}

function climbsOut(name: string): boolean {
  return /^(?:[\\/]|[A-Za-z]:)/.test(name) || name.split(/[\\/]/).includes('..');
}

export async function openBoundedZip(data: Buffer, maxEntries = MAX_ZIP_ENTRIES): Promise<BoundedZip> {
  const count = declaredEntryCount(data);
  if (count === undefined) {
    // A zip starts with a local file header (PK\x03\x04); one that does but has no end record was cut short.
    const startsLikeZip = data.length >= 4 && data.readUInt32LE(0) === 0x04034b50;
    throw new ZipRefused(startsLikeZip ? 'not a zip file (no end-of-central-directory record; is the file cut short?)' : 'not a zip file (it does not start with a zip signature)');
  }
  // 0xFFFF is the Zip64 marker for "more than fits here", which no real solution needs.
  if (count > maxEntries) throw new ZipRefused(`it has ${count === 0xffff ? 'more than 65,534' : count} entries; the limit is ${maxEntries}`);
  let zip: JSZip;
  try {
    // No checkCRC32: it would inflate every entry up front, bombs included.
    zip = await JSZip.loadAsync(data);
  } catch (error) {
    throw new ZipRefused(`not a readable zip file (${(error as Error).message})`);
  }
  const files = Object.values(zip.files).filter((file) => !file.dir);
  const unsafe = files.find((file) => climbsOut(file.unsafeOriginalName ?? file.name));
  if (unsafe) throw new ZipRefused(`entry ${JSON.stringify(unsafe.unsafeOriginalName ?? unsafe.name)} points outside the zip (.. or an absolute path)`);
  const byName = new Map(files.map((file) => [file.name, file]));
  const byLower = new Map(files.map((file) => [file.name.toLowerCase(), file.name]));
  return {
    names: files.map((file) => file.name),
    find: (name) => byLower.get(name.toLowerCase()),
    read(name, maxBytes, what) {
      const file = byName.get(name);
      if (!file) return Promise.reject(new ZipRefused(`${what} is missing`));
      return inflate(file, maxBytes, what);
    },
  };
}

/** JSZip keeps the central directory's sizes in a private field; a lie there is caught by counting. */
function declaredSize(file: JSZip.JSZipObject): number | undefined {
  const size = (file as unknown as { _data?: { uncompressedSize?: unknown } })._data?.uncompressedSize;
  return typeof size === 'number' ? size : undefined;
}

function inflate(file: JSZip.JSZipObject, maxBytes: number, what: string): Promise<Buffer> {
  const tooLarge = () => new ZipRefused(`${what} expands to more than ${maxBytes} bytes, the most dvpkg reads (a zip bomb?)`);
  const declared = declaredSize(file);
  if (declared !== undefined && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let stopped = false;
    const stream = file.nodeStream('nodebuffer');
    const stop = (error: Error) => {
      stopped = true;
      // Pausing the stream pauses JSZip's worker, so nothing more is inflated.
      stream.pause();
      reject(error);
    };
    stream.on('data', (chunk: Buffer) => {
      if (stopped) return;
      total += chunk.length;
      if (total > maxBytes) stop(tooLarge());
      else chunks.push(chunk);
    });
    stream.on('error', (error: Error) => {
      if (!stopped) stop(new ZipRefused(`${what} cannot be inflated (${error.message})`));
    });
    stream.on('end', () => {
      if (!stopped) resolve(Buffer.concat(chunks, total));
    });
  });
}
