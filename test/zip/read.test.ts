import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { tableCrc32, crc32 } from '../../src/zip/crc32.js';
import { openZip, ZipRefused, type ZipReader } from '../../src/zip/read.js';
import { rawZip } from '../support/raw-zip.js';
import { REAL_FIXTURES } from '../support/paths.js';

/** Every real zip in the shared fixtures, read by the reader and by JSZip (an independent implementation). */
async function realZips(): Promise<string[]> {
  const files = await readdir(REAL_FIXTURES, { recursive: true });
  return files.filter((f) => f.toLowerCase().endsWith('.zip')).map((f) => path.join(REAL_FIXTURES, f));
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ZipRefused) return error.message;
    throw error;
  }
  throw new Error('expected the zip to be refused');
}

function withByte(data: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = value;
  return copy;
}

describe('zip reader', function () {
  this.timeout(30000);

  it('reads every real export and package in the fixtures exactly as JSZip does: names, and bytes of each entry', async () => {
    const zips = await realZips();
    expect(zips.length).to.be.greaterThan(3);
    for (const file of zips) {
      const data = await readFile(file);
      const ours: ZipReader = openZip(data, 50_000);
      const theirs = await JSZip.loadAsync(data);
      const files = Object.values(theirs.files).filter((f) => !f.dir);
      expect(ours.names, file).to.deep.equal(files.map((f) => f.name));
      for (const entry of files) {
        expect(ours.read(entry.name, 200 * 1024 * 1024, entry.name).equals(await entry.async('nodebuffer')), `${file}: ${entry.name}`).to.equal(true);
      }
    }
  });

  it('finds an entry ignoring case, and says which is missing', () => {
    const zip = openZip(rawZip([{ name: 'Solution.xml', data: '<a/>' }]), 10);
    expect(zip.find('solution.XML')).to.equal('Solution.xml');
    expect(zip.find('customizations.xml')).to.equal(undefined);
    expect(refusal(() => zip.read('customizations.xml', 100, 'customizations.xml'))).to.equal('customizations.xml is missing');
  });

  it('stops a bomb at the limit while inflating, even when the headers claim a small size', () => {
    const zip = openZip(rawZip([{ name: 'c.xml', bombMiB: 64, claimedSize: 10 }]), 10);
    expect(refusal(() => zip.read('c.xml', 1024 * 1024, 'c.xml'))).to.equal('c.xml expands to more than 1048576 bytes, the most dvpkg reads (a zip bomb?)');
  });

  it('refuses from the declared size before inflating anything', () => {
    const zip = openZip(rawZip([{ name: 'c.xml', data: 'x'.repeat(2000) }]), 10);
    expect(refusal(() => zip.read('c.xml', 1000, 'c.xml'))).to.match(/^c\.xml expands to more than 1000 bytes/);
  });

  it('refuses an entry whose bytes do not match the directory (size or checksum)', () => {
    const liar = openZip(rawZip([{ name: 'a.txt', data: 'hello world', claimedSize: 5 }]), 10);
    expect(refusal(() => liar.read('a.txt', 100, 'a.txt'))).to.equal("a.txt is damaged (its size or checksum differs from the zip's directory)");
    const good = rawZip([{ name: 'a.txt', data: 'hello world' }]);
    const crcAt = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 16;
    const badCrc = openZip(withByte(good, crcAt, good[crcAt]! ^ 0xff), 10);
    expect(refusal(() => badCrc.read('a.txt', 100, 'a.txt'))).to.match(/^a\.txt is damaged/);
  });

  it('refuses damaged Deflate data with zlib\'s reason, and no JavaScript error text', () => {
    const good = rawZip([{ name: 'a.txt', data: 'hello world hello world' }]);
    const broken = withByte(good, 30 + 'a.txt'.length, 0xff);
    const message = refusal(() => openZip(broken, 10).read('a.txt', 100, 'a.txt'));
    expect(message).to.match(/^a\.txt (cannot be inflated \(.+\)|is damaged)/);
    expect(message).to.not.match(/Error|at \w+ \(/);
  });

  it('refuses names that climb out, duplicates, encryption, unknown methods, too many entries and non-zips', () => {
    expect(refusal(() => openZip(rawZip([{ name: '../evil.txt', data: 'x' }]), 10))).to.equal('entry "../evil.txt" points outside the zip (.. or an absolute path)');
    expect(refusal(() => openZip(rawZip([{ name: 'C:/evil.txt', data: 'x' }]), 10))).to.contain('points outside the zip');
    expect(refusal(() => openZip(rawZip([{ name: '../', data: '' }, { name: '../a.txt', data: 'x' }]), 10))).to.contain('entry "../a.txt"');
    expect(refusal(() => openZip(rawZip([{ name: '../', data: '' }, { name: 'a.txt', data: 'x' }]), 10))).to.contain('entry "../"');
    expect(refusal(() => openZip(rawZip([{ name: 'a.txt', data: 'x' }, { name: 'a.txt', data: 'y' }]), 10))).to.equal('entry "a.txt" appears twice');
    const one = rawZip([{ name: 'a.txt', data: 'x' }]);
    const central = one.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(refusal(() => openZip(withByte(one, central + 8, 0x01), 10))).to.equal('entry "a.txt" is encrypted');
    expect(refusal(() => openZip(withByte(one, central + 10, 14), 10))).to.equal('entry "a.txt" uses compression method 14; dvpkg reads stored and Deflate entries');
    expect(refusal(() => openZip(rawZip([{ name: 'a', data: 'x' }, { name: 'b', data: 'y' }]), 1))).to.equal('it has 2 entries; the limit is 1');
    expect(refusal(() => openZip(Buffer.from('just text, not a zip'), 10))).to.equal('not a zip file (it does not start with a zip signature)');
    expect(refusal(() => openZip(one.subarray(0, one.length - 30), 10))).to.equal('not a zip file (no end-of-central-directory record; is the file cut short?)');
  });

  it('names the entry a refusal while reading is about, and none when the zip itself is refused', () => {
    const zip = openZip(rawZip([{ name: 'c.xml', bombMiB: 8, claimedSize: 10 }]), 10);
    const whileReading = (() => {
      try {
        zip.read('c.xml', 1024, 'customizations');
      } catch (error) {
        return error as ZipRefused;
      }
      throw new Error('expected a refusal');
    })();
    expect(whileReading.entry).to.equal('c.xml');
    let whole: ZipRefused | undefined;
    try {
      openZip(Buffer.from('not a zip'), 10);
    } catch (error) {
      whole = error as ZipRefused;
    }
    expect(whole).to.be.instanceOf(ZipRefused);
    expect(whole!.entry).to.equal(undefined);
  });

  it('leaves folder entries out of the names', async () => {
    const zip = new JSZip();
    zip.file('Roles/a.xml', '<a/>');
    const reader = openZip(await zip.generateAsync({ type: 'nodebuffer' }), 10);
    expect(reader.names).to.deep.equal(['Roles/a.xml']);
  });

  it('computes CRC-32 the same natively and in the portable form', () => {
    const samples = [Buffer.alloc(0), Buffer.from('123456789'), Buffer.alloc(70_000, 0xa5)];
    expect(tableCrc32(samples[1]!)).to.equal(0xcbf43926);
    for (const sample of samples) expect(tableCrc32(sample)).to.equal(crc32(sample));
  });
});
