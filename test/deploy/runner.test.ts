import { expect } from 'chai';
import axios from 'axios';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_IDS, type RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, orgRequests, orgSnapshot, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { fakeClock } from '../support/fake-clock.js';
import { runInProcess } from '../support/runner-harness.js';
import { SAMPLE_SRC } from '../support/paths.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

/**
 * The deploy runner run in-process on a fake clock against the emulator: the same program deploy.mjs
 * runs (real msal-node, axios over HTTP), without process starts or real waits.
 */
describe('the deploy runner against the emulator (in-process)', function () {
  this.timeout(60_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;
  const run = (args: string[] = [], env: NodeJS.ProcessEnv = {}, options = {}) => runInProcess(pkg, emulator, args, env, options);
  const consented = async (options = {}) => {
    emulator = await startSampleEmulator(options);
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
  };

  before(async () => {
    pkg = await buildSamplePackage();
  });
  afterEach(async () => {
    await emulator?.close();
  });
  after(removeTempDirs);

  it('installs, creates the application user and binds the role in a fresh org, within 12 requests', async () => {
    await consented();
    const report = path.join(await tempDir(), 'report.json');
    const result = await run(['--yes', '--report', report]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
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
    expect(written.steps.map((s: { name: string }) => s.name)).to.deep.equal(['integrity', 'sign-in', 'read', 'plan', 'import-solution', 'create-app-user', 'bind-role', 'confirm-privileges']);
    expect(written.steps.find((s: { name: string }) => s.name === 'create-app-user').changes[0].kind).to.equal('application-user-created');
    expect(result.stdout).to.contain('Read').and.contain('Organization');
  });

  it('asks a public client for <org>/user_impersonation, so an admin app without static Dataverse permissions signs in (fidelity-audit #5)', async () => {
    const adminApp = '66666666-7777-4888-8999-aaaaaaaaaaaa';
    await consented({ apps: [SAMPLE_CLIENT_ID, adminApp] });
    // A public client the ISV registered, with no statically configured Dataverse permission: `.default` would get no Dataverse consent.
    await axios.patch(`${emulator.controlUrl}/apps/${adminApp}`, { publicClient: true });
    const result = await run(['--yes', '--admin-client-id', adminApp]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
  });

  it('explains device code refused for an app without public client flows (7000218) and blocked by Conditional Access (53003)', async () => {
    await consented();
    const confidential = await run(['--yes', '--admin-client-id', SAMPLE_CLIENT_ID]);
    expect(confidential.code).to.equal(4);
    expect(confidential.stderr).to.contain('AADSTS7000218 (the sign-in app (the package\'s admin client, or --admin-client-id) does not allow public client flows, which device code needs');
    await axios.put(`${emulator.controlUrl}/tenants/${emulator.tenantId}/policies`, { blockDeviceCode: true });
    const blocked = await run(['--yes']);
    expect(blocked.code).to.equal(4);
    expect(blocked.stderr).to.contain('AADSTS53003 (Conditional Access blocked the sign-in: this tenant does not allow device code sign-in');
    expect(blocked.stderr).to.contain('run again with --auth browser');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('creates the application user with accessmode 4, as Microsoft\'s own provider does (fidelity-audit #11)', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    const user = emulator.state.data.orgs[0]!.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
    expect(user['accessmode']).to.equal(4);
  });

  it('when Entra checks the credential before the service principal, the probe says present and Dataverse\'s 0x8004F510 still ends in exit 3 with the link (fidelity-audit #8)', async () => {
    emulator = await startSampleEmulator({ clientCredentialsCheckOrder: 'credential-first' });
    const result = await run(['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(3);
    expect(result.stdout).to.contain('consent present');
    expect(result.stderr).to.contain(`${emulator.tenantId}/adminconsent?client_id=${SAMPLE_CLIENT_ID}`);
    expect(emulator.log().filter((e) => e.method === 'POST' && e.path.endsWith('/systemusers')).length).to.be.greaterThan(1);
  });

  it('signs in to a tenant named by domain with --tenant, without asking the org', async () => {
    await consented();
    const result = await run(['--yes', '--tenant', 'contoso.example', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(lastJsonLine(result.stdout)).to.include({ outcome: 'succeeded', tenant: 'contoso.example' });
    expect(emulator.log().some((e) => e.kind === 'dataverse' && e.status === 401), 'no tenant discovery request').to.equal(false);
  });

  it('does nothing on a second run: zero writes, at most 5 requests', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    const before = orgSnapshot(emulator);
    emulator.clearLog();
    const again = await run(['--json']);
    expect(again.code, again.stderr).to.equal(0);
    const requests = orgRequests(emulator.log());
    expect(requests.writes).to.deep.equal([]);
    expect(requests.all.length).to.be.at.most(5);
    expect(orgSnapshot(emulator)).to.deep.equal(before);
    expect(lastJsonLine(again.stdout)).to.include({ type: 'report', outcome: 'nothing-to-do', exitCode: 0, writes: 0 });
  });

  it('accepts the org URL as people paste it: the Web API endpoint, a trailing slash, upper case', async () => {
    await consented();
    const upper = emulator.orgUrl.replace('http://127.0.0.1', 'HTTP://127.0.0.1');
    for (const org of [`${emulator.orgUrl}/api/data/v9.2/`, `${emulator.orgUrl}/api/data/v9.1`, `${emulator.orgUrl}/`, upper]) {
      const result = await runInProcess(pkg, emulator, ['--org', org, '--plan', '--json']);
      expect(result.code, `${org}: ${result.stderr}`).to.equal(0);
      expect(lastJsonLine(result.stdout)['org']).to.equal(emulator.orgUrl);
    }
  });

  it('names the difference when the org answers as another URL (localhost for 127.0.0.1)', async () => {
    await consented();
    const result = await runInProcess(pkg, emulator, ['--org', emulator.orgUrl.replace('127.0.0.1', 'localhost'), '--yes']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain(`answers as ${emulator.orgUrl} (the resource its sign-in challenge names)`);
    expect(result.stderr).to.not.match(/Cannot read properties|TypeError/);
  });

  it('names an unknown tenant with its AADSTS code explained', async () => {
    await consented();
    const result = await run(['--yes', '--tenant', 'nosuch.example']);
    expect(result.code).to.equal(4);
    expect(result.stderr).to.contain('AADSTS90002 (the tenant was not found');
    expect(result.stderr + result.stdout).to.not.match(/Cannot read properties|TypeError|at .*\.js:\d+/);
  });

  it('stops with exit 3 and the admin-consent link when consent is missing, and finishes once it is granted', async () => {
    emulator = await startSampleEmulator();
    const missing = await run(['--yes']);
    expect(missing.code, missing.stdout + missing.stderr).to.equal(3);
    const url = `${emulator.authorityHost}/${emulator.tenantId}/adminconsent?client_id=${SAMPLE_CLIENT_ID}`;
    expect(missing.stdout + missing.stderr).to.contain(url);
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const granted = await run(['--yes']);
    expect(granted.code, granted.stdout + granted.stderr).to.equal(0);
    expect(orgSnapshot(emulator).appUsers).to.have.length(1);
  });

  it('tells the admin that the error page after approving a link without a reply address is expected (fidelity-audit #7)', async () => {
    const src = await tempDir();
    const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as { app: Record<string, unknown> };
    delete solution.app['consentRedirectUri'];
    await writeTree(src, { 'solution.json': solution, 'roles/connector.json': JSON.parse(await readFile(path.join(SAMPLE_SRC, 'roles', 'connector.json'), 'utf8')) });
    const bare = await buildSamplePackage({ src });
    emulator = await startSampleEmulator();
    const result = await runInProcess(bare, emulator, ['--yes']);
    expect(result.code).to.equal(3);
    expect(result.stderr).to.contain('Entra shows an error page (AADSTS500113): that is expected, consent is recorded');
    // Entra indeed records the consent and then shows that error.
    const link = /(http:\/\/\S+\/adminconsent\?\S+)/.exec(result.stderr)![1]!;
    const answer = await axios.get(link, { maxRedirects: 0, validateStatus: () => true });
    expect(JSON.stringify(answer.data)).to.contain('500113');
    expect((await runInProcess(bare, emulator, ['--yes'])).code).to.equal(0);
  });

  it('says consent is missing after it was revoked, even with nothing else to do (exit 3, with the link)', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    emulator.revokeConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const again = await run(['--yes']);
    expect(again.code, again.stdout + again.stderr).to.equal(3);
    expect(again.stderr).to.contain(`${emulator.tenantId}/adminconsent?client_id=${SAMPLE_CLIENT_ID}`);
    expect(again.stdout).to.not.contain('Nothing to do');
  });

  it('--plan works before consent: shows the plan, says consent is missing with the link, exit 0', async () => {
    emulator = await startSampleEmulator();
    const plan = await run(['--plan']);
    expect(plan.code, plan.stdout + plan.stderr).to.equal(0);
    expect(plan.stdout).to.contain('install FabrikamSyncConnector 1.0.0.0').and.contain('create in the root business unit');
    expect(plan.stdout).to.contain('Admin consent for').and.contain(`${emulator.tenantId}/adminconsent?client_id=${SAMPLE_CLIENT_ID}`);
    expect(plan.stdout).to.contain('Plan only: nothing was changed.');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('--plan --json prints the plan as an object: steps, grants, consent and differences', async () => {
    emulator = await startSampleEmulator();
    const before = await run(['--plan', '--json']);
    expect(before.code, before.stderr).to.equal(0);
    const events = before.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; plan?: Record<string, unknown> });
    const plan = events.find((e) => e.type === 'plan')!.plan!;
    expect((plan['steps'] as Array<{ kind: string }>).map((s) => s.kind)).to.deep.equal(['import-solution', 'create-app-user', 'bind-role', 'confirm-privileges']);
    expect(plan['grants']).to.have.length(17);
    expect((plan['grants'] as Array<Record<string, string>>)[0]).to.have.keys('role', 'privilege', 'level', 'access', 'table', 'depth');
    expect(plan['consent']).to.deep.include({ state: 'missing', consentUrl: `${emulator.authorityHost}/${emulator.tenantId}/adminconsent?client_id=${SAMPLE_CLIENT_ID}&redirect_uri=${encodeURIComponent('https://sync.fabrikam.example/consented')}` });
    expect(plan['differences']).to.deep.equal([]);
    expect(lastJsonLine(before.stdout)).to.include({ type: 'report', outcome: 'planned', exitCode: 0 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const after = await run(['--plan', '--json']);
    const consent = after.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; plan?: { consent: unknown } }).find((e) => e.type === 'plan')!.plan!.consent;
    expect(consent).to.deep.include({ state: 'present' });
  });

  it('retries the application user while Dataverse has not yet seen a fresh consent (0x8004F510)', async () => {
    await consented({ consentLagMs: 400, importDurationMs: 20 });
    // Retry waits of 1-10 s pass as 100-200 ms of real time: the emulator's real 400 ms lag ends well inside the 90 s.
    const result = await run(['--yes'], {}, { clock: fakeClock({ speedup: 10, maxRealMs: 200 }) });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('Dataverse does not see the app yet');
    const creates = emulator.log().filter((e) => e.method === 'POST' && e.path.endsWith('/systemusers'));
    expect(creates.map((e) => e.status).slice(-1)).to.deep.equal([204]);
    expect(creates.length).to.be.greaterThan(1);
  });

  it('waits for consent with --wait-for-consent', async () => {
    emulator = await startSampleEmulator();
    const running = run(['--yes', '--wait-for-consent=600']);
    const deadline = Date.now() + 20_000;
    while (emulator.log().filter((e) => e.kind === 'entra' && e.status === 401 && e.path.endsWith('/token')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const result = await running;
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('Waiting up to 600 s for consent');
  });

  it('upgrades 1.0.0.0 to 2.0.0.0 keeping the application user and binding, and refuses to go back', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    const users = () => emulator.state.data.orgs[0]!.systemusers.filter((u) => u['applicationid'] === SAMPLE_CLIENT_ID).map((u) => u['systemuserid']);
    const before = users();
    const v2 = await buildSamplePackage({ version: '2.0.0.0' });
    const upgrade = await runInProcess(v2, emulator, ['--yes']);
    expect(upgrade.code, upgrade.stdout + upgrade.stderr).to.equal(0);
    expect(upgrade.stdout).to.contain('upgraded 1.0.0.0 -> 2.0.0.0');
    expect(orgSnapshot(emulator).solution).to.deep.equal({ version: '2.0.0.0', managed: true });
    expect(users()).to.deep.equal(before);
    emulator.clearLog();
    const downgrade = await run(['--yes']);
    expect(downgrade.code).to.equal(6);
    expect(downgrade.stderr).to.contain("2.0.0.0 is installed, newer than this package's 1.0.0.0");
    expect((await run(['--plan'])).code, '--plan reports the refusal too').to.equal(6);
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('stops before any write (exit 5) when the org lacks a declared privilege', async () => {
    const src = await tempDir();
    await writeTree(src, {
      'solution.json': JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')),
      'roles/connector.json': { name: 'Fabrikam Sync Connector', privileges: { prvReadAccount: 'Global', prvReadfab_Widget: 'Global' } },
    });
    const custom = await buildSamplePackage({ src });
    await consented();
    const result = await runInProcess(custom, emulator, ['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(5);
    expect(result.stderr).to.contain('prvReadfab_Widget does not exist in this org');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('binds the role copy of the business unit an existing application user is in', async () => {
    await consented();
    const org = emulator.state.data.orgs[0]!;
    const child = org.businessunits.find((bu) => bu['_parentbusinessunitid_value'] !== null)!;
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: SAMPLE_CLIENT_ID, businessUnitId: child['businessunitid'] });
    const result = await run(['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const user = org.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
    const bound = org.systemuserroles.filter((l) => l.systemuserid === user['systemuserid']).map((l) => org.roles.find((r) => r['roleid'] === l.roleid)!);
    expect(bound.map((r) => [r['name'], r['_businessunitid_value']])).to.deep.equal([['Fabrikam Sync Connector', child['businessunitid']]]);
    const again = await run(['--json']);
    expect(again.code, again.stderr).to.equal(0);
    expect(lastJsonLine(again.stdout)).to.include({ outcome: 'nothing-to-do' });
  });

  it('stops before any write (exit 5) when the signed-in identity could not give a role it lacks privileges of', async () => {
    const automation = '55555555-6666-4777-8888-999999999999';
    emulator = await startSampleEmulator({ apps: [SAMPLE_CLIENT_ID, automation] });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    emulator.grantConsent(emulator.tenantId, automation);
    const deployer = ['prvImportCustomization', 'prvWriteRole', 'prvCreateUser', 'prvReadUser', 'prvAssignRole', 'prvReadRole', 'prvReadSolution', 'prvReadAsyncOperation', 'prvReadImportJob', 'prvReadBusinessUnit'];
    const role = await axios.post(`${emulator.controlUrl}/orgs/contoso/roles`, { name: 'Deployer', privileges: deployer.map((name) => ({ name, level: 'Global' })) });
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: automation, roles: [role.data.roleid] });
    const secret = emulator.apps.find((a) => a.clientId === automation)!.clientSecret;
    const result = await run(['--yes', '--auth', 'client-secret', '--client-id', automation], { DVPKG_CLIENT_SECRET: secret });
    expect(result.code, result.stdout + result.stderr).to.equal(5);
    expect(result.stderr).to.contain('your account cannot give the role: it does not hold prvReadAccount at Global itself');
    expect(result.stdout + result.stderr).to.not.contain(secret);
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
  });

  it('reports a disabled application user with guidance (exit 7) before any write', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    emulator.state.data.orgs[0]!.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!['isdisabled'] = true;
    emulator.clearLog();
    const v2 = await buildSamplePackage({ version: '2.0.0.0' });
    const result = await runInProcess(v2, emulator, ['--yes']);
    expect(result.code).to.equal(7);
    expect(result.stderr).to.match(/is disabled\. Enable it in the Power Platform admin center/);
    expect(orgRequests(emulator.log()).writes, 'stopped before the upgrade').to.deep.equal([]);
  });

  it('needs --yes or a terminal to confirm; "N" at the prompt is "Cancelled; nothing was changed" with exit 10', async () => {
    await consented();
    const noTerminal = await run([]);
    expect(noTerminal.code).to.equal(2);
    expect(noTerminal.stderr).to.contain('pass --yes');
    const report = path.join(await tempDir(), 'report.json');
    const no = await run(['--report', report], {}, { answer: 'N' });
    expect(no.code, no.stdout + no.stderr).to.equal(10);
    expect(no.stdout).to.contain('Apply this plan? [y/N]').and.contain('Cancelled; nothing was changed.');
    expect(no.stdout + no.stderr).to.not.match(/FAILED|DVPKG_USAGE|error:/);
    expect(JSON.parse(await readFile(report, 'utf8'))).to.include({ outcome: 'cancelled', exitCode: 10 });
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    const yes = await run([], {}, { answer: 'y' });
    expect(yes.code, yes.stdout + yes.stderr).to.equal(0);
  });

  it('tells the truth when the org differs: an extra privilege on its role and an extra role end with exit 9, named as verify names them', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    const org = emulator.state.data.orgs[0]!;
    const user = org.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
    const ours = orgSnapshot(emulator).roles[0] as string;
    const basicUser = org.roles.find((r) => r['name'] === 'Basic User' && r['_businessunitid_value'] === user['_businessunitid_value'])!;
    await axios.post(`${emulator.controlUrl}/orgs/contoso/roles/${ours}/privileges`, { name: 'prvDeleteAccount', level: 'Basic' });
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers/${user['systemuserid']}/roles`, { roleId: basicUser['roleid'] });
    const report = path.join(await tempDir(), 'report.json');
    const result = await run(['--yes', '--report', report]);
    expect(result.code, result.stdout + result.stderr).to.equal(9);
    expect(result.stdout).to.contain('role "Fabrikam Sync Connector": extra privilege prvDeleteAccount (Basic)');
    expect(result.stdout).to.contain('the application user also holds "Basic User"');
    expect(result.stdout).to.not.contain('Nothing to do');
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written).to.include({ outcome: 'differs', exitCode: 9 });
    // verify's effective-privileges check counts every privilege beyond the declared ones: so does the runner.
    const beyond = (written.differences as string[]).filter((d) => d.startsWith('effective privilege'));
    expect(beyond.some((d) => d.includes('prvDeleteAccount'))).to.equal(true);
    expect(beyond.length).to.be.greaterThan(1);
  });

  it('checks a privilege the admin holds through a team at its real depth, not the Basic RetrieveUserPrivileges reports (fidelity-audit #6)', async () => {
    await consented();
    const org = emulator.state.data.orgs[0]!;
    const admin = DEFAULT_IDS.adminSystemUser;
    // The admin is System Administrator through an owner team only.
    org.systemuserroles = org.systemuserroles.filter((l) => l.systemuserid !== admin);
    const team = await axios.post(`${emulator.controlUrl}/orgs/contoso/teams`, { name: 'Admins', roles: [DEFAULT_IDS.systemAdministratorRole], members: [admin] });
    expect(team.status).to.equal(201);
    const result = await run(['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(emulator.log().some((e) => e.path.includes('RetrieveUsersPrivilegesThroughTeams')), 'asked for the real depth').to.equal(true);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
  });

  it('skips a soft-deleted application user and says what to do when it blocks the create; --purge-deleted-app-user clears it', async () => {
    await consented();
    expect((await run(['--yes'])).code).to.equal(0);
    const org = emulator.state.data.orgs[0]!;
    const user = org.systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
    // What an admin's delete leaves: an inactive row with deletedstate 1 and no roles, still returned by queries.
    Object.assign(user, { isdisabled: true, deletedstate: 1 });
    org.systemuserroles = org.systemuserroles.filter((l) => l.systemuserid !== user['systemuserid']);
    const blocked = await run(['--yes']);
    expect(blocked.code, blocked.stdout + blocked.stderr).to.equal(7);
    expect(blocked.stderr).to.contain('still held as a soft-deleted record').and.contain('--purge-deleted-app-user');
    expect(blocked.stderr).to.not.contain('Activate');
    const purged = await run(['--yes', '--purge-deleted-app-user']);
    expect(purged.code, purged.stdout + purged.stderr).to.equal(0);
    const rows = org.systemusers.filter((u) => u['applicationid'] === SAMPLE_CLIENT_ID);
    expect(rows.map((u) => u['deletedstate'] ?? 0)).to.deep.equal([0]);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
  });

  it('two runners started together in one org both finish: the one whose job fails with "Cannot start another [Import]" waits and finds the work done', async () => {
    await consented({ importDurationMs: 300 });
    const [a, b] = await Promise.all([run(['--yes']), run(['--yes'])]);
    expect(a.code, a.stdout + a.stderr).to.equal(0);
    expect(b.code, b.stdout + b.stderr).to.equal(0);
    expect(a.stdout + b.stdout).to.contain('another solution import or uninstall is running in this org; waiting for it to finish');
    expect(orgSnapshot(emulator).appUsers).to.have.length(1);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
  });

  it('still succeeds with 429s and 503s injected on every Web API route, waiting what Retry-After says', async () => {
    await consented({ faults: '429:0.3,retryAfter=1,route=/orgs/*;503:0.15,route=/orgs/*;seed=11' });
    const report = path.join(await tempDir(), 'report.json');
    const result = await run(['--yes', '--json', '--report', report]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const faults = emulator.log().filter((e) => e.fault);
    const throttled = faults.filter((e) => e.fault === '429');
    expect(throttled.length, '429s injected').to.be.at.least(2);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written.retries).to.be.at.least(throttled.length);
    // Each 429 is waited out for exactly its Retry-After (1 s), and the wait is reported as a retry event.
    const retries = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; reason?: string; delayMs?: number; target?: string }).filter((e) => e.type === 'retry' && e.reason === '429');
    expect(retries.map((e) => e.delayMs), JSON.stringify({ throttled: throttled.map((e) => `${e.method} ${e.path}`), retries })).to.deep.equal(throttled.map(() => 1000));
  });

  it('ends an interrupted run cleanly: exit 130, outcome interrupted, what is still running; a re-run finishes', async () => {
    await consented({ importDurationMs: 800 });
    const stop = new AbortController();
    const report = path.join(await tempDir(), 'report.json');
    const running = run(['--yes', '--report', report], {}, { signal: stop.signal, clock: fakeClock({ speedup: 1 }) });
    const deadline = Date.now() + 20_000;
    while (!emulator.log().some((e) => e.path.endsWith('/ImportSolutionAsync') && e.status === 200) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('stopped by SIGINT'));
    const result = await running;
    expect(result.code, result.stdout + result.stderr).to.equal(130);
    expect(result.stdout).to.contain('Interrupted (exit 130)').and.contain('Still running in Dataverse: the import of FabrikamSyncConnector 1.0.0.0').and.contain('Run the same command again to finish');
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written).to.include({ outcome: 'interrupted', exitCode: 130 });
    expect(written.stillRunning[0]).to.match(/^the import of FabrikamSyncConnector 1\.0\.0\.0 \((import job |its start was sent)/);
    const again = await run(['--yes']);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
  });
});
