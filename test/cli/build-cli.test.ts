import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { REAL_FIXTURES, SAMPLE_SRC } from '../support/paths.js';
import { validRole, validSolution } from '../support/spec-builders.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';
import { sha256Hex } from '../../src/util/hash.js';

describe('dvpkg build / check (CLI)', () => {
  after(removeTempDirs);

  it('prints --version and --help', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const version = await runCli(['--version']);
    expect(version.code).to.equal(0);
    expect(version.stdout.trim()).to.equal(pkg.version);
    const help = await runCli(['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('dvpkg build').and.contain('dvpkg check').and.contain('dvpkg emulator');
    const buildHelp = await runCli(['build', '--help']);
    expect(buildHelp.stdout).to.contain('--src').and.contain('--templates').and.contain('--version').and.contain('--roles-only').and.contain('--unique-name');
  });

  it('builds with --json and reports the zip path and its sha256', async () => {
    const out = await tempDir();
    const result = await runCli(['build', '--src', SAMPLE_SRC, '--out', out, '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    const report = JSON.parse(lines[0]!) as { solution: { uniqueName: string; version: string; zip: string; sha256: string } };
    expect(report.solution.uniqueName).to.equal('FabrikamSyncConnector');
    expect(report.solution.version).to.equal('1.0.0.0');
    expect(report.solution.zip).to.equal(path.join(out, 'FabrikamSyncConnector_1_0_0_0_managed.zip'));
    expect(report.solution.sha256).to.equal(sha256Hex(await readFile(report.solution.zip)));
  });

  it('applies --version to the content and the file name', async () => {
    const out = await tempDir();
    const result = await runCli(['build', '--src', SAMPLE_SRC, '--out', out, '--version', '2.1.0.7']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('FabrikamSyncConnector 2.1.0.7');
    expect(await readdir(out)).to.include('FabrikamSyncConnector_2_1_0_7_managed.zip');
  });

  it('exits 2 listing every problem, with no stack trace and no zip written', async () => {
    const src = await writeTree(await tempDir(), {
      'solution.json': validSolution({ uniqueName: 'Bad-Name', publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'mscrmx', optionValuePrefix: 5 } }),
      'roles/reader.json': validRole({ privileges: { prvReadAcount: 'Global', prvReadContact: 'Sometimes' } }),
    });
    const out = path.join(await tempDir(), 'out');
    const result = await runCli(['build', '--src', src, '--out', out]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('[DVPKG_SPEC_INVALID]');
    expect(result.stderr).to.match(/solution\.json: uniqueName: "Bad-Name": expected letters, digits and _/);
    expect(result.stderr).to.match(/solution\.json: publisher\.prefix: "mscrmx": expected a prefix that does not start with "mscrm"/);
    expect(result.stderr).to.match(/solution\.json: publisher\.optionValuePrefix: 5: expected an integer from 10000 to 99999/);
    expect(result.stderr).to.match(/reader\.json: privileges\.prvReadAcount: "prvReadAcount": expected a privilege name Dataverse defines \(did you mean prvReadAccount\?\)/);
    expect(result.stderr).to.match(/reader\.json: privileges\.prvReadContact: "Sometimes": expected one of Basic, Local, Deep, Global/);
    expect(result.stderr).to.not.match(/\n\s+at /);
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });

  it('treats warnings as errors with --strict', async () => {
    const src = await writeTree(await tempDir(), { 'solution.json': validSolution(), 'roles/r.json': validRole({ privileges: { prvReadcontoso_Widget: 'Basic' } }) });
    const lenient = await runCli(['check', '--src', src]);
    expect(lenient.code, lenient.stderr).to.equal(0);
    expect(lenient.stderr).to.match(/^warning: .*prvReadcontoso_Widget/m);
    const strict = await runCli(['check', '--src', src, '--strict']);
    expect(strict.code).to.equal(2);
    expect(strict.stderr).to.match(/^ {2}error: .*prvReadcontoso_Widget/m);
  });

  it('groups alike warnings into one line with a count and the first names, and --verbose lists every one', async () => {
    const privileges = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`prvReadcr84c_t${i}`, 'Global']));
    const src = await writeTree(await tempDir(), { 'solution.json': validSolution(), 'roles/reader.json': validRole({ privileges: { prvReadAccount: 'Global', ...privileges } }) });
    const grouped = await runCli(['check', '--src', src]);
    expect(grouped.code, grouped.stderr).to.equal(0);
    const file = path.join(src, 'roles', 'reader.json');
    expect(grouped.stderr).to.contain(
      `warning: ${file}: privileges.* (8): "prvReadcr84c_t0", "prvReadcr84c_t1", "prvReadcr84c_t2" and 5 more (--verbose lists all): expected a privilege the built-in catalog lists (this looks like a custom-table privilege; the deploy step checks it against the target org)\n`,
    );
    expect(grouped.stderr).to.not.contain('prvReadcr84c_t7');
    expect(grouped.stdout).to.contain('8 warnings');
    const verbose = await runCli(['check', '--src', src, '--verbose']);
    for (let i = 0; i < 8; i++) expect(verbose.stderr).to.contain(`warning: ${file}: privileges.prvReadcr84c_t${i}: "prvReadcr84c_t${i}": expected a privilege the built-in catalog lists`);
    expect(verbose.stderr).to.not.contain('--verbose lists all');
  });

  it('check validates and writes nothing', async () => {
    const cwd = await tempDir();
    const result = await runCli(['check', '--src', SAMPLE_SRC, '--json'], { cwd });
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ ok: true, format: 'json' });
    expect(await readdir(cwd)).to.deep.equal([]);
  });

  it('names a missing source folder and exits 2', async () => {
    const result = await runCli(['build', '--src', '/nonexistent/dvpkg-src']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('--src /nonexistent/dvpkg-src: not a folder');
  });

  const promptLibrary = path.join(REAL_FIXTURES, 'pnp-powerplatform-samples', 'prompt-library-src');

  it('refuses the real prompt-library tree with exit 2, naming its tables and apps and what to do, and writes nothing', async () => {
    const out = path.join(await tempDir(), 'out');
    const result = await runCli(['build', '--src', promptLibrary, '--out', out]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/prompt-library-src: 8 errors in the solution spec \[DVPKG_SPEC_INVALID\]/);
    for (const component of ['table cr84c_newtable', 'table cr84c_promptlibrary', 'canvas app ppa_promptmanager_e4d84', 'site map ppa_PromptManagerAdministration', 'model-driven app ppa_PromptManagerAdministration']) {
      expect(result.stderr).to.match(new RegExp(`Other[\\\\/]Solution\\.xml: RootComponents\\.RootComponent\\[\\d+\\]: "${component}": expected only security roles`));
    }
    expect(result.stderr).to.contain('or pass --roles-only to build the roles into a separate PromptManagerRoles');
    expect(result.stderr).to.not.match(/\n\s+at /);
    expect(result.stdout).to.equal('');
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });

  it('builds the tree with --roles-only into PromptManagerRoles, with its three roles and their privileges', async () => {
    const out = await tempDir();
    const result = await runCli(['build', '--src', promptLibrary, '--out', out, '--roles-only', '--client-id', '11111111-2222-4333-8444-555555555555', '--app-name', 'Prompt Manager Sync', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout) as { solution: { uniqueName: string; zip: string; roles: Array<{ name: string; privileges: number }> }; warnings: Array<{ file: string }> };
    expect(report.solution.uniqueName).to.equal('PromptManagerRoles');
    expect(report.solution.zip).to.equal(path.join(out, 'PromptManagerRoles_1_0_0_6_managed.zip'));
    const expected: Array<{ name: string; privileges: number }> = [];
    for (const file of (await readdir(path.join(promptLibrary, 'Roles'))).sort()) {
      const xml = await readFile(path.join(promptLibrary, 'Roles', file), 'utf8');
      expected.push({ name: /<Role [^>]*name="([^"]+)"/.exec(xml)![1]!, privileges: xml.match(/<RolePrivilege /g)!.length });
    }
    expect(report.solution.roles.map((r) => ({ name: r.name, privileges: r.privileges }))).to.deep.equal(expected);
    expect(report.warnings.map((w) => w.file)).to.deep.equal(['--admin-client-id', '--roles-only']);
  });

  it('writes a package or fails: an unpacked tree without --client-id or --app-name exits 2 naming the flag, writes nothing, and --json still prints its object', async () => {
    const out = await tempDir();
    const noApp = await runCli(['build', '--src', promptLibrary, '--out', out, '--roles-only', '--json']);
    expect(noApp.code).to.equal(2);
    expect(noApp.stderr).to.contain('dvpkg: no deploy package can be built: the spec names no ISV app; nothing was written [DVPKG_SPEC_INVALID]');
    expect(noApp.stderr).to.contain('error: --client-id: (missing): expected the ISV app registration (client) id, with --app-name');
    const json = JSON.parse(noApp.stdout) as { ok: boolean; error: { code: string }; problems: Array<{ file: string; severity: string }> };
    expect(json.ok).to.equal(false);
    expect(json.error.code).to.equal('DVPKG_SPEC_INVALID');
    expect(json.problems.filter((p) => p.severity === 'error').map((p) => p.file)).to.deep.equal(['--client-id']);
    expect(await readdir(out)).to.deep.equal([]);
    const noName = await runCli(['check', '--src', promptLibrary, '--roles-only', '--client-id', '11111111-2222-4333-8444-555555555555', '--json']);
    expect(noName.code).to.equal(2);
    expect(noName.stderr).to.contain("error: --app-name: (missing): expected the ISV app's display name, for the admin's README and the plan (with --client-id)");
    expect((JSON.parse(noName.stdout) as { ok: boolean }).ok).to.equal(false);
  });

  it('check --roles-only --unique-name names the role solution as told', async () => {
    const result = await runCli(['check', '--src', promptLibrary, '--roles-only', '--unique-name', 'PromptLibrarySecurity']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/: OK \(PromptLibrarySecurity 1\.0\.0\.6, 3 roles, 1 warning\)/);
    expect(result.stderr).to.match(/^warning: --roles-only: true: expected roles that no other solution ships: PromptLibrarySecurity keeps the role ids of PromptManager/m);
  });

  it('rejects --unique-name equal to the source\'s unique name', async () => {
    const result = await runCli(['build', '--src', promptLibrary, '--out', path.join(await tempDir(), 'out'), '--roles-only', '--unique-name', 'PromptManager']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('error: --unique-name: "PromptManager": expected a unique name other than the source\'s (PromptManager), which a roles-only solution must never replace');
  });

  it('fails prvWriteAnnotation suggesting prvWriteNote', async () => {
    const src = await writeTree(await tempDir(), { 'solution.json': validSolution(), 'roles/r.json': validRole({ privileges: { prvWriteAnnotation: 'Basic' } }) });
    const result = await runCli(['check', '--src', src]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/r\.json: privileges\.prvWriteAnnotation: "prvWriteAnnotation": expected a privilege name Dataverse defines: the privileges of table annotation are named after Note, not its logical name \(did you mean prvWriteNote\?\)/);
  });

  it('answers each mistake of a new user in their own words, all at once', async () => {
    const src = await writeTree(await tempDir(), {
      'solution.json': validSolution(),
      'roles/r.json': validRole({ privileges: { prvReadSolution: 'User', prvReadSystemUser: 'Local', prvreadaccount: 'Global', prvWriteContact: 'Basic' } }),
    });
    const result = await runCli(['check', '--src', src]);
    expect(result.code).to.equal(2);
    const file = path.join(src, 'roles', 'r.json');
    expect(result.stderr).to.equal(
      `dvpkg: ${src}: 3 errors in the solution spec [DVPKG_SPEC_INVALID]\n` +
        `  error: ${file}: privileges.prvReadSolution: "User": prvReadSolution allows only Organization (Global)\n` +
        `  error: ${file}: privileges.prvReadSystemUser: "prvReadSystemUser": expected a privilege name Dataverse defines: the privileges of table systemuser are named after User, not its logical name (did you mean prvReadUser?)\n` +
        `  error: ${file}: privileges.prvreadaccount: "prvreadaccount": expected a privilege name: "prv" + capitalised verb and table, e.g. prvReadAccount or prvReadcontoso_Widget (did you mean prvReadAccount?)\n`,
    );
  });

  it('rejects an unknown flag or a missing command with exit 2', async () => {
    const unknown = await runCli(['build', '--sauce', 'x']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/--sauce: no such flag/);
    const none = await runCli([]);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/Name a command/);
  });
});
