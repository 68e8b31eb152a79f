import { expect } from 'chai';
import axios from 'axios';
import { XMLParser } from 'fast-xml-parser';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_IDS, defaultSeed, startEmulator, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, SAMPLE_CLIENT_ID, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

/**
 * Issue 14: one package to many orgs in one run. 50 emulated orgs in two subscriber tenants; the ISV app
 * is consented in one of them only. The admin's own automation app signs in once per tenant.
 */
const AUTOMATION = '55555555-6666-4777-8888-999999999999';
const SECOND_TENANT = '00000000-0000-4000-8000-0000000000c2';
const ORGS_PER_TENANT = 25;

function fleetSeed(): Seed {
  const seed = defaultSeed();
  const template = seed.orgs[0]!;
  seed.tenants.push({ id: SECOND_TENANT, name: 'Northwind', domain: 'northwind.example', kind: 'subscriber' });
  seed.apps.push(
    { clientId: SAMPLE_CLIENT_ID, name: 'Fabrikam Sync', homeTenantId: DEFAULT_IDS.isvTenant, multiTenant: true, redirectUris: ['https://sync.fabrikam.example/consented'] },
    { clientId: AUTOMATION, name: 'Admin automation', homeTenantId: DEFAULT_IDS.subscriberTenant, multiTenant: true },
  );
  seed.servicePrincipals.push({ tenantId: DEFAULT_IDS.subscriberTenant, appId: AUTOMATION }, { tenantId: SECOND_TENANT, appId: AUTOMATION }, { tenantId: DEFAULT_IDS.subscriberTenant, appId: SAMPLE_CLIENT_ID });
  seed.orgs = [DEFAULT_IDS.subscriberTenant, SECOND_TENANT].flatMap((tenantId, t) =>
    Array.from({ length: ORGS_PER_TENANT }, (_, i) => ({
      ...structuredClone(template),
      name: `${t === 0 ? 'contoso' : 'northwind'}${String(i + 1).padStart(2, '0')}`,
      tenantId,
      organizationId: `00000000-0000-4000-8000-${String(1000 + t * 100 + i).padStart(12, '0')}`,
      users: [...template.users, { id: `00000000-0000-4000-8000-${String(5000 + t * 100 + i).padStart(12, '0')}`, fullName: '# Admin automation', applicationId: AUTOMATION, roles: [DEFAULT_IDS.systemAdministratorRole] }],
    })),
  );
  return seed;
}

