import { expect } from 'chai';
import { copyFile, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { runNode } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

// `npx dvpkg` in a checkout before `npm run build`: bin/dvpkg.js finds no dist/ and must say what to run.
describe('bin/dvpkg.js in a checkout that is not built', () => {
  after(removeTempDirs);

  it('prints one line naming the missing file and "npm run build", and exits 2 without a stack trace', async () => {
    // The real path: Node names its main module by it (macOS's /var is a link to /private/var).
    const checkout = await realpath(await tempDir('dvpkg-unbuilt-'));
    await mkdir(path.join(checkout, 'bin'));
    await copyFile(path.join(REPO_ROOT, 'bin', 'dvpkg.js'), path.join(checkout, 'bin', 'dvpkg.js'));
    await copyFile(path.join(REPO_ROOT, 'package.json'), path.join(checkout, 'package.json'));

    const run = await runNode([path.join(checkout, 'bin', 'dvpkg.js'), 'build', '--src', 'solution-src'], { cwd: checkout });

    expect(run.stderr).to.equal(`dvpkg: ${path.join(checkout, 'dist', 'bin', 'dvpkg.js')} is missing (this checkout is not built): run "npm run build" in ${checkout}\n`);
    expect(run.stdout).to.equal('');
    expect(run.code).to.equal(2);
  });
});
