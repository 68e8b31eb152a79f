import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { writeDirAtomic, writeFileAtomic } from '../../src/runtime/atomic-write.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

function thrown(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the write to fail');
}

describe('atomic writes', () => {
  after(removeTempDirs);

  it('replaces a folder whole: files of the old one do not survive', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'out');
    await writeTree(dir, { 'stale.txt': 'old', 'keep.txt': 'old' });
    writeDirAtomic(dir, [{ name: 'keep.txt', data: 'new' }, { name: 'sub/run.mjs', data: 'x', mode: 0o755 }]);
    expect((await readdir(dir)).sort()).to.deep.equal(['keep.txt', 'sub']);
    expect(await readFile(path.join(dir, 'keep.txt'), 'utf8')).to.equal('new');
    if (process.platform !== 'win32') expect((await stat(path.join(dir, 'sub/run.mjs'))).mode & 0o777).to.equal(0o755);
    expect(await readdir(parent)).to.deep.equal(['out']);
  });

  it('a write that fails half-way leaves the previous folder as it was and no temp folder', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'out');
    await writeTree(dir, { 'a.txt': 'previous' });
    // 'a' as a file, then 'a/b' under it: the second write fails after the first succeeded.
    const failing = [{ name: 'first.txt', data: '1' }, { name: 'a', data: 'file' }, { name: 'a/b', data: 'under a file' }];
    const error = thrown(() => writeDirAtomic(dir, failing));
    expect((error as NodeJS.ErrnoException).code).to.be.oneOf(['ENOTDIR', 'EEXIST']);
    expect(await readdir(parent)).to.deep.equal(['out']);
    expect(await readdir(dir)).to.deep.equal(['a.txt']);
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).to.equal('previous');
  });

  it('a file write that cannot be renamed into place leaves no temp file', async () => {
    const parent = await tempDir();
    const target = path.join(parent, 'report.json');
    await writeTree(parent, { 'report.json/inside.txt': 'a folder where the report should go' });
    const error = thrown(() => writeFileAtomic(target, 'next'));
    expect((error as NodeJS.ErrnoException).code).to.be.oneOf(['EISDIR', 'ENOTEMPTY', 'EEXIST', 'EPERM']);
    expect(await readdir(parent)).to.deep.equal(['report.json']);
    expect(await readdir(target)).to.deep.equal(['inside.txt']);
  });
});
