import zlib from 'node:zlib';

/**
 * CRC-32 as zip stores it (PKWARE APPNOTE 4.4.7). Node has it natively from 20.15 and 22.2; older
 * Node 20 releases get the table-driven form. A checksum has one right answer, so both give the same.
 */

type Crc32 = (data: Uint8Array) => number;

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export const crc32: Crc32 = native ? (data) => native(data) >>> 0 : tableCrc32;

/** The portable form, exported so a test can hold it to the native one. */
export { tableCrc32 };
