import { expect } from 'chai';
import { fleetSeed, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, SAMPLE_CLIENT_ID, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { removeTempDirs } from '../support/tmp.js';
import { systemClock } from '../../src/runtime/clock.js';

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

describe('fleet: one identity throttled across its orgs (in-process, real time)', function () {
  this.timeout(120_000);

  it('ends every org done when the service protection limit bites, the 429s shared by the whole fleet', async () => {
    const pkg = await buildSamplePackage();
    const emulator = await startEmulator({ seed: fleetSeed({ tenants: 1, orgsPerTenant: 16 }), apps: [SAMPLE_CLIENT_ID], importDurationMs: 20, serviceProtection: { requests: 60, windowSeconds: 2 } });
    try {
      emulator.grantConsent(emulator.orgs[0]!.tenantId, SAMPLE_CLIENT_ID);
      const run = await runInProcess(
        pkg,
        emulator,
        ['--all-environments', '--tenant', emulator.orgs[0]!.tenantId, '--discovery-url', emulator.discoveryUrl, '--yes', '--concurrency', '16', '--json'],
        {},
        { fleet: true, clock: systemClock },
      );
      expect(run.code, run.stdout.slice(-2000) + run.stderr).to.equal(0);
      expect((lastJsonLine(run.stdout) as { counts: Record<string, number> }).counts).to.deep.equal({ succeeded: 16 });
      const throttled = emulator.log().filter((e) => e.status === 429);
      const dataverse = emulator.log().filter((e) => e.kind === 'dataverse');
      expect(throttled.length, 'the limit bit').to.be.greaterThan(0);
      // Each 429 holds the identity's requests to every org, so the orgs do not each spend the budget and each get refused.
      // Measured: 17-20 429s with the shared gate, 35-36 when each org waits on its own.
      expect(throttled.length, `${throttled.length} 429s for ${dataverse.length} requests`).to.be.below(2 * 16);
    } finally {
      await emulator.close();
    }
  });
});
