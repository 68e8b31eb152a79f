import zlib from 'node:zlib';
import { crc32 } from './crc32.js';

/**
 * A zip read defensively, straight from its central directory (PKWARE APPNOTE 4.3). Nothing is
 * written to disk and nothing is inflated until asked for; each entry inflates natively with a cap on
 * its output, so a zip bomb stops at the caller's limit instead of after expanding. Names are kept as
 * stored, and one that climbs out (`../`, absolute, a drive) refuses the whole zip, because that name
 * is what another extractor would use. Inflate has one right answer, so Node's zlib is safe here;
 * writing uses pako (see write.ts).
 */

export class ZipRefused extends Error {
  constructor(
    message: string,
    /** The entry being read, for a refusal while reading one; undefined when the zip itself is refused. */
    readonly entry?: string,
  ) {
    super(message);
  }
}

export interface ZipReader {
  /** Entry names as stored, files only, in central-directory order. */
  names: string[];
  /** The entry whose name matches `name` ignoring case, or undefined. */
  find(name: string): string | undefined;
  /** One entry's bytes, refusing once more than `maxBytes` would come out. `what` names it in messages. */
  read(name: string, maxBytes: number, what: string): Buffer;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const END_MIN = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_MARKER = 0xffffffff;

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function findEnd(data: Buffer): number | undefined {
  const lowest = Math.max(0, data.length - END_MIN - MAX_COMMENT);
  for (let at = data.length - END_MIN; at >= lowest; at--) {
    if (data.readUInt32LE(at) === END_OF_DIRECTORY) return at;
  }
  return undefined;
}

function climbsOut(name: string): boolean {
  return /^(?:[\\/]|[A-Za-z]:)/.test(name) || name.split(/[\\/]/).includes('..');
}

/** Bit 11 says UTF-8; without it the name is read a byte per character, as JSZip and Dataverse's exports' ASCII names agree. */
function entryName(bytes: Buffer, flags: number): string {
  return bytes.toString(flags & 0x800 ? 'utf8' : 'latin1');
}

function climbing(name: string): ZipRefused {
  return new ZipRefused(`entry ${JSON.stringify(name)} points outside the zip (.. or an absolute path)`);
}

function readDirectory(data: Buffer, maxEntries: number): Entry[] {
  const end = findEnd(data);
  if (end === undefined) {
    // A zip starts with a local file header; one that does but has no end record was cut short.
    const startsLikeZip = data.length >= 4 && data.readUInt32LE(0) === LOCAL_HEADER;
    throw new ZipRefused(startsLikeZip ? 'not a zip file (no end-of-central-directory record; is the file cut short?)' : 'not a zip file (it does not start with a zip signature)');
  }
  const count = data.readUInt16LE(end + 10);
  // 0xFFFF is the Zip64 marker for "more than fits here", which no real solution needs.
  if (count > maxEntries) throw new ZipRefused(`it has ${count === 0xffff ? 'more than 65,534' : count} entries; the limit is ${maxEntries}`);
  if (data.readUInt16LE(end + 4) !== 0 || data.readUInt16LE(end + 6) !== 0 || data.readUInt16LE(end + 8) !== count) {
    throw new ZipRefused('not a readable zip file (it spans several disks)');
  }
  const directorySize = data.readUInt32LE(end + 12);
  let at = data.readUInt32LE(end + 16);
  if (at + directorySize > end) throw new ZipRefused('not a readable zip file (its central directory lies outside the file; is it cut short?)');
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let climbingFolder: string | undefined;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || data.readUInt32LE(at) !== CENTRAL_HEADER) throw new ZipRefused(`not a readable zip file (central directory entry ${i + 1} of ${count} is damaged)`);
    const flags = data.readUInt16LE(at + 8);
    const nameLength = data.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (next > end) throw new ZipRefused(`not a readable zip file (central directory entry ${i + 1} of ${count} is damaged)`);
    const name = entryName(data.subarray(at + 46, at + 46 + nameLength), flags);
    const entry: Entry = {
      name,
      method: data.readUInt16LE(at + 10),
      crc: data.readUInt32LE(at + 16),
      compressedSize: data.readUInt32LE(at + 20),
      size: data.readUInt32LE(at + 24),
      localOffset: data.readUInt32LE(at + 42),
    };
    at = next;
    if (name.endsWith('/')) {
      // A folder that climbs out is reported only if no file does: the file is what the user recognises.
      if (climbsOut(name)) climbingFolder ??= name;
      continue;
    }
    if (climbsOut(name)) throw climbing(name);
    if (seen.has(name)) throw new ZipRefused(`entry ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    if (flags & 0x1) throw new ZipRefused(`entry ${JSON.stringify(name)} is encrypted`);
    if (entry.compressedSize === ZIP64_MARKER || entry.size === ZIP64_MARKER || entry.localOffset === ZIP64_MARKER) {
      throw new ZipRefused(`entry ${JSON.stringify(name)} needs Zip64, which a solution file of up to 95 MB never does`);
    }
    if (entry.method !== 0 && entry.method !== 8) throw new ZipRefused(`entry ${JSON.stringify(name)} uses compression method ${entry.method}; dvpkg reads stored and Deflate entries`);
    entries.push(entry);
  }
  if (climbingFolder !== undefined) throw climbing(climbingFolder);
  return entries;
}

function inflate(data: Buffer, entry: Entry, maxBytes: number, what: string): Buffer {
  const refused = (reason: string) => new ZipRefused(`${what} ${reason}`, entry.name);
  const tooLarge = () => refused(`expands to more than ${maxBytes} bytes, the most dvpkg reads (a zip bomb?)`);
  if (entry.size > maxBytes) throw tooLarge();
  const header = entry.localOffset;
  if (header + 30 > data.length || data.readUInt32LE(header) !== LOCAL_HEADER) throw refused('cannot be read (its local header is damaged)');
  const start = header + 30 + data.readUInt16LE(header + 26) + data.readUInt16LE(header + 28);
  if (start + entry.compressedSize > data.length) throw refused('cannot be read (its data runs past the end of the zip; is it cut short?)');
  const compressed = data.subarray(start, start + entry.compressedSize);
  let out: Buffer;
  if (entry.method === 0) out = compressed;
  else {
    try {
      // The declared size can lie, so the inflater itself stops at the limit.
      out = zlib.inflateRawSync(compressed, { maxOutputLength: Math.max(1, maxBytes) });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw refused(`cannot be inflated (${String((error as Error).message).replace(/\.$/, '')})`);
    }
  }
  if (out.length > maxBytes) throw tooLarge();
  if (out.length !== entry.size || crc32(out) !== entry.crc) throw refused("is damaged (its size or checksum differs from the zip's directory)");
  return out;
}

export function openZip(data: Buffer, maxEntries: number): ZipReader {
  const entries = readDirectory(data, maxEntries);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const byLower = new Map(entries.map((entry) => [entry.name.toLowerCase(), entry.name]));
  return {
    names: entries.map((entry) => entry.name),
    find: (name) => byLower.get(name.toLowerCase()),
    read(name, maxBytes, what) {
      const entry = byName.get(name);
      if (!entry) throw new ZipRefused(`${what} is missing`, name);
      return inflate(data, entry, maxBytes, what);
    },
  };
}
