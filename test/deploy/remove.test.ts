import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, orgRequests, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { BASE_ZIP, buildWholeApp, KUDOS_ZIP, ROLE_SOLUTION } from '../support/whole-app-package.js';
import { removeTempDirs } from '../support/tmp.js';

/**
 * Issue 13, item 3: `deploy.mjs --remove` takes a package out of an org: the roles off the application
 * user, the user disabled (or deleted), the package's solutions uninstalled newest first; nothing when
 * another solution still depends on one of them.
 */
describe('deploy.mjs --remove (in-process)', function () {
  this.timeout(90_000);
  let emulator: RunningEmulator;
  let sample: BuiltPackage;

  const org = () => emulator.state.data.orgs[0]!;
  const appUsers = () => org().systemusers.filter((u) => u['applicationid'] === SAMPLE_CLIENT_ID);
  const bindings = () => appUsers().flatMap((u) => org().systemuserroles.filter((l) => l.systemuserid === u['systemuserid']));
  const installed = (name: string) => org().solutions.some((s) => s['uniquename'] === name);

  before(async () => {
    sample = await buildSamplePackage();
  });
  beforeEach(async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
  });
  afterEach(async () => emulator.close());
  after(removeTempDirs);

  it('plans first (--plan --json changes nothing), then removes everything, and a second run has nothing to do', async () => {
    expect((await runInProcess(sample, emulator, ['--yes'])).code).to.equal(0);
    const writes = orgRequests(emulator.log()).writes.length;
    const planned = await runInProcess(sample, emulator, ['--remove', '--plan', '--json']);
    expect(planned.code, planned.stdout + planned.stderr).to.equal(0);
    const plan = planned.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; plan?: { steps: Array<{ kind: string }> } }).find((e) => e.type === 'removal-plan')!.plan!;
    expect(plan.steps.map((s) => s.kind)).to.deep.equal(['unbind-role', 'disable-app-user', 'uninstall-solution']);
    expect(orgRequests(emulator.log()).writes.length).to.equal(writes);

    const removed = await runInProcess(sample, emulator, ['--remove', '--yes']);
    expect(removed.code, removed.stdout + removed.stderr).to.equal(0);
    expect(removed.stdout).to.contain('1. take "Fabrikam Sync Connector" from the application user');
    expect(removed.stdout).to.contain('az ad sp delete --id 8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d');
    expect(removed.stdout).to.match(/Removed: 3 changes in/);
    expect(bindings()).to.deep.equal([]);
    expect(appUsers().map((u) => ({ disabled: u['isdisabled'], deleted: u['deletedstate'] }))).to.deep.equal([{ disabled: true, deleted: 0 }]);
    expect(installed('FabrikamSyncConnector')).to.equal(false);
    expect(org().roles.some((r) => r['name'] === 'Fabrikam Sync Connector')).to.equal(false);

    const again = await runInProcess(sample, emulator, ['--remove', '--yes', '--json']);
    expect(again.code).to.equal(0);
    expect(lastJsonLine(again.stdout)).to.include({ action: 'remove', outcome: 'nothing-to-do', writes: 0 });
  });

  it('deletes the application user with --delete-user, after disabling it', async () => {
    expect((await runInProcess(sample, emulator, ['--yes'])).code).to.equal(0);
    const removed = await runInProcess(sample, emulator, ['--remove', '--yes', '--delete-user']);
    expect(removed.code, removed.stdout + removed.stderr).to.equal(0);
    expect(removed.stdout).to.contain('records it owns are not deleted');
    expect(appUsers().map((u) => u['deletedstate'])).to.deep.equal([1]);
    const methods = emulator.log().filter((e) => e.kind === 'dataverse' && /systemusers\([^)]*\)$/.test(e.path)).map((e) => e.method);
    expect(methods).to.deep.equal(['PATCH', 'DELETE']);
  });

  it('uninstalls a whole app newest first, and changes nothing while another solution depends on one of ours, naming it', async () => {
    const baseOnly = await buildWholeApp([BASE_ZIP]);
    const whole = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    // Kudos arrives with the whole app; the base-only package then finds Kudos (not its own) depending on its base.
    expect((await runInProcess(whole, emulator, ['--yes'])).code).to.equal(0);
    const before = orgRequests(emulator.log()).writes.length;
    const blocked = await runInProcess(baseOnly, emulator, ['--remove', '--yes']);
    expect(blocked.code, blocked.stdout + blocked.stderr).to.equal(5);
    expect(blocked.stderr).to.contain('the package cannot be removed: other solutions depend on it; nothing was changed');
    expect(blocked.stderr).to.match(/mpa_Kudos\)? depends on mpa_EmployeeExperienceBase/);
    expect(orgRequests(emulator.log()).writes.length).to.equal(before);

    const removed = await runInProcess(whole, emulator, ['--remove', '--yes', '--json']);
    expect(removed.code, removed.stdout + removed.stderr).to.equal(0);
    const uninstalls = emulator.log().filter((e) => e.path.endsWith('/UninstallSolutionAsync')).length;
    expect(uninstalls).to.equal(3);
    for (const name of [ROLE_SOLUTION, 'mpa_Kudos', 'mpa_EmployeeExperienceBase']) expect(installed(name), name).to.equal(false);
    expect(bindings()).to.deep.equal([]);
  });

  it('keeps a package solution at a version this package never shipped, unless --force', async () => {
    expect((await runInProcess(sample, emulator, ['--yes'])).code).to.equal(0);
    const newer = await buildSamplePackage({ version: '1.1.0.0' });
    const kept = await runInProcess(newer, emulator, ['--remove', '--yes']);
    expect(kept.code, kept.stdout + kept.stderr).to.equal(0);
    expect(kept.stdout).to.contain('Kept: FabrikamSyncConnector 1.0.0.0: this package ships 1.1.0.0, not the installed 1.0.0.0; --force removes it anyway');
    expect(installed('FabrikamSyncConnector')).to.equal(true);
    const forced = await runInProcess(newer, emulator, ['--remove', '--yes', '--force']);
    expect(forced.code).to.equal(0);
    expect(installed('FabrikamSyncConnector')).to.equal(false);
  });
});
