import { crc32 } from './crc32.js';

/**
 * Writes a zip in the shape Dataverse exports: files only (no folder entries), forward slashes, one
 * fixed date, Deflate unless an entry asks to be stored. The layout is JSZip's (version 1.0 needed,
 * DOS, no data descriptors). Deflate is pako's, not Node's: Node's zlib is Chromium's fork, whose
 * output can differ between CPUs and Node releases, and a package must be byte-identical wherever it
 * is built. An entry under 64 KB is written as one Deflate stored block (RFC 1951, 3.2.4): still
 * method 8, as Dataverse's exports are, without loading and warming pako for a few KB of XML.
 */

/**
 * A fixed timestamp for every entry (DOS time has no zone and 2-second steps), so the
 * same input always gives the same bytes. 2000-01-01 is well inside DOS date range.
 */
export const FIXED_ZIP_DATE = new Date(Date.UTC(2000, 0, 1, 0, 0, 0));

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Stored without compression: for entries whose deflate costs more time than the bytes are worth. */
  store?: boolean;
}

const STORED_BLOCK_MAX = 0xffff;

/**
 * zlib's fastest level. On the generated XML, Markdown and HTML a build writes it gives 10-35% more
 * bytes than level 6 in about a third of the time (a 4.6 MB README.html: 82 KB at level 6 in 111 ms,
 * 112 KB at level 1 in 38 ms, pure JS, cold), and those files are a small part of a package.
 */
const DEFLATE_LEVEL = 1;

/** A Deflate stream of one final stored block: BFINAL=1, BTYPE=00, then LEN and its ones' complement. */
function storedDeflate(data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0x01;
  head.writeUInt16LE(data.length, 1);
  head.writeUInt16LE(~data.length & 0xffff, 3);
  return Buffer.concat([head, data]);
}

async function deflate(data: Buffer): Promise<Buffer> {
  if (data.length <= STORED_BLOCK_MAX) return storedDeflate(data);
  // Imported here so a build with no large entry never loads it.
  const { deflateRaw } = await import('pako');
  return Buffer.from(deflateRaw(data, { level: DEFLATE_LEVEL }));
}

const DOS_TIME = (FIXED_ZIP_DATE.getUTCHours() << 11) | (FIXED_ZIP_DATE.getUTCMinutes() << 5) | (FIXED_ZIP_DATE.getUTCSeconds() / 2);
const DOS_DATE = ((FIXED_ZIP_DATE.getUTCFullYear() - 1980) << 9) | ((FIXED_ZIP_DATE.getUTCMonth() + 1) << 5) | FIXED_ZIP_DATE.getUTCDate();

/** The 26 bytes a local header and its central-directory record share (APPNOTE 4.3.7, from "version needed"). */
function sharedHeader(flags: number, method: number, crc: number, compressedSize: number, size: number, nameLength: number): Buffer {
  const header = Buffer.alloc(26);
  header.writeUInt16LE(10, 0);
  header.writeUInt16LE(flags, 2);
  header.writeUInt16LE(method, 4);
  header.writeUInt16LE(DOS_TIME, 6);
  header.writeUInt16LE(DOS_DATE, 8);
  header.writeUInt32LE(crc, 10);
  header.writeUInt32LE(compressedSize, 14);
  header.writeUInt32LE(size, 18);
  header.writeUInt16LE(nameLength, 22);
  return header;
}

function signature(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value, 0);
  return bytes;
}

export async function createZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name.replace(/\\/g, '/'), 'utf8');
    // Bit 11: the name is UTF-8, set only when it is not plain ASCII.
    const flags = name.length === entry.name.length ? 0 : 0x800;
    const method = entry.store ? 0 : 8;
    const body = entry.store ? entry.data : await deflate(entry.data);
    const shared = sharedHeader(flags, method, crc32(entry.data), body.length, entry.data.length, name.length);
    parts.push(signature(0x04034b50), shared, name, body);
    const record = Buffer.alloc(46 - 4 - 2 - 26);
    // After the shared part: comment length, disk number, internal and external attributes (all 0), then the offset.
    record.writeUInt32LE(offset, 10);
    directory.push(signature(0x02014b50), Buffer.from([0x14, 0x00]), shared, record, name);
    offset += 4 + shared.length + name.length + body.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directoryBytes, end]);
}
