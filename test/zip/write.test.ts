import { expect } from 'chai';
import { inflateRawSync } from 'node:zlib';
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

  it('writes the bytes JSZip 3 writes for entries of 64 KB and more (pako Deflate, level 1) and stored ones', async () => {
    const large = Buffer.from(Array.from({ length: 9000 }, (_, i) => `<RolePrivilege name="prvRead${i % 700}" level="Global" />\n`).join(''));
    const entries: ZipEntry[] = [{ name: 'customizations.xml', data: large }, { name: 'deploy.mjs', data: Buffer.from('console.log(1);\n'.repeat(3000)), store: true }];
    const zip = new JSZip();
    for (const entry of entries) zip.file(entry.name, entry.data, { date: FIXED_ZIP_DATE, createFolders: false, binary: true, ...(entry.store ? { compression: 'STORE' as const } : {}) });
    const theirs = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 1 }, platform: 'DOS', streamFiles: false });
    expect((await createZip(entries)).equals(theirs)).to.equal(true);
  });

  it('writes an entry under 64 KB as one Deflate stored block: method 8, its bytes as they are after a 5-byte block header', async () => {
    const data = Buffer.from('<b>customizations</b>'.repeat(50));
    const zip = await createZip([{ name: 'customizations.xml', data }]);
    expect(centralDirectory(zip)[0]!.method).to.equal(8);
    const body = zip.subarray(30 + 'customizations.xml'.length, 30 + 'customizations.xml'.length + 5 + data.length);
    expect([...body.subarray(0, 5)]).to.deep.equal([0x01, data.length & 0xff, data.length >> 8, ~data.length & 0xff, (~data.length >> 8) & 0xff]);
    expect(inflateRawSync(body).equals(data)).to.equal(true);
    expect(inflateRawSync(Buffer.from([0x01, 0, 0, 0xff, 0xff])).length).to.equal(0);
  });

  it('marks a name that is not ASCII as UTF-8 (bit 11), so other readers decode it', async () => {
    const zip = await createZip([{ name: 'Rôles/équipe.xml', data: Buffer.from('<r/>') }]);
    expect((await JSZip.loadAsync(zip)).file('Rôles/équipe.xml')).to.not.equal(null);
  });

  it('round-trips the content', async () => {
    const zip = await JSZip.loadAsync(await createZip(files));
    for (const file of files) expect(await zip.file(file.name)!.async('nodebuffer')).to.deep.equal(file.data);
  });
});
