import { expect } from 'chai';
import axios from 'axios';
import { XMLParser } from 'fast-xml-parser';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { Writable } from 'node:stream';
import { runVerifyCommand, type VerifyArgs } from '../../src/programs/cli/commands/verify.js';
import { reportError } from '../../src/errors.js';
import { createOutput } from '../../src/runtime/output.js';
import { runCli, type RunResult } from '../support/cli.js';
import { buildSamplePackage, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

interface Check {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  expected: string;
  actual: string;
  details: string[];
}

describe('dvpkg verify against the emulator (end to end)', function () {
  this.timeout(120_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;
  let secret: string;

  const control = (method: 'post' | 'patch' | 'delete', route: string, body?: unknown) =>
    axios.request({ method, url: `${emulator.controlUrl}/orgs/contoso${route}`, data: body, validateStatus: (s) => s < 300 });
  const org = () => emulator.state.data.orgs[0]!;
  const appUser = () => org().systemusers.find((u) => u['applicationid'] === SAMPLE_CLIENT_ID)!;
  const roleId = () => org().roles.find((r) => r['name'] === 'Fabrikam Sync Connector' && r['roleid'] === r['_parentrootroleid_value'])!['roleid'] as string;

  /** The verify command in-process (its flags given as yargs would pass them); the CLI itself runs as a process below. */
  async function verify(extra: string[] = [], env: NodeJS.ProcessEnv = { AZURE_CLIENT_SECRET: secret }): Promise<RunResult & { checks: Check[] }> {
    const flag = (name: string) => (extra.includes(name) ? extra[extra.indexOf(name) + 1] : undefined);
    const args: VerifyArgs = { org: emulator.orgUrl, package: pkg.dir, authorityHost: emulator.authorityHost, json: true, probe: extra.includes('--probe') };
    for (const [name, key] of [['--report', 'report'], ['--junit', 'junit'], ['--client-id', 'clientId'], ['--certificate', 'certificate']] as const) {
      const value = flag(name);
      if (value !== undefined) args[key] = value;
    }
    let stdout = '';
    let stderr = '';
    const sink = (write: (text: string) => void) => new Writable({ write: (chunk, _encoding, done) => { write(String(chunk)); done(); } });
    const output = createOutput({ stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)) });
    const clean = { AZURE_CLIENT_SECRET: undefined, AZURE_CLIENT_ID: undefined, AZURE_TENANT_ID: undefined, AZURE_CLIENT_CERTIFICATE_PATH: undefined, DVPKG_CLIENT_SECRET: undefined };
    const code = await runVerifyCommand(args, output, { ...clean, ...env }).catch((error: unknown) => reportError(error, output, 'dvpkg'));
    const checks = stdout.trim() ? ((JSON.parse(stdout) as { checks: Check[] }).checks ?? []) : [];
    return { code, stdout, stderr, checks };
  }
  const failed = (checks: Check[]) => checks.filter((c) => c.status === 'fail');

  before(async () => {
    pkg = await buildSamplePackage();
  });
  beforeEach(async () => {
    emulator = await startSampleEmulator();
    secret = emulator.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!.clientSecret;
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    // The deploy is the setup, not what is tested here: it runs in-process.
    const deployed = await runInProcess(pkg, emulator, ['--yes']);
    expect(deployed.code, deployed.stdout).to.equal(0);
  });
  afterEach(async () => {
    await emulator.close();
  });
  after(removeTempDirs);

  it('passes every check on a correctly deployed org, with JSON and JUnit reports and no secret in them', async () => {
    const dir = await tempDir();
    const report = path.join(dir, 'verify.json');
    const junit = path.join(dir, 'verify.xml');
    const run = await verify(['--probe', '--report', report, '--junit', junit]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.checks.map((c) => c.name)).to.deep.equal([
      'token',
      'app-user',
      'solution',
      'role "Fabrikam Sync Connector"',
      'roles-bound',
      'effective-privileges',
      'probe accounts',
      'probe contacts',
      'probe annotations',
    ]);
    expect(failed(run.checks)).to.deep.equal([]);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written).to.include({ outcome: 'passed', exitCode: 0 });
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(junit, 'utf8'));
    expect(xml.testsuites.testsuite).to.include({ tests: '9', failures: '0', skipped: '0' });
    expect(xml.testsuites.testsuite.testcase).to.have.length(9);
    for (const text of [run.stdout, run.stderr, await readFile(report, 'utf8'), await readFile(junit, 'utf8')]) expect(text).to.not.contain(secret);
  });

  it('prints a readable table, reading the manifest from the package zip or manifest.json', async () => {
    for (const location of [`${pkg.dir}.zip`, path.join(pkg.dir, 'manifest.json')]) {
      const other = await runCli(['verify', '--org', emulator.orgUrl, '--package', location, '--authority-host', emulator.authorityHost, '--json'], { env: { AZURE_CLIENT_SECRET: secret } });
      expect(other.code, location).to.equal(0);
    }
    const run = await runCli(['verify', '--org', emulator.orgUrl, '--package', pkg.dir, '--authority-host', emulator.authorityHost], { env: { AZURE_CLIENT_SECRET: secret } });
    expect(run.code).to.equal(0);
    expect(run.stdout).to.match(/^PASS {2}token/m);
    expect(run.stdout).to.match(/6 passed, 0 failed, 0 skipped: PASSED/);
  });

  it('accepts an application user that holds its business unit\'s copy of the role', async () => {
    const child = org().businessunits.find((bu) => bu['_parentbusinessunitid_value'] !== null)!;
    const copy = org().roles.find((r) => r['name'] === 'Fabrikam Sync Connector' && r['_businessunitid_value'] === child['businessunitid'])!;
    const link = org().systemuserroles.find((l) => l.systemuserid === appUser()['systemuserid'])!;
    appUser()['_businessunitid_value'] = child['businessunitid'];
    link.roleid = copy['roleid'] as string;
    const run = await verify();
    expect(run.code, run.stdout).to.equal(0);
    expect(run.checks.find((c) => c.name === 'roles-bound')!.status).to.equal('pass');
  });

  it('fails naming a privilege added to the role in the org', async () => {
    await control('post', `/roles/${roleId()}/privileges`, { name: 'prvDeleteAccount', level: 'Global' });
    const run = await verify();
    expect(run.code).to.equal(1);
    expect(failed(run.checks).map((c) => c.name)).to.deep.equal(['role "Fabrikam Sync Connector"', 'effective-privileges']);
    expect(failed(run.checks)[0]!.details).to.deep.equal(['extra privilege prvDeleteAccount (Global)']);
    expect(failed(run.checks)[1]!.details).to.deep.equal(['prvDeleteAccount (Global) is not declared']);
  });

  it('fails naming a privilege removed from the role', async () => {
    await control('delete', `/roles/${roleId()}/privileges/prvReadContact`);
    const run = await verify();
    expect(run.code).to.equal(1);
    expect(failed(run.checks).map((c) => c.name)).to.deep.equal(['role "Fabrikam Sync Connector"']);
    expect(failed(run.checks)[0]!.details).to.deep.equal(['missing privilege prvReadContact (Global)']);
  });

  it('fails naming a privilege at another depth', async () => {
    await control('post', `/roles/${roleId()}/privileges`, { name: 'prvWriteAccount', level: 'Global' });
    const run = await verify();
    expect(run.code).to.equal(1);
    const role = run.checks.find((c) => c.name === 'role "Fabrikam Sync Connector"')!;
    expect(role.details).to.deep.equal(['different depth prvWriteAccount: Global in the org, Deep declared']);
    expect(run.checks.find((c) => c.name === 'effective-privileges')!.details).to.deep.equal(['prvWriteAccount at Global is deeper than declared (Deep)']);
  });

  it('fails least privilege when System Administrator is also bound to the app user', async () => {
    const sysadmin = org().roles.find((r) => r['name'] === 'System Administrator' && r['roleid'] === r['_parentrootroleid_value'])!['roleid'];
    await control('post', `/systemusers/${appUser()['systemuserid']}/roles`, { roleId: sysadmin });
    const run = await verify();
    expect(run.code).to.equal(1);
    const bound = run.checks.find((c) => c.name === 'roles-bound')!;
    expect(bound.status).to.equal('fail');
    expect(bound.details[0]).to.match(/also holds "System Administrator" .* least privilege is broken/);
    expect(run.checks.find((c) => c.name === 'effective-privileges')!.status).to.equal('fail');
  });

  it('fails when the application user is disabled', async () => {
    await control('patch', `/systemusers/${appUser()['systemuserid']}`, { isdisabled: true });
    const run = await verify();
    expect(run.code).to.equal(1);
    const check = run.checks.find((c) => c.name === 'app-user')!;
    expect(check.status).to.equal('fail');
    expect(check.details.join(' ')).to.match(/disabled/);
  });

  it('fails when the solution is at another version', async () => {
    await control('post', '/solutions', { uniqueName: 'FabrikamSyncConnector', version: '0.9.0.0', managed: true });
    const run = await verify();
    expect(run.code).to.equal(1);
    expect(failed(run.checks).map((c) => c.name)).to.deep.equal(['solution']);
    expect(failed(run.checks)[0]!.details).to.deep.equal(['version 0.9.0.0 is installed, the package is 1.0.0.0']);
  });

  it('explains a missing consent and an unknown app (exit 4)', async () => {
    emulator.revokeConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const noConsent = await verify();
    expect(noConsent.code).to.equal(4);
    expect(noConsent.checks[0]!.details[0]).to.match(/AADSTS7000229 \(the app has no service principal in this tenant: admin consent has not been granted here yet\)/);
    expect(noConsent.checks.slice(1).every((c) => c.status === 'skip')).to.equal(true);
    const unknown = await verify(['--client-id', '99999999-8888-4777-8666-555555555555']);
    expect(unknown.code).to.equal(4);
    expect(unknown.checks[0]!.details[0]).to.match(/AADSTS700016 \(the app id is not known in this tenant: admin consent has not been granted here/);
  });

  it('explains a wrong secret (exit 4) and never prints it', async () => {
    const run = await verify([], { AZURE_CLIENT_SECRET: 'definitely-wrong-secret-value' });
    expect(run.code).to.equal(4);
    expect(run.checks[0]!.details[0]).to.match(/AADSTS7000215 \(the client secret is wrong\)/);
    expect(run.stdout + run.stderr).to.not.contain('definitely-wrong-secret-value');
  });

  it('signs in with the app certificate too', async () => {
    const app = emulator.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!;
    const pem = path.join(await tempDir(), 'app.pem');
    await import('node:fs/promises').then((fs) => fs.writeFile(pem, `${app.privateKeyPem}\n${app.certificatePem}\n`));
    const run = await verify(['--certificate', pem], {});
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout + run.stderr).to.not.contain('PRIVATE KEY');
  });

  it('needs a credential and a readable package (exit 2)', async () => {
    const none = await verify([], {});
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('no app credential: set AZURE_CLIENT_SECRET, pass --certificate <pem>');
    expect(none.stderr).to.contain('--federated-token-file <file>');
    const missing = await runCli(['verify', '--org', emulator.orgUrl, '--package', '/nonexistent/pkg'], { env: { AZURE_CLIENT_SECRET: secret } });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('--package /nonexistent/pkg: not found');
  });
});
