import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { runCli } from '../support/cli.js';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { isDvpkgError } from '../../src/errors.js';
import { formatProblem } from '../../src/errors.js';
import { orgRequests, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { REAL_FIXTURES, SAMPLE_SRC } from '../support/paths.js';
import { runInProcess } from '../support/runner-harness.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';
import { completePdProject } from '../spec/included/fixtures.js';

/** Whole-app packages (issue 11): the ISV's own managed solutions, in order, before the role solution. */
const SOLUTIONS = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'solutions');
const BASE = path.join(SOLUTIONS, 'mpa_EmployeeExperienceBase_managed.zip');
const KUDOS = path.join(SOLUTIONS, 'mpa_Kudos_managed.zip');
const PDPKG = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'built', 'mpa_Kudos.DeploymentPackage.1.0.0.pdpkg.zip');

async function spec(solutions: unknown[], privileges: Record<string, string> = { prvReadmpa_kudo: 'Global', prvReadmpa_eelocalization: 'Global' }): Promise<string> {
  const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
  const dir = await tempDir('dvpkg-whole-app-');
  await writeTree(dir, {
    'solution.json': { ...solution, uniqueName: 'KudosConnectorRoles', displayName: 'Kudos Connector Roles', solutions, app: { ...solution.app, roles: ['Kudos Connector'] } },
    'roles/kudos.json': { name: 'Kudos Connector', privileges },
  });
  return dir;
}

async function build(src: string): Promise<BuiltPackage> {
  const result = await buildSolution({ src, out: await tempDir('dvpkg-whole-app-out-') });
  return { dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version };
}

async function problemsOf(src: string): Promise<string[]> {
  const error = await buildSolution({ src, out: await tempDir() }).then(() => expect.fail('the build should fail'), (e: unknown) => e);
  expect(isDvpkgError(error)).to.equal(true);
  return (error as { problems: Parameters<typeof formatProblem>[0][] }).problems.filter((p) => p.severity === 'error').map(formatProblem);
}

