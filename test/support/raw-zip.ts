import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One entry of a hand-written zip: its bytes, or a bomb of `bombMiB` MiB of zeros; the headers may lie about its size. */
export interface RawEntry {
  name: string;
  data?: Buffer | string;
  /** MiB of zeros, deflated as 1 MiB blocks repeated, so nothing that large is ever in memory here. */
  bombMiB?: number;
  /** The uncompressed size the headers claim; the real one unless a test wants them to lie. */
  claimedSize?: number;
}

/**
 * A Deflate zip written with node:zlib (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.16), for what JSZip will
 * not write: a bomb built in milliseconds and headers that lie about sizes.
 */
export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const { compressed, size, crc } = deflated(entry);
    const name = Buffer.from(entry.name, 'utf8');
    const sizes = (header: Buffer, at: number) => {
      header.writeUInt32LE(crc >>> 0, at);
      header.writeUInt32LE(compressed.length, at + 4);
      header.writeUInt32LE((entry.claimedSize ?? size) >>> 0, at + 8);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    sizes(local, 14);
    local.writeUInt16LE(name.length, 26);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(8, 10);
    sizes(record, 16);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(offset, 42);
    parts.push(local, name, compressed);
    central.push(record, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

function deflated(entry: RawEntry): { compressed: Buffer; size: number; crc: number } {
  if (entry.bombMiB === undefined) {
    const data = Buffer.from(entry.data ?? '');
    return { compressed: deflateRawSync(data, { level: 9 }), size: data.length, crc: crc32(data) };
  }
  const mib = Buffer.alloc(1024 * 1024);
  const block = deflateRawSync(mib, { finishFlush: constants.Z_FULL_FLUSH });
  const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);
  let crc = 0;
  for (let i = 0; i < entry.bombMiB; i++) crc = crc32(mib, crc);
  return { compressed: Buffer.concat([...Array.from({ length: entry.bombMiB }, () => block), FINAL_EMPTY_BLOCK]), size: entry.bombMiB * mib.length, crc };
}
