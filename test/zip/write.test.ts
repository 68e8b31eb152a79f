import { expect } from 'chai';
import JSZip from 'jszip';
import { createZip, FIXED_ZIP_DATE, type ZipEntry } from '../../src/zip/write.js';
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

describe('zip writer', () => {
  const files = [
    { name: 'solution.xml', data: Buffer.from('<a>solution</a>') },
    { name: 'customizations.xml', data: Buffer.from('<b>customizations</b>'.repeat(50)) },
    { name: '[Content_Types].xml', data: Buffer.from('<c/>') },
  ];

  it('is byte-identical for the same input, whenever and wherever it runs', async () => {
    const first = createZip(files);
    await new Promise((r) => setTimeout(r, 1100));
    const second = createZip(files);
    expect(sha256Hex(first)).to.equal(sha256Hex(second));
  });

  it('writes Deflate entries at the root with no folder entries and the fixed date', async () => {
    const entries = centralDirectory(createZip([...files, { name: 'Roles\\x.xml', data: Buffer.from('<r/>') }]));
    expect(entries.map((e) => e.name)).to.deep.equal(['solution.xml', 'customizations.xml', '[Content_Types].xml', 'Roles/x.xml']);
    for (const entry of entries) {
      expect(entry.method, entry.name).to.equal(8);
      const year = 1980 + (entry.dosDate >> 9);
      expect([year, (entry.dosDate >> 5) & 0xf, entry.dosDate & 0x1f, entry.dosTime]).to.deep.equal([FIXED_ZIP_DATE.getUTCFullYear(), 1, 1, 0]);
    }
  });

  it('writes the bytes JSZip 3 writes for the same entries (what packages of earlier releases hold)', async () => {
    const entries: ZipEntry[] = [...files, { name: 'deploy.mjs', data: Buffer.from('console.log(1);\n'.repeat(3000)), store: true }];
    const zip = new JSZip();
    for (const entry of entries) zip.file(entry.name, entry.data, { date: FIXED_ZIP_DATE, createFolders: false, binary: true, ...(entry.store ? { compression: 'STORE' as const } : {}) });
    const theirs = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 }, platform: 'DOS', streamFiles: false });
    expect(createZip(entries).equals(theirs)).to.equal(true);
  });

  it('marks a name that is not ASCII as UTF-8 (bit 11), so other readers decode it', async () => {
    const zip = createZip([{ name: 'Rôles/équipe.xml', data: Buffer.from('<r/>') }]);
    expect((await JSZip.loadAsync(zip)).file('Rôles/équipe.xml')).to.not.equal(null);
  });

  it('round-trips the content', async () => {
    const zip = await JSZip.loadAsync(createZip(files));
    for (const file of files) expect(await zip.file(file.name)!.async('nodebuffer')).to.deep.equal(file.data);
  });
});
