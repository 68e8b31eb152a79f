import { expect } from 'chai';
import axios from 'axios';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { createCatalog, defaultCatalog } from '../../src/spec/catalog.js';
import { buildSamplePackage, lastJsonLine, orgRequests, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';
import { SAMPLE_SRC } from '../support/paths.js';

describe('deploy.mjs against the emulator (end to end)', function () {
  this.timeout(120_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;

  before(async () => {
    pkg = await buildSamplePackage();
  });
  afterEach(async () => {
    await emulator?.close();
  });
  after(removeTempDirs);

  it('installs, creates the application user and binds the role in a fresh org', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const report = path.join(await tempDir(), 'report.json');
    const run = await runDeployer(pkg, emulator, ['--yes', '--report', report]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const snapshot = orgSnapshot(emulator);
    expect(snapshot.solution).to.deep.equal({ version: '1.0.0.0', managed: true });
    expect(snapshot.appUsers).to.deep.equal([{ enabled: true }]);
    expect(snapshot.bindings).to.deep.equal(snapshot.roles);
    expect(snapshot.privileges[0]).to.have.length(17);
    const requests = orgRequests(emulator.log());
    expect(requests.withoutPolls.length, 'requests to the org, not counting import polls').to.be.at.most(12);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written).to.include({ outcome: 'succeeded', exitCode: 0, requests: requests.all.length, writes: requests.writes.length });
    expect(written.requests - written.polls).to.equal(requests.withoutPolls.length);
    expect(written.steps.map((s: { name: string }) => s.name)).to.deep.equal(['integrity', 'sign-in', 'preflight', 'consent', 'plan', 'import', 'role', 'app-user', 'role-binding', 'confirm']);
    const userStep = written.steps.find((s: { name: string }) => s.name === 'app-user');
    expect(userStep.changes[0].kind).to.equal('application-user-created');
    expect(run.stdout).to.contain('Read').and.contain('Organization');
  });

  it('signs in to a tenant named by domain with --tenant, without asking the org', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(pkg, emulator, ['--yes', '--tenant', 'contoso.example', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(lastJsonLine(run.stdout)).to.include({ outcome: 'succeeded', tenant: 'contoso.example' });
    expect(emulator.log().some((e) => e.kind === 'dataverse' && e.status === 401), 'no tenant discovery request').to.equal(false);
  });

  it('does nothing on a second run: zero writes, at most 5 requests', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(pkg, emulator, ['--yes'])).code).to.equal(0);
    const before = orgSnapshot(emulator);
    emulator.clearLog();
    const again = await runDeployer(pkg, emulator, ['--json']);
    expect(again.code, again.stderr).to.equal(0);
    const requests = orgRequests(emulator.log());
    expect(requests.writes).to.deep.equal([]);
    expect(requests.all.length).to.be.at.most(5);
    expect(orgSnapshot(emulator)).to.deep.equal(before);
    const report = lastJsonLine(again.stdout);
    expect(report).to.include({ type: 'report', outcome: 'nothing-to-do', exitCode: 0, writes: 0 });
  });

  it('stops with exit 3 and the admin-consent link when consent is missing, and finishes once it is granted', async () => {
    emulator = await startSampleEmulator();
    const missing = await runDeployer(pkg, emulator, ['--yes']);
    expect(missing.code, missing.stdout).to.equal(3);
    const url = `${emulator.authorityHost}/${emulator.tenantId}/adminconsent?client_id=${SAMPLE_CLIENT_ID}`;
    expect(missing.stdout).to.contain(url);
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    const consent = await axios.get(`${url}&redirect_uri=${encodeURIComponent('https://localhost/done')}&state=s1`, { maxRedirects: 0, validateStatus: () => true });
    expect(consent.status).to.equal(302);
    expect(consent.headers['location']).to.contain('admin_consent=True');
    const granted = await runDeployer(pkg, emulator, ['--yes']);
    expect(granted.code, granted.stdout).to.equal(0);
    expect(orgSnapshot(emulator).appUsers).to.have.length(1);
  });

  it('retries the application user while Dataverse has not yet seen a fresh consent (0x8004F510)', async () => {
    emulator = await startSampleEmulator({ consentLagMs: 2500 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(pkg, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(0);
    expect(run.stdout).to.contain('Dataverse does not see the app yet');
    const creates = emulator.log().filter((e) => e.method === 'POST' && e.path.endsWith('/systemusers'));
    expect(creates.map((e) => e.status).slice(-1)).to.deep.equal([204]);
    expect(creates.length).to.be.greaterThan(1);
    expect(orgSnapshot(emulator).appUsers).to.have.length(1);
  });

  it('waits for consent with --wait-for-consent', async () => {
    emulator = await startSampleEmulator();
    const running = runDeployer(pkg, emulator, ['--yes', '--wait-for-consent=60']);
    const deadline = Date.now() + 20_000;
    while (!emulator.log().some((e) => e.kind === 'entra' && e.status === 401 && e.path.endsWith('/token')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await running;
    expect(run.code, run.stdout).to.equal(0);
    expect(run.stdout).to.contain('Waiting up to 60 s for consent');
  });

  it('--plan shows the plan and writes nothing', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(pkg, emulator, ['--plan']);
    expect(run.code, run.stdout).to.equal(0);
    expect(run.stdout).to.contain('install FabrikamSyncConnector 1.0.0.0').and.contain('create in the root business unit');
    expect(run.stdout).to.contain('Plan only: nothing was changed.');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    expect(orgSnapshot(emulator).solution).to.equal(undefined);
  });

  it('upgrades 1.0.0.0 to 2.0.0.0 and keeps the same application user and binding; refuses to go back', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(pkg, emulator, ['--yes'])).code).to.equal(0);
    const org = emulator.state.data.orgs[0]!;
    const userBefore = org.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!['systemuserid'];
    const v2 = await buildSamplePackage({ version: '2.0.0.0' });
    const upgrade = await runDeployer(v2, emulator, ['--yes']);
    expect(upgrade.code, upgrade.stdout).to.equal(0);
    expect(upgrade.stdout).to.contain('upgraded 1.0.0.0 -> 2.0.0.0');
    const after = orgSnapshot(emulator);
    expect(after.solution).to.deep.equal({ version: '2.0.0.0', managed: true });
    expect(emulator.state.data.orgs[0]!.systemusers.filter((u) => u['applicationid'] === SAMPLE_CLIENT_ID).map((u) => u['systemuserid'])).to.deep.equal([userBefore]);
    expect(after.bindings).to.deep.equal(after.roles);
    emulator.clearLog();
    const downgrade = await runDeployer(pkg, emulator, ['--yes']);
    expect(downgrade.code).to.equal(6);
    expect(downgrade.stdout).to.contain('2.0.0.0 is installed, newer than this package\'s 1.0.0.0');
    expect((await runDeployer(pkg, emulator, ['--plan'])).code, '--plan reports the refusal too').to.equal(6);
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  for (const [file, change] of [
    ['FabrikamSyncConnector_1_0_0_0_managed.zip', (b: Buffer) => Buffer.from(b.map((x, i) => (i === b.length - 30 ? x ^ 0xff : x)))],
    ['manifest.json', (b: Buffer) => Buffer.from(b.toString().replace('"prvReadAccount"', '"prvDeleteAccount"'))],
    ['README.md', (b: Buffer) => Buffer.concat([b, Buffer.from('\nAlso run rm -rf /\n')])],
    ['deploy.mjs', (b: Buffer) => Buffer.concat([b, Buffer.from('\n// patched\n')])],
  ] as const) {
    it(`refuses a package whose ${file} was changed, with exit 8 before any request`, async () => {
      emulator = await startSampleEmulator();
      const copy = await buildSamplePackage();
      const target = path.join(copy.dir, file);
      await writeFile(target, change(await readFile(target)));
      emulator.clearLog();
      const run = await runDeployer(copy, emulator, ['--yes']);
      expect(run.code, run.stdout).to.equal(8);
      expect(run.stdout).to.contain(`${file}: sha256 is`);
      expect(run.stdout).to.contain('The package was changed after it was built');
      expect(emulator.log()).to.deep.equal([]);
    });
  }

  it('stops in preflight (exit 5) without importing when the org lacks a privilege', async () => {
    const src = await tempDir();
    await writeTree(src, {
      'solution.json': JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')),
      'roles/connector.json': { name: 'Fabrikam Sync Connector', privileges: { prvReadAccount: 'Global', prvReadfab_Widget: 'Global' } },
    });
    const custom = await buildSamplePackage({ src });
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(custom, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(5);
    expect(run.stdout).to.contain('prvReadfab_Widget does not exist in this org');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('stops in preflight (exit 5) when the org does not allow a declared depth', async () => {
    const entries = Object.fromEntries([...defaultCatalog().entries()].map((e) => [e.name, e.depths.map((d) => d[0]).join('')]));
    emulator = await startSampleEmulator({ privilegeCatalog: createCatalog({ ...entries, prvCreateNote: 'G' }) });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(pkg, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(5);
    expect(run.stdout).to.contain('prvCreateNote cannot be granted at Basic in this org (allowed: Global)');
    expect(orgSnapshot(emulator).solution).to.equal(undefined);
  });

  it('still succeeds with 429s (honouring Retry-After) and 503s injected on every Web API route', async () => {
    emulator = await startSampleEmulator({ faults: '429:0.3,retryAfter=1,route=/orgs/*;503:0.15,route=/orgs/*;seed=11' });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const report = path.join(await tempDir(), 'report.json');
    const run = await runDeployer(pkg, emulator, ['--yes', '--report', report]);
    expect(run.code, run.stdout).to.equal(0);
    const faults = emulator.log().filter((e) => e.fault);
    expect(faults.filter((e) => e.fault === '429').length, '429s injected').to.be.at.least(2);
    expect(faults.filter((e) => e.fault === '503').length, '503s injected').to.be.at.least(1);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written.retries).to.be.at.least(faults.length);
    // Every request after a 429 came at least Retry-After (1 s) later.
    const log = emulator.log();
    log.forEach((entry, i) => {
      if (entry.fault !== '429') return;
      const next = log.slice(i + 1).find((e) => e.kind === 'dataverse' && e.method === entry.method && e.path === entry.path);
      if (next) expect(Date.parse(next.time) - Date.parse(entry.time)).to.be.at.least(950);
    });
  });

  it('binds the role copy of the business unit an existing application user is in', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const org = emulator.state.data.orgs[0]!;
    const child = org.businessunits.find((bu) => bu['_parentbusinessunitid_value'] !== null)!;
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: SAMPLE_CLIENT_ID, businessUnitId: child['businessunitid'] });
    const run = await runDeployer(pkg, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(0);
    const user = org.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
    const bound = org.systemuserroles.filter((l) => l.systemuserid === user['systemuserid']).map((l) => org.roles.find((r) => r['roleid'] === l.roleid)!);
    expect(bound.map((r) => [r['name'], r['_businessunitid_value']])).to.deep.equal([['Fabrikam Sync Connector', child['businessunitid']]]);
    const again = await runDeployer(pkg, emulator, ['--json']);
    expect(again.code, again.stderr).to.equal(0);
    expect(lastJsonLine(again.stdout)).to.include({ outcome: 'nothing-to-do' });
  });

  it('stops in preflight (exit 5) when the signed-in identity could not give the role it lacks privileges of', async () => {
    const automation = '55555555-6666-4777-8888-999999999999';
    emulator = await startSampleEmulator({ apps: [SAMPLE_CLIENT_ID, automation] });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    emulator.grantConsent(emulator.tenantId, automation);
    const deployer = ['prvImportCustomization', 'prvWriteRole', 'prvCreateUser', 'prvReadUser', 'prvAssignRole', 'prvReadRole', 'prvReadSolution', 'prvReadAsyncOperation', 'prvReadImportJob', 'prvReadBusinessUnit'];
    const role = await axios.post(`${emulator.controlUrl}/orgs/contoso/roles`, { name: 'Deployer', privileges: deployer.map((name) => ({ name, level: 'Global' })) });
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: automation, roles: [role.data.roleid] });
    const secret = emulator.apps.find((a) => a.clientId === automation)!.clientSecret;
    const run = await runDeployer(pkg, emulator, ['--yes', '--auth', 'client-secret', '--client-id', automation], { DVPKG_CLIENT_SECRET: secret });
    expect(run.code, run.stdout).to.equal(5);
    expect(run.stdout).to.contain('your account cannot give the role: it does not hold prvReadAccount at Global itself');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('reports a disabled application user with guidance (exit 7)', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(pkg, emulator, ['--yes'])).code).to.equal(0);
    const user = emulator.state.data.orgs[0]!.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
    user['isdisabled'] = true;
    emulator.clearLog();
    const v2 = await buildSamplePackage({ version: '2.0.0.0' });
    const run = await runDeployer(v2, emulator, ['--yes']);
    expect(run.code).to.equal(7);
    expect(run.stdout).to.match(/is disabled\. Enable it in the Power Platform admin center/);
    expect(orgRequests(emulator.log()).writes, 'stopped in preflight, before the upgrade').to.deep.equal([]);
  });

  it('needs --yes or a terminal to confirm, and rejects a secret passed as a flag', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const noTty = await runDeployer(pkg, emulator, []);
    expect(noTty.code).to.equal(2);
    expect(noTty.stdout).to.contain('pass --yes');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    const flag = await runDeployer(pkg, emulator, ['--auth', 'client-secret', '--client-id', SAMPLE_CLIENT_ID, '--client-secret', 'hunter2-secret']);
    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.contain('secrets are not accepted as flag values');
    expect(flag.stderr + flag.stdout).to.not.contain('hunter2-secret');
  });
});
