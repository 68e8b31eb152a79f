import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, orgRequests, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { validRole, validSolution } from '../support/spec-builders.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

/**
 * Issue 13, item 1: an upgrade shows what it grants and takes away, compared with what the org holds now,
 * and an unattended upgrade (`--yes`) cannot widen access unless someone said so.
 */
describe('upgrades: privilege changes in the plan, and no unattended widening', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  const packages = new Map<string, BuiltPackage>();

  async function release(version: string, privileges: Record<string, string>): Promise<BuiltPackage> {
    const src = await writeTree(await tempDir(), {
      'solution.json': validSolution({ version, app: { clientId: SAMPLE_CLIENT_ID, name: 'Contoso Sync', consentRedirectUri: 'https://app.contoso.example/consented' } }),
      'roles/reader.json': validRole({ name: 'Contoso Sync Role', privileges }),
    });
    return buildSamplePackage({ src });
  }
  const rolePrivileges = () => {
    const org = emulator.state.data.orgs[0]!;
    const role = org.roles.find((r) => r['name'] === 'Contoso Sync Role' && r['roleid'] === r['_parentrootroleid_value'])!;
    return org.roleprivileges.filter((rp) => rp.roleid === role['roleid']).map((rp) => `${org.privileges.find((p) => p.privilegeid === rp.privilegeid)!.name}=${rp.depth}`).sort();
  };

  before(async () => {
    packages.set('1', await release('1.0.0.0', { prvReadAccount: 'Local', prvReadContact: 'Global' }));
    packages.set('2', await release('2.0.0.0', { prvReadAccount: 'Global', prvDeleteAccount: 'Global', prvReadContact: 'Global' }));
    packages.set('3', await release('3.0.0.0', { prvReadAccount: 'Local', prvReadContact: 'Global' }));
  });
  beforeEach(async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const first = await runInProcess(packages.get('1')!, emulator, ['--yes']);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
  });
  afterEach(async () => emulator.close());
  after(removeTempDirs);

  it('shows a deepened and an added privilege as widening, in the text and the plan JSON', async () => {
    const writes = orgRequests(emulator.log()).writes.length;
    const planned = await runInProcess(packages.get('2')!, emulator, ['--plan', '--json']);
    expect(planned.code, planned.stdout + planned.stderr).to.equal(0);
    const plan = planned.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; plan?: { privilegeChanges: unknown[] } }).find((e) => e.type === 'plan')!.plan!;
    expect(plan.privilegeChanges).to.deep.equal([
      {
        role: 'Contoso Sync Role',
        newRole: false,
        widens: true,
        changes: [
          { kind: 'added', privilege: 'prvDeleteAccount', to: 'Global', widens: true },
          { kind: 'deepened', privilege: 'prvReadAccount', from: 'Local', to: 'Global', widens: true },
        ],
        details: ['adds Delete on Account at Organization (prvDeleteAccount)', 'deepens Read on Account from Business Unit to Organization (prvReadAccount)'],
      },
    ]);
    const text = await runInProcess(packages.get('2')!, emulator, ['--plan']);
    expect(text.stdout).to.contain('What this upgrade changes in "Contoso Sync Role" (compared with the org now):\n     ! adds Delete on Account at Organization (prvDeleteAccount)\n     ! deepens Read on Account from Business Unit to Organization (prvReadAccount)');
    expect(orgRequests(emulator.log()).writes.length, '--plan writes nothing').to.equal(writes);
  });

  it('refuses it with --yes alone (exit 5, naming the changes, nothing written), and upgrades with --accept-privilege-changes', async () => {
    const before = orgRequests(emulator.log()).writes.length;
    const refused = await runInProcess(packages.get('2')!, emulator, ['--yes']);
    expect(refused.code, refused.stdout + refused.stderr).to.equal(5);
    expect(refused.stderr).to.contain("this upgrade widens the application user's access, and --yes alone does not accept that; nothing was changed");
    expect(refused.stderr).to.contain('"Contoso Sync Role": adds Delete on Account at Organization (prvDeleteAccount)');
    expect(refused.stderr).to.contain('"Contoso Sync Role": deepens Read on Account from Business Unit to Organization (prvReadAccount)');
    expect(orgRequests(emulator.log()).writes.length).to.equal(before);
    expect(rolePrivileges()).to.deep.equal(['prvReadAccount=Local', 'prvReadContact=Global']);

    const accepted = await runInProcess(packages.get('2')!, emulator, ['--yes', '--accept-privilege-changes', '--json']);
    expect(accepted.code, accepted.stdout + accepted.stderr).to.equal(0);
    expect(lastJsonLine(accepted.stdout)['outcome']).to.equal('succeeded');
    expect(rolePrivileges()).to.deep.equal(['prvDeleteAccount=Global', 'prvReadAccount=Global', 'prvReadContact=Global']);
  });

  it('lets a narrowing-only upgrade through with --yes', async () => {
    expect((await runInProcess(packages.get('2')!, emulator, ['--yes', '--accept-privilege-changes'])).code).to.equal(0);
    const narrowed = await runInProcess(packages.get('3')!, emulator, ['--yes']);
    expect(narrowed.code, narrowed.stdout + narrowed.stderr).to.equal(0);
    expect(narrowed.stdout).to.contain('     narrows Read on Account from Organization to Business Unit (prvReadAccount)');
    expect(narrowed.stdout).to.contain('     removes Delete on Account (was Organization) (prvDeleteAccount)');
    expect(narrowed.stdout).to.not.contain('(! widens');
    expect(rolePrivileges()).to.deep.equal(['prvReadAccount=Local', 'prvReadContact=Global']);
  });
});
