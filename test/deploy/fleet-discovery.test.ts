import { expect } from 'chai';
import { fleetSeed, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, SAMPLE_CLIENT_ID, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { removeTempDirs } from '../support/tmp.js';

/** Issue 14, item 1: --all-environments lists the signed-in admin's environments through the Global Discovery Service. */
describe('fleet: --all-environments through the Global Discovery Service (in-process)', function () {
  this.timeout(120_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;
  let tenant: string;

  before(async () => {
    pkg = await buildSamplePackage();
  });
  beforeEach(async () => {
    emulator = await startEmulator({ seed: fleetSeed({ tenants: 2, orgsPerTenant: 4 }), apps: [SAMPLE_CLIENT_ID], importDurationMs: 20 });
    tenant = emulator.orgs.at(-1)!.tenantId;
    emulator.grantConsent(tenant, SAMPLE_CLIENT_ID);
  });
  afterEach(async () => emulator.close());
  after(removeTempDirs);

  const run = (args: string[]) => runInProcess(pkg, emulator, ['--all-environments', '--tenant', tenant, '--discovery-url', emulator.discoveryUrl, ...args], {}, { fleet: true });
  const interactiveSignIns = () => emulator.log().filter((e) => e.path.endsWith('/oauth2/v2.0/devicecode') || e.path.endsWith('/oauth2/v2.0/authorize')).length;

  it("finds the tenant's environments and plans each, with one sign-in for all", async () => {
    const planned = await run(['--plan', '--json']);
    expect(planned.code, planned.stdout.slice(-2000) + planned.stderr).to.equal(0);
    const listed = planned.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; text?: string }).find((e) => e.type === 'info' && e.text?.startsWith('The Global Discovery Service'));
    expect(listed?.text).to.match(/lists 4 environments you can use; 4 to go:/);
    for (const org of emulator.orgs.filter((o) => o.tenantId === tenant)) expect(listed?.text).to.contain(org.url);
    const fleet = lastJsonLine(planned.stdout) as { counts: Record<string, number> };
    expect(fleet.counts).to.deep.equal({ planned: 4 });
    expect(interactiveSignIns(), 'interactive sign-ins for the tenant').to.equal(1);
  });

  it('deploys only those --match names', async () => {
    const deployed = await run(['--yes', '--match', '*org 2', '--json']);
    expect(deployed.code, deployed.stdout.slice(-2000) + deployed.stderr).to.equal(0);
    const fleet = lastJsonLine(deployed.stdout) as { counts: Record<string, number>; orgs: Array<{ org: string }> };
    expect(fleet.counts).to.deep.equal({ succeeded: 1 });
    expect(fleet.orgs[0]!.org).to.match(/\/orgs\/t2-org2$/);
    const none = await run(['--yes', '--match', 'nothing*']);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('--all-environments: no environment to deploy to matches --match nothing*');
  });
});
