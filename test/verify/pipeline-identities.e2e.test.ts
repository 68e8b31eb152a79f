import { expect } from 'chai';
import axios from 'axios';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_IDS, type RunningEmulator } from '../../src/emulator/index.js';
import { runCli, type RunResult } from '../support/cli.js';
import { buildSamplePackage, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';
import { fakeAzDir } from '../emulator/support/fake-az.js';

/**
 * Issue 12, item 3: pipelines without a stored secret. `dvpkg verify` runs as a process with nothing but
 * a federated token (a file, as Kubernetes and Azure Pipelines provide it, or the GitHub Actions job's
 * OIDC token service), minted by the emulator's own OIDC issuer the way a CI provider mints it; and the
 * runner takes its token from a signed-in Azure CLI.
 */
describe('pipeline identities: federated tokens and the Azure CLI (end to end)', function () {
  this.timeout(120_000);
  const SUBJECT = 'repo:fabrikam/sync:environment:production';
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;

  const addCredential = (subject = SUBJECT) => axios.post(`${emulator.controlUrl}/apps/${SAMPLE_CLIENT_ID}/federated-credentials`, { subject });
  const mint = async (subject: string) => (await axios.post(`${emulator.oidc.issuer}/token`, { subject })).data.token as string;
  const verify = (env: NodeJS.ProcessEnv, extra: string[] = []): Promise<RunResult> =>
    runCli(['verify', '--org', emulator.orgUrl, '--package', pkg.dir, '--authority-host', emulator.authorityHost, ...extra], { env });

  before(async () => {
    pkg = await buildSamplePackage();
  });
  beforeEach(async () => {
    emulator = await startSampleEmulator({ federatedCredentialPropagationSeconds: 0 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const deployed = await runInProcess(pkg, emulator, ['--yes']);
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
  });
  afterEach(async () => emulator.close());
  after(removeTempDirs);

  it('passes with only AZURE_FEDERATED_TOKEN_FILE, and explains a subject the app does not trust (exit 4)', async () => {
    await addCredential();
    const file = path.join(await tempDir(), 'token');
    const token = await mint(SUBJECT);
    await writeFile(file, `${token}\n`);
    const passed = await verify({ AZURE_FEDERATED_TOKEN_FILE: file });
    expect(passed.code, passed.stdout + passed.stderr).to.equal(0);
    expect(passed.stdout).to.contain('PASS  token');
    expect(passed.stdout + passed.stderr).to.not.contain(token.split('.')[2]!);

    await writeFile(file, await mint('repo:fabrikam/sync:ref:refs/heads/main'));
    const refused = await verify({ AZURE_FEDERATED_TOKEN_FILE: file, DVPKG_FEDERATED_WAIT_SECONDS: '0' });
    expect(refused.code).to.equal(4);
    expect(refused.stdout).to.contain('AADSTS700213 (no federated credential on the app matches the subject of the token presented');
  });

  it("takes the GitHub Actions job's OIDC token, and never prints the job's request token", async () => {
    await addCredential();
    const requestUrl = `${emulator.oidc.actionsRequestUrl}?subject=${encodeURIComponent(SUBJECT)}`;
    const passed = await verify({ ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.oidc.actionsRequestToken }, ['--json']);
    expect(passed.code, passed.stdout + passed.stderr).to.equal(0);
    expect(passed.stdout + passed.stderr).to.not.contain(emulator.oidc.actionsRequestToken);

    const wrong = await verify({ ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'not-the-job-token-at-all' });
    expect(wrong.code).to.equal(4);
    expect(wrong.stdout).to.contain('the GitHub Actions token service');
    expect(wrong.stdout).to.contain('permissions: id-token: write');
    expect(wrong.stdout + wrong.stderr).to.not.contain('not-the-job-token-at-all');
  });

  it('retries AADSTS70021 while a new federated credential takes effect, and says so', async () => {
    await emulator.close();
    emulator = await startSampleEmulator({ federatedCredentialPropagationSeconds: 2 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runInProcess(pkg, emulator, ['--yes'])).code).to.equal(0);
    await addCredential();
    const file = path.join(await tempDir(), 'token');
    await writeFile(file, await mint(SUBJECT));
    const passed = await verify({ AZURE_FEDERATED_TOKEN_FILE: file, DVPKG_FEDERATED_WAIT_SECONDS: '30' });
    expect(passed.code, passed.stdout + passed.stderr).to.equal(0);
    expect(passed.stderr).to.contain('federated sign-in: AADSTS70021, no matching federated credential (yet); retrying in 5.0 s');
    const tokenRequests = emulator.log().filter((e) => e.kind === 'entra' && e.path.endsWith('/oauth2/v2.0/token') && e.status !== 200);
    expect(tokenRequests.length, 'refused while the credential propagates').to.be.greaterThan(0);
  });

  it("deploys in automation mode as the admin's own app with a federated token, no secret stored", async () => {
    await emulator.close();
    const automation = '55555555-6666-4777-8888-999999999999';
    emulator = await startSampleEmulator({ apps: [SAMPLE_CLIENT_ID, automation] });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    emulator.grantConsent(emulator.tenantId, automation);
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: automation, roles: [DEFAULT_IDS.systemAdministratorRole] });
    await axios.post(`${emulator.controlUrl}/apps/${automation}/federated-credentials`, { subject: 'system:serviceaccount:deploy:dvpkg' });
    const file = path.join(await tempDir(), 'token');
    await writeFile(file, await mint('system:serviceaccount:deploy:dvpkg'));
    const deployed = await runInProcess(pkg, emulator, ['--yes', '--auth', 'federated', '--client-id', automation], { AZURE_FEDERATED_TOKEN_FILE: file });
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
    expect(deployed.stdout).to.contain(`signed in as ${automation}`);
    expect(emulator.state.data.orgs[0]!.systemusers.some((u) => u['applicationid'] === SAMPLE_CLIENT_ID)).to.equal(true);
  });

  it('deploys with --auth azure-cli as whoever az is signed in as, and explains az not signed in', async () => {
    const az = await fakeAzDir();
    try {
      const env = az.env(emulator.url, { PATH: process.env['PATH'] });
      const deployed = await runInProcess(pkg, emulator, ['--yes', '--auth', 'azure-cli'], env);
      expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
      expect(deployed.stdout).to.contain('signed in as admin@contoso.example (Azure CLI)');

      await axios.put(`${emulator.controlUrl}/azure-cli`, { upn: null });
      const signedOut = await runInProcess(pkg, emulator, ['--yes', '--auth', 'azure-cli'], env);
      expect(signedOut.code).to.equal(4);
      expect(signedOut.stderr).to.contain(`the Azure CLI is not signed in to tenant ${emulator.tenantId}: run az login --tenant ${emulator.tenantId}`);

      const missing = await runInProcess(pkg, emulator, ['--yes', '--auth', 'azure-cli'], { PATH: path.join(az.dir, 'nothing-here') });
      expect(missing.code).to.equal(4);
      expect(missing.stderr).to.contain('az was not found on PATH');
    } finally {
      await az.remove();
    }
  });
});