describe('fleet: deploy.mjs --orgs (in-process)', function () {
  this.timeout(180_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;
  let orgsFile: string;
  let secret: string;

  before(async () => {
    pkg = await buildSamplePackage();
    emulator = await startEmulator({ seed: fleetSeed(), importDurationMs: 20 });
    secret = emulator.apps.find((a) => a.clientId === AUTOMATION)!.clientSecret;
    orgsFile = path.join(await tempDir(), 'orgs.txt');
    await writeFile(orgsFile, ['# every test org', ...emulator.orgs.map((o) => o.url)].join('\n'));
  });
  after(async () => {
    await emulator.close();
    await removeTempDirs();
  });

  const fleet = (args: string[]) =>
    runInProcess(pkg, emulator, ['--orgs', orgsFile, '--yes', '--auth', 'client-secret', '--client-id', AUTOMATION, '--concurrency', '8', ...args], { DVPKG_CLIENT_SECRET: secret }, { fleet: true });

  it("deploys one tenant's orgs, reports the other's as consent missing (exit 11), with reports, fleet.json and JUnit; a re-run after consent deploys only the rest", async () => {
    const dir = await tempDir();
    const first = await fleet(['--report-dir', dir]);
    expect(first.code, first.stdout.slice(-3000) + first.stderr).to.equal(11);
    expect(first.stdout).to.match(/50 orgs: 25 done, 25 failed/);
    expect(first.stdout).to.match(/\[northwind01\] +error: admin consent for Fabrikam Sync \(8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d\) is missing in this tenant/);

    const summary = JSON.parse(await readFile(path.join(dir, 'fleet.json'), 'utf8')) as { counts: Record<string, number>; orgs: Array<{ name: string; outcome: string; exitCode: number; reason: string; report: string }> };
    expect(summary.counts).to.deep.equal({ succeeded: 25, failed: 25 });
    const northwind = summary.orgs.filter((o) => o.name.startsWith('northwind'));
    expect(northwind.every((o) => o.outcome === 'failed' && o.exitCode === 3 && o.reason.includes('/adminconsent?client_id=8d3b5f2a'))).to.equal(true);
    expect(summary.orgs.filter((o) => o.name.startsWith('contoso')).every((o) => o.outcome === 'succeeded')).to.equal(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.json')).length).to.equal(51);
    const contoso = JSON.parse(await readFile(path.join(dir, 'contoso01.json'), 'utf8')) as { outcome: string; org: string };
    expect(contoso).to.include({ outcome: 'succeeded', org: emulator.orgs[0]!.url });

    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(path.join(dir, 'fleet.junit.xml'), 'utf8')) as { testsuites: { tests: string; failures: string; testsuite: { testcase: Array<{ name: string; failure?: unknown }> } } };
    expect(junit.testsuites).to.include({ tests: '50', failures: '25' });
    expect(junit.testsuites.testsuite.testcase.filter((c) => c.failure !== undefined).every((c) => c.name.startsWith('northwind'))).to.equal(true);

    emulator.grantConsent(SECOND_TENANT, SAMPLE_CLIENT_ID);
    const writesBefore = emulator.log().filter((e) => e.kind === 'dataverse' && e.method !== 'GET').length;
    const second = await fleet(['--json']);
    expect(second.code, second.stderr).to.equal(0);
    const final = lastJsonLine(second.stdout) as { type: string; counts: Record<string, number>; orgs: Array<{ name: string; outcome: string; writes: number }> };
    expect(final.type).to.equal('fleet');
    expect(final.counts).to.deep.equal({ 'nothing-to-do': 25, succeeded: 25 });
    expect(final.orgs.filter((o) => o.name.startsWith('contoso')).every((o) => o.outcome === 'nothing-to-do' && o.writes === 0)).to.equal(true);
    const writesAfter = emulator.log().filter((e) => e.kind === 'dataverse' && e.method !== 'GET');
    expect(writesAfter.slice(writesBefore).every((e) => e.org?.startsWith('northwind'))).to.equal(true);
  });

  it('dvpkg verify --orgs checks every org as the ISV app, one JUnit suite per org, and exits 11 naming an org that differs', async () => {
    const isvSecret = emulator.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!.clientSecret;
    const junitFile = path.join(await tempDir(), 'verify.xml');
    const verify = () => runCli(['verify', '--orgs', orgsFile, '--package', pkg.dir, '--authority-host', emulator.authorityHost, '--concurrency', '8', '--junit', junitFile], { env: { AZURE_CLIENT_SECRET: isvSecret } });
    const passed = await verify();
    expect(passed.code, passed.stdout.slice(-1500) + passed.stderr).to.equal(0);
    expect(passed.stdout).to.contain('50 orgs: 50 passed, 0 failed');
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(junitFile, 'utf8')) as { testsuites: { failures: string; testsuite: Array<{ name: string }> } };
    expect(junit.testsuites.testsuite).to.have.length(50);
    expect(junit.testsuites.failures).to.equal('0');

    const role = emulator.state.org('contoso03')!.roles.find((r) => r['name'] === 'Fabrikam Sync Connector' && r['roleid'] === r['_parentrootroleid_value'])!;
    await axios.delete(`${emulator.controlUrl}/orgs/contoso03/roles/${role['roleid'] as string}/privileges/prvReadAccount`);
    const failed = await verify();
    expect(failed.code).to.equal(11);
    expect(failed.stdout).to.match(/FAIL {2}contoso03 +\S+\/orgs\/contoso03 +\(role "Fabrikam Sync Connector"/);
    expect(failed.stdout).to.contain('50 orgs: 49 passed, 1 failed');
  });

  it('--shard 1/3, 2/3 and 3/3 cover every org exactly once, and fleet-report merge of their folders equals the unsharded summary', async () => {
    type Summary = { counts: Record<string, number>; orgs: Array<{ name: string; org: string; outcome: string }> };
    const whole = await tempDir();
    expect((await fleet(['--plan', '--report-dir', whole])).code).to.equal(0);
    const shards: string[] = [];
    const seen: string[] = [];
    for (const i of [1, 2, 3]) {
      const dir = await tempDir();
      shards.push(dir);
      const run = await fleet(['--plan', '--shard', `${i}/3`, '--report-dir', dir]);
      expect(run.code, run.stderr).to.equal(0);
      seen.push(...(JSON.parse(await readFile(path.join(dir, 'fleet.json'), 'utf8')) as Summary).orgs.map((o) => o.org));
    }
    expect([...seen].sort()).to.deep.equal(emulator.orgs.map((o) => o.url).sort());
    const merged = await runCli(['fleet-report', 'merge', ...shards, '--json']);
    expect(merged.code, merged.stderr).to.equal(0);
    const unsharded = JSON.parse(await readFile(path.join(whole, 'fleet.json'), 'utf8')) as Summary;
    const joined = JSON.parse(merged.stdout) as Summary;
    const view = (s: Summary) => ({ counts: s.counts, orgs: s.orgs.map((o) => `${o.name} ${o.org} ${o.outcome}`).sort() });
    expect(view(joined)).to.deep.equal(view(unsharded));
    const out = await tempDir();
    const written = await runCli(['fleet-report', 'merge', ...shards, '--out', out]);
    expect(written.code, written.stderr).to.equal(0);
    expect(view(JSON.parse(await readFile(path.join(out, 'fleet.json'), 'utf8')) as Summary)).to.deep.equal(view(unsharded));
    expect(await readFile(path.join(out, 'fleet.junit.xml'), 'utf8')).to.contain('tests="50"');
    const bogus = await tempDir();
    await writeFile(path.join(bogus, 'fleet.json'), '{"orgs": 3}');
    const refused = await runCli(['fleet-report', 'merge', bogus]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain(`${path.join(bogus, 'fleet.json')}: not a fleet.json written by deploy.mjs --report-dir`);
    const twice = await runCli(['fleet-report', 'merge', shards[0]!, shards[0]!]);
    expect(twice.code).to.equal(2);
    expect(twice.stderr).to.contain('each org belongs to one shard');
  });

  it('stops starting orgs after a failure with --fail-fast, and refuses a fleet without --yes or --plan', async () => {
    const fresh = await startEmulator({ seed: fleetSeed(), importDurationMs: 20 });
    try {
      const file = path.join(await tempDir(), 'orgs.json');
      await writeFile(file, JSON.stringify(fresh.orgs.slice(ORGS_PER_TENANT, ORGS_PER_TENANT + 6).map((o) => ({ url: o.url }))));
      const run = await runInProcess(pkg, fresh, ['--orgs', file, '--yes', '--auth', 'client-secret', '--client-id', AUTOMATION, '--concurrency', '1', '--fail-fast', '--json'], { DVPKG_CLIENT_SECRET: fresh.apps.find((a) => a.clientId === AUTOMATION)!.clientSecret }, { fleet: true });
      expect(run.code).to.equal(11);
      const final = lastJsonLine(run.stdout) as { counts: Record<string, number> };
      expect(final.counts).to.deep.equal({ failed: 1, 'not-started': 5 });
      const asked = await runInProcess(pkg, fresh, ['--orgs', file], {}, { fleet: true });
      expect(asked.code).to.equal(2);
      expect(asked.stderr).to.contain('--orgs needs --yes (or --plan to look first)');
    } finally {
      await fresh.close();
    }
  });
});
