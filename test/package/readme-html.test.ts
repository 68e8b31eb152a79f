import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { privilegeMatrices, privilegeMatrixHtml } from '../../src/package/privilege-matrix.js';
import { sha256Hex } from '../../src/util/hash.js';
import { buildSamplePackage, startSampleEmulator } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';

/** Issue 17: README.html, the privilege matrix of the --ui page, beside README.md and under the package's hashes. */
describe('README.html: the privilege matrix in the package', () => {
  it('dvpkg build writes it, listed in the manifest\'s hashes: a matrix per role by the eight verbs, each depth in words, no script', async () => {
    const pkg = await buildSamplePackage();
    const html = await readFile(path.join(pkg.dir, 'README.html'), 'utf8');
    const manifest = JSON.parse(await readFile(path.join(pkg.dir, 'manifest.json'), 'utf8'));
    expect(manifest.integrity.readmeHtmlSha256).to.equal(sha256Hex(Buffer.from(html)));
    expect(html).to.contain('<h2>Role: Fabrikam Sync Connector (given to the application user)</h2>');
    expect(html).to.contain('<tr><th scope="col">Table</th><th scope="col">Create</th><th scope="col">Read</th><th scope="col">Write</th><th scope="col">Delete</th><th scope="col">Append</th><th scope="col">AppendTo</th><th scope="col">Assign</th><th scope="col">Share</th></tr>');
    expect(html).to.match(/<th scope="row">Account<\/th><td><span class="depth"><span class="depth-icon d2" aria-hidden="true"><\/span><span class="depth-name">Business Unit<\/span>/);
    expect(html).to.not.match(/<script|https?:\/\//i);
  });

  it('a changed README.html stops the run before any request (exit 8)', async () => {
    const pkg = await buildSamplePackage();
    await writeFile(path.join(pkg.dir, 'README.html'), '<p>Nothing to see</p>');
    const emulator = await startSampleEmulator();
    try {
      const run = await runInProcess(pkg, emulator, ['--yes']);
      expect(run.code).to.equal(8);
      expect(run.stderr).to.contain('README.html: sha256 is');
      expect(emulator.log().filter((e) => e.kind === 'dataverse')).to.deep.equal([]);
    } finally {
      await emulator.close();
    }
  });

  it('marks what an upgrade changes in words, not only by colour, and escapes names', () => {
    const [matrix] = privilegeMatrices(
      [{ role: 'R <1>', privilege: 'prvReadAccount', level: 'Global', table: 'Account' }, { role: 'R <1>', privilege: 'prvCreateAccount', level: 'Basic', table: 'Account' }, { role: 'R <1>', privilege: 'prvPublishCustomizations', level: 'Global', table: '(not a table)' }],
      [{ role: 'R <1>', changes: [{ kind: 'deepened', privilege: 'prvReadAccount', from: 'Local', to: 'Global', widens: true }, { kind: 'added', privilege: 'prvCreateAccount', to: 'Basic', widens: true }, { kind: 'removed', privilege: 'prvDeleteAccount', from: 'Basic', widens: false }] }],
    );
    const html = privilegeMatrixHtml(matrix!);
    expect(html).to.contain('Organization</span></span> <span class="change widens">(! wider, was Business Unit)</span>');
    expect(html).to.contain('User</span></span> <span class="change widens">(! new)</span>');
    expect(html).to.contain('None</span></span> <span class="change narrows">(removed, was User)</span>');
    expect(html).to.contain('R &#60;1&#62;').and.not.contain('R <1>');
    expect(matrix!.others.map((o) => o.privilege)).to.deep.equal(['prvPublishCustomizations']);
  });
});
