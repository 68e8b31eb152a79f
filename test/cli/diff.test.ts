import { expect } from 'chai';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import { runCli } from '../support/cli.js';
import { validRole, validSolution } from '../support/spec-builders.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

/** Issue 13, item 2: `dvpkg diff <old> <new>` as a release pipeline runs it. */
describe('dvpkg diff', function () {
  this.timeout(60_000);
  const built = new Map<string, { dir: string; zip: string }>();

  async function release(name: string, version: string, roles: Record<string, Record<string, string>>, appRoles?: string[]): Promise<void> {
    const files: Record<string, object> = {
      'solution.json': validSolution({ version, app: { clientId: '11111111-2222-4333-8444-555555555555', name: 'Contoso Sync', consentRedirectUri: 'https://app.contoso.example/consented', ...(appRoles ? { roles: appRoles } : {}) } }),
    };
    for (const [role, privileges] of Object.entries(roles)) files[`roles/${role.replace(/\W/g, '')}.json`] = validRole({ name: role, privileges });
    const src = await writeTree(await tempDir(), files);
    const result = await buildSolution({ src, out: await tempDir() });
    built.set(name, { dir: result.package!.dir, zip: `${result.package!.dir}.zip` });
  }

  before(async () => {
    await release('1', '1.0.0.0', { 'Contoso Sync Role': { prvReadAccount: 'Local', prvReadContact: 'Global' }, 'Contoso Viewer': { prvReadAccount: 'Basic' } }, ['Contoso Sync Role']);
    await release('2', '2.0.0.0', { 'Contoso Sync Role': { prvReadAccount: 'Global', prvDeleteAccount: 'Global', prvReadContact: 'Global' }, 'Contoso Viewer': { prvReadAccount: 'Basic' } }, ['Contoso Sync Role']);
    await release('3', '3.0.0.0', { 'Contoso Sync Role': { prvReadAccount: 'Local' } }, ['Contoso Sync Role']);
  });
  after(removeTempDirs);

  it('names a deepened and an added privilege as widening and exits 1 (folders, zips and manifests alike)', async () => {
    const run = await runCli(['diff', built.get('1')!.dir, built.get('2')!.zip]);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.stdout).to.contain('dvpkg diff: ContosoRoles 1.0.0.0 -> ContosoRoles 2.0.0.0');
    expect(run.stdout).to.contain('  ContosoRoles 1.0.0.0 -> 2.0.0.0');
    expect(run.stdout).to.contain('  role "Contoso Sync Role" (the application user\'s role):\n    ! adds Delete on Account at Organization (prvDeleteAccount)\n    ! deepens Read on Account from Business Unit to Organization (prvReadAccount)');
    expect(run.stdout).to.contain('WIDENS ACCESS (2 changes marked !): review before release');
    expect(run.stdout).to.not.contain('Contoso Viewer');
    const json = await runCli(['diff', path.join(built.get('1')!.dir, 'manifest.json'), built.get('2')!.dir, '--json']);
    expect(json.code).to.equal(1);
    const diff = JSON.parse(json.stdout) as { widens: boolean; widening: string[]; roles: Array<{ role: string; changes: Array<{ kind: string; privilege: string }> }> };
    expect(diff.widens).to.equal(true);
    expect(diff.roles[0]!.changes.map((c) => `${c.kind} ${c.privilege}`)).to.deep.equal(['added prvDeleteAccount', 'deepened prvReadAccount']);
  });

  it('exits 0 for a release that only narrows, saying what it takes away and which role is gone', async () => {
    const run = await runCli(['diff', built.get('2')!.dir, built.get('3')!.dir]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.contain('      narrows Read on Account from Organization to Business Unit (prvReadAccount)');
    expect(run.stdout).to.contain('      removes Delete on Account (was Organization) (prvDeleteAccount)');
    expect(run.stdout).to.contain('      removes Read on Contact (was Organization) (prvReadContact)');
    expect(run.stdout).to.contain('role "Contoso Viewer" is no longer shipped (not given to the application user)');
    expect(run.stdout).to.contain('Nothing widens access.');
  });

  it('writes release-note Markdown, and counts a role the application user newly gets as widening', async () => {
    const notes = await runCli(['diff', built.get('1')!.dir, built.get('2')!.dir, '--markdown']);
    expect(notes.code).to.equal(1);
    expect(notes.stdout).to.contain('## Security changes in ContosoRoles 2.0.0.0\n\n**This release widens the access of the application user** compared with 1.0.0.0:');
    expect(notes.stdout).to.contain('- **widens:** adds Delete on Account at Organization (`prvDeleteAccount`)');
    expect(notes.stdout).to.contain('| ContosoRoles | 1.0.0.0 | 2.0.0.0 |');
    await release('4', '4.0.0.0', { 'Contoso Sync Role': { prvReadAccount: 'Local' }, 'Contoso Viewer': { prvReadAccount: 'Basic' } }, ['Contoso Sync Role', 'Contoso Viewer']);
    const more = await runCli(['diff', built.get('3')!.dir, built.get('4')!.dir]);
    expect(more.code).to.equal(1);
    expect(more.stdout).to.contain('  ! also gets "Contoso Viewer"');
  });

  it('refuses a location that is no package, naming the argument (exit 2)', async () => {
    const run = await runCli(['diff', '/nonexistent/pkg', built.get('1')!.dir]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('<old> /nonexistent/pkg: not found; expected a deploy package folder, its .zip, or its manifest.json');
    const both = await runCli(['diff', built.get('1')!.dir, built.get('2')!.dir, '--json', '--markdown']);
    expect(both.code).to.equal(2);
  });
});
