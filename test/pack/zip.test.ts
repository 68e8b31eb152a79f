import { expect } from 'chai';
import JSZip from 'jszip';
import { createZip, FIXED_ZIP_DATE } from '../../src/pack/zip.js';
import { sha256Hex } from '../../src/util/hash.js';

/** Walks the central directory by hand: jszip hides method, flags and folder entries. */
function centralDirectory(zip: Buffer): Array<{ name: string; method: number; dosTime: number; dosDate: number }> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30);
    const comment = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'),
      method: zip.readUInt16LE(offset + 10),
      dosTime: zip.readUInt16LE(offset + 12),
      dosDate: zip.readUInt16LE(offset + 14),
    });
    offset += 46 + nameLength + extra + comment;
  }
  return entries;
}

describe('pack', () => {
  const files = [
    { name: 'solution.xml', data: Buffer.from('<a>solution</a>') },
    { name: 'customizations.xml', data: Buffer.from('<b>customizations</b>'.repeat(50)) },
    { name: '[Content_Types].xml', data: Buffer.from('<c/>') },
  ];

  it('is byte-identical for the same input, whenever and wherever it runs', async () => {
    const first = await createZip(files);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await createZip(files);
    expect(sha256Hex(first)).to.equal(sha256Hex(second));
  });

  it('writes Deflate entries at the root with no folder entries and the fixed date', async () => {
    const entries = centralDirectory(await createZip([...files, { name: 'Roles\\x.xml', data: Buffer.from('<r/>') }]));
    expect(entries.map((e) => e.name)).to.deep.equal(['solution.xml', 'customizations.xml', '[Content_Types].xml', 'Roles/x.xml']);
    for (const entry of entries) {
      expect(entry.method, entry.name).to.equal(8);
      const year = 1980 + (entry.dosDate >> 9);
      expect([year, (entry.dosDate >> 5) & 0xf, entry.dosDate & 0x1f, entry.dosTime]).to.deep.equal([FIXED_ZIP_DATE.getUTCFullYear(), 1, 1, 0]);
    }
  });

  it('round-trips the content', async () => {
    const zip = await JSZip.loadAsync(await createZip(files));
    for (const file of files) expect(await zip.file(file.name)!.async('nodebuffer')).to.deep.equal(file.data);
  });
});