describe('whole-app packages: the ISV\'s own solutions in order (in-process)', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  afterEach(async () => {
    await emulator?.close();
  });
  after(removeTempDirs);

  const imports = () => emulator.log().filter((e) => e.method === 'POST' && e.path.endsWith('/ImportSolutionAsync'));
  const installed = () => Object.fromEntries(emulator.state.data.orgs[0]!.solutions.map((s) => [s['uniquename'], s['version']]));

  for (const [label, solutions] of [
    ['two managed zips', [BASE, KUDOS]],
    ['a built Package Deployer package', [PDPKG]],
  ] as const) {
    it(`deploys ${label} and a role on their tables: every solution in order, the role bound, a re-run makes no writes`, async () => {
      const pkg = await build(await spec([...solutions]));
      const manifest = JSON.parse(await readFile(path.join(pkg.dir, 'manifest.json'), 'utf8')) as { solutions: Array<{ uniqueName: string; source: string }> };
      expect(manifest.solutions.map((s) => [s.uniqueName, s.source])).to.deep.equal([['mpa_EmployeeExperienceBase', 'included'], ['mpa_Kudos', 'included'], ['KudosConnectorRoles', 'built']]);
      emulator = await startSampleEmulator();
      emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
      const first = await runInProcess(pkg, emulator, ['--yes']);
      expect(first.code, first.stdout + first.stderr).to.equal(0);
      expect(first.stdout).to.contain('1. Solutions, in this order:');
      expect(imports()).to.have.length(3);
      expect(installed()).to.include({ mpa_EmployeeExperienceBase: solutions.length === 2 ? '1.0.0.16' : '1.0.0.10', mpa_Kudos: solutions.length === 2 ? '1.0.0.36' : '1.0.0.28', KudosConnectorRoles: '1.0.0.0' });
      expect(first.stdout).to.contain('holds all 2 declared privileges');
      expect(first.stdout, 'the plan names the custom tables as the app shows them').to.contain('Kudo (mpa_kudo)').and.contain('Employee Experience Localization (mpa_eelocalization)');
      emulator.clearLog();
      const again = await runInProcess(pkg, emulator, ['--yes']);
      expect(again.code, again.stdout + again.stderr).to.equal(0);
      expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    });
  }

  it('stops before any write when a solution the package requires is missing from the org, naming it', async () => {
    const pkg = await build(await spec([BASE, KUDOS]));
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const org = emulator.state.data.orgs[0]!;
    org.solutions = org.solutions.filter((s) => s['uniquename'] !== 'AuthorizationCore');
    const result = await runInProcess(pkg, emulator, ['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(5);
    expect(result.stderr).to.contain('mpa_Kudos needs AuthorizationCore 1.97.0.0 or later in the org (it is not installed); install or upgrade it first');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('a failure in the second solution\'s import stops the run naming it, leaves the first installed, and a re-run finishes', async () => {
    const pkg = await build(await spec([BASE, KUDOS]));
    emulator = await startSampleEmulator({ importDurationMs: 200 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const org = emulator.state.data.orgs[0]!;
    const authorization = org.solutions.find((s) => s['uniquename'] === 'AuthorizationCore')!;
    // Once the first import has started, a solution the second one needs goes away: its import fails in the job (0x8004801D).
    const running = runInProcess(pkg, emulator, ['--yes']);
    const deadline = Date.now() + 20_000;
    while (imports().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    org.solutions = org.solutions.filter((s) => s !== authorization);
    const failed = await running;
    expect(failed.code, failed.stdout + failed.stderr).to.equal(6);
    expect(failed.stderr).to.contain('the import failed').and.contain('0x8004801D').and.contain('mpa_Kudos');
    expect(installed()).to.include({ mpa_EmployeeExperienceBase: '1.0.0.16' });
    expect(installed()).to.not.have.property('mpa_Kudos');
    org.solutions.push(authorization);
    const again = await runInProcess(pkg, emulator, ['--yes']);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout).to.contain('mpa_EmployeeExperienceBase 1.0.0.16 is already installed: no import');
    expect(installed()).to.include({ mpa_Kudos: '1.0.0.36', KudosConnectorRoles: '1.0.0.0' });
  });

  it('refuses at build: the two zips in the wrong order (naming both), and a misspelled custom privilege (with a suggestion)', async () => {
    expect((await problemsOf(await spec([KUDOS, BASE]))).join('\n')).to.contain('mpa_Kudos after mpa_EmployeeExperienceBase, which it requires').and.contain('list them in this order: mpa_EmployeeExperienceBase, mpa_Kudos');
    expect((await problemsOf(await spec([BASE, KUDOS], { prvReadmpa_kduo: 'Global' }))).join('\n')).to.contain('did you mean prvReadmpa_kudo?');
  });

  it('build --json lists every solution in import order; the text output names the included ones', async () => {
    const src = await spec([BASE, KUDOS]);
    const out = await tempDir();
    const json = await runCli(['build', '--src', src, '--out', out, '--json']);
    expect(json.code, json.stderr).to.equal(0);
    const solutions = (JSON.parse(json.stdout) as { solutions: Array<{ uniqueName: string; source: string; file: string; sha256: string }> }).solutions;
    expect(solutions.map((s) => [s.uniqueName, s.source, s.file])).to.deep.equal([
      ['mpa_EmployeeExperienceBase', 'included', 'mpa_EmployeeExperienceBase_managed.zip'],
      ['mpa_Kudos', 'included', 'mpa_Kudos_managed.zip'],
      ['KudosConnectorRoles', 'built', 'KudosConnectorRoles_1_0_0_0_managed.zip'],
    ]);
    expect(solutions[0]!.sha256).to.equal(createHash('sha256').update(await readFile(BASE)).digest('hex'));
    const text = await runCli(['build', '--src', src, '--out', out]);
    expect(text.stdout).to.contain('includes  mpa_EmployeeExperienceBase 1.0.0.16 (mpa_EmployeeExperienceBase_managed.zip), imported first');
  });

  describe('--src a Package Deployer package or project: its solutions as they are, the app user on one of its roles', () => {
    const app = { app: { clientId: SAMPLE_CLIENT_ID, name: 'Kudos Sync' } };

    it('builds the real .pdpkg.zip with --app-role, ships no role solution, warns about its DLL, and deploys it binding that role', async () => {
      const result = await buildSolution({ src: PDPKG, out: await tempDir('dvpkg-pd-out-'), ...app, appRoles: ['Kudos - Program Admin'] });
      expect(result.solution).to.equal(undefined);
      expect(result.warnings.map(formatProblem).join('\n')).to.contain('mpa_Kudos.DeploymentPackage.dll').and.contain('expected no custom code');
      const manifest = JSON.parse(await readFile(path.join(result.package!.dir, 'manifest.json'), 'utf8')) as { solutions: Array<{ uniqueName: string; source: string }>; roles: Array<{ name: string; solution?: string }> };
      expect(manifest.solutions.map((s) => [s.uniqueName, s.source])).to.deep.equal([['mpa_EmployeeExperienceBase', 'included'], ['mpa_Kudos', 'included']]);
      expect(manifest.roles.map((r) => [r.name, r.solution])).to.deep.equal([['Kudos - Program Admin', 'mpa_Kudos']]);
      // Custom tables by the display name their solution gives them, with the schema name beside it.
      const readme = await readFile(path.join(result.package!.dir, 'README.md'), 'utf8');
      expect(readme).to.contain('| Kudo (mpa_kudo) | Read | Organization |').and.contain('| Employee Experience Localization (mpa_eelocalization) | Read |');
      const pkg = { dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version };
      emulator = await startSampleEmulator();
      emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
      const first = await runInProcess(pkg, emulator, ['--yes']);
      expect(first.code, first.stdout + first.stderr).to.equal(0);
      expect(imports()).to.have.length(2);
      expect(installed()).to.include({ mpa_EmployeeExperienceBase: '1.0.0.10', mpa_Kudos: '1.0.0.28' });
      const org = emulator.state.data.orgs[0]!;
      const role = org.roles.find((r) => r['name'] === 'Kudos - Program Admin')!;
      const user = org.systemusers.find((u) => String(u['applicationid']).toLowerCase() === SAMPLE_CLIENT_ID.toLowerCase())!;
      expect(role, 'the role the package ships').to.not.equal(undefined);
      expect(org.systemuserroles.some((b) => b['systemuserid'] === user['systemuserid'] && b['roleid'] === role['roleid'])).to.equal(true);
      emulator.clearLog();
      const again = await runInProcess(pkg, emulator, ['--yes']);
      expect(again.code, again.stdout + again.stderr).to.equal(0);
      expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    });

    it('a pac package init project, complete with its solution zips, deploys the same solutions in order and binds the role', async () => {
      const result = await buildSolution({ src: await completePdProject(), out: await tempDir('dvpkg-pd-out-'), ...app, appRoles: ['kudos - program admin'] });
      expect((result.model.included ?? []).map((s) => s.uniqueName)).to.deep.equal(['mpa_EmployeeExperienceBase', 'mpa_Kudos']);
      expect(result.model.roles.map((r) => r.name)).to.deep.equal(['Kudos - Program Admin']);
      const pkg = { dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version };
      emulator = await startSampleEmulator();
      emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
      const first = await runInProcess(pkg, emulator, ['--yes']);
      expect(first.code, first.stdout + first.stderr).to.equal(0);
      expect(imports().map((e) => e.path)).to.have.length(2);
      const org = emulator.state.data.orgs[0]!;
      const order = org.solutions.map((s) => s['uniquename']);
      expect(order.indexOf('mpa_EmployeeExperienceBase')).to.be.lessThan(order.indexOf('mpa_Kudos'));
      const role = org.roles.find((r) => r['name'] === 'Kudos - Program Admin')!;
      expect(org.systemuserroles.filter((b) => b['roleid'] === role['roleid'])).to.have.length(1);
      emulator.clearLog();
      const again = await runInProcess(pkg, emulator, ['--yes']);
      expect(again.code, again.stdout + again.stderr).to.equal(0);
      expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    });

    it('without --client-id, --app-name or --app-role it names each flag, and lists the package\'s roles', async () => {
      const missing = await buildSolution({ src: PDPKG, out: await tempDir() }).then(() => expect.fail('the build should fail'), (e: unknown) => e);
      const text = (missing as { problems: Parameters<typeof formatProblem>[0][] }).problems.map(formatProblem).join('\n');
      expect(text).to.contain('--client-id').and.contain('--app-name').and.contain('--app-role').and.contain('"Kudos - Program Admin"');
      const cli = await runCli(['build', '--src', PDPKG, '--out', await tempDir(), '--client-id', SAMPLE_CLIENT_ID, '--app-name', 'Kudos Sync', '--app-role', 'Kudos Admin']);
      expect(cli.code).to.equal(2);
      expect(cli.stderr).to.contain('--app-role: "Kudos Admin": expected a role one of the package\'s solutions ships').and.contain('"Kudos - Employee"');
      expect(cli.stderr).to.not.match(/at .+\.(ts|js):\d+/);
    });

    it('dvpkg check takes the same flags: OK with a role the package ships (the DLL warned about), exit 2 naming --app-role without one', async () => {
      const ok = await runCli(['check', '--src', PDPKG, '--client-id', SAMPLE_CLIENT_ID, '--app-name', 'Kudos Sync', '--app-role', 'Kudos - Manager']);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.contain('OK (mpa_Kudos 1.0.0.28, 1 role');
      expect(ok.stderr).to.contain('mpa_Kudos.DeploymentPackage.dll');
      const missing = await runCli(['check', '--src', PDPKG, '--client-id', SAMPLE_CLIENT_ID, '--app-name', 'Kudos Sync']);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain('--app-role').and.contain('"Kudos - Program Admin"');
    });
  });

  it('app.roles may name a role an included solution ships: roles/ empty, no role solution built, the role bound', async () => {
    const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
    const src = await tempDir('dvpkg-whole-app-');
    await writeTree(src, { 'solution.json': { ...solution, uniqueName: 'KudosSync', solutions: [BASE, KUDOS], app: { ...solution.app, roles: ['Kudos - Program Admin'] } } });
    const result = await buildSolution({ src, out: await tempDir('dvpkg-whole-app-out-') });
    expect(result.solution).to.equal(undefined);
    const manifest = JSON.parse(await readFile(path.join(result.package!.dir, 'manifest.json'), 'utf8')) as { solutions: Array<{ uniqueName: string }>; roles: Array<{ name: string; solution?: string }> };
    expect(manifest.solutions.map((s) => s.uniqueName)).to.deep.equal(['mpa_EmployeeExperienceBase', 'mpa_Kudos']);
    expect(manifest.roles.map((r) => [r.name, r.solution])).to.deep.equal([['Kudos - Program Admin', 'mpa_Kudos']]);
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runInProcess({ dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version }, emulator, ['--yes']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const org = emulator.state.data.orgs[0]!;
    const role = org.roles.find((r) => r['name'] === 'Kudos - Program Admin')!;
    expect(org.systemuserroles.filter((b) => b['roleid'] === role['roleid'])).to.have.length(1);
  });

  it('app.roles may mix a role of roles/ and one an included solution ships: only the first is built into the role solution', async () => {
    const src = await spec([BASE, KUDOS]);
    const solution = JSON.parse(await readFile(path.join(src, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
    await writeTree(src, { 'solution.json': { ...solution, app: { ...solution.app, roles: ['Kudos Connector', 'Kudos - Manager'] } } });
    const result = await buildSolution({ src, out: await tempDir('dvpkg-whole-app-out-') });
    const roleXml = await (await import('jszip')).default.loadAsync(result.solution!.bytes).then((zip) => zip.file('customizations.xml')!.async('string'));
    expect(roleXml).to.contain('name="Kudos Connector"').and.not.contain('Kudos - Manager');
    const manifest = JSON.parse(await readFile(path.join(result.package!.dir, 'manifest.json'), 'utf8')) as { app: { roles: string[] }; roles: Array<{ name: string; solution?: string }> };
    expect(manifest.app.roles).to.deep.equal(['Kudos Connector', 'Kudos - Manager']);
    expect(manifest.roles.map((r) => [r.name, r.solution])).to.deep.equal([['Kudos Connector', undefined], ['Kudos - Manager', 'mpa_Kudos']]);
  });

  it('with roles/ empty, an app.roles name that no included solution ships is named with the roles they do ship', async () => {
    const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
    const src = await tempDir('dvpkg-whole-app-');
    await writeTree(src, { 'solution.json': { ...solution, solutions: [BASE, KUDOS], app: { ...solution.app, roles: ['kudos - program admin'] } } });
    const text = (await problemsOf(src)).join('\n');
    expect(text).to.contain('app.roles[0]: "kudos - program admin": expected the name of a role in roles/ or shipped by an included solution').and.contain('"Kudos - Employee"').and.contain('did you mean "Kudos - Program Admin"?');
    await writeTree(src, { 'solution.json': { ...solution, solutions: [BASE, KUDOS], app: { ...solution.app, roles: undefined } } });
    expect((await problemsOf(src)).join('\n')).to.contain('expected at least one role, or app.roles naming roles the included solutions ship ("');
  });

  it('names a solutions entry that is not a list, not a path, or names an unknown option', async () => {
    const problems = (await problemsOf(await spec([42, { path: BASE, overwrite: true }]))).join('\n');
    expect(problems).to.contain('solutions[0]: 42: expected a path, or { "path"');
    expect(problems).to.contain('solutions[1].overwrite: true: expected one of path, overwriteUnmanagedCustomizations, publishWorkflowsAndActivatePlugins');
  });
});
