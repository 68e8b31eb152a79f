import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli } from '../support/cli.js';
import { SAMPLE_CLIENT_ID, startSampleEmulator } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { SAP_VARIABLE, sapSpec } from '../support/settings-package.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

/** `dvpkg verify` and deployment settings (issue 16, item 5): required settings have a value; --settings values match. */
describe('verify: deployment settings', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  afterEach(async () => {
    await emulator?.close();
  });
  after(removeTempDirs);

  interface Check { name: string; status: string; details: string[] }

  interface Setup {
    verify: (extra?: string[]) => Promise<{ code: number | null; checks: Check[]; stdout: string; stderr: string }>;
    deploy: (args: string[]) => ReturnType<typeof runInProcess>;
  }

  /** The SAP package with its variable required (and secret), the app's role able to read definitions, an org to deploy to. */
  async function setup(secret: boolean): Promise<Setup> {
    const src = await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true, ...(secret ? { secret: true } : {}) } }, undefined, { prvReadEnvironmentVariableDefinition: 'Global' });
    const result = await buildSolution({ src, out: await tempDir() });
    const pkg = { dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version };
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const appSecret = emulator.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!.clientSecret;
    return {
      deploy: (args) => runInProcess(pkg, emulator, args),
      verify: async (extra = []) => {
        const run = await runCli(['verify', '--org', emulator.orgUrl, '--package', pkg.dir, '--authority-host', emulator.authorityHost, '--json', ...extra], { env: { AZURE_CLIENT_SECRET: appSecret, AZURE_CLIENT_ID: '', AZURE_TENANT_ID: '' } });
        return { ...run, checks: run.stdout.trim() ? (JSON.parse(run.stdout) as { checks: Check[] }).checks : [] };
      },
    };
  }

  it('fails the settings check while a required setting has no value, and passes once it has one', async () => {
    const { verify, deploy } = await setup(false);
    // Deployed with the value, then the value row removed, as an admin might in the maker portal.
    const deployed = await deploy(['--yes', '--set', `${SAP_VARIABLE}={"AppServerHost":"sap.example.invalid"}`]);
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
    const passed = await verify();
    expect(passed.checks.find((c) => c.name === 'settings')?.status, JSON.stringify(passed.checks)).to.equal('pass');
    const org = emulator.state.data.orgs[0]!;
    org.environmentvariablevalues = [];
    const failed = await verify();
    expect(failed.code).to.equal(1);
    expect(failed.checks.find((c) => c.name === 'settings')).to.deep.include({ status: 'fail', details: [`${SAP_VARIABLE} (SAP ERP Connection String) is required and has no value in the org: The SAP ERP connection string (JSON)`] });
  });

  it('with --settings, a value the org does not hold fails naming the setting; a secret is compared and never shown', async () => {
    const { verify, deploy } = await setup(true);
    const deployed = await deploy(['--yes', '--set', `${SAP_VARIABLE}={"Password":"first-S3cret-value"}`]);
    expect(deployed.code, deployed.stdout + deployed.stderr).to.equal(0);
    const dir = await tempDir();
    const same = path.join(dir, 'same.json');
    const other = path.join(dir, 'other.json');
    await writeFile(same, JSON.stringify({ EnvironmentVariables: [{ SchemaName: SAP_VARIABLE, Value: '{"Password":"first-S3cret-value"}' }] }));
    await writeFile(other, JSON.stringify({ EnvironmentVariables: [{ SchemaName: SAP_VARIABLE, Value: '{"Password":"other-S3cret-value"}' }] }));
    // The role holds only what this package needs, not all verify reads: the settings check is the one looked at.
    const ok = await verify(['--settings', same]);
    expect(ok.checks.find((c) => c.name === 'settings')?.status, ok.stdout + ok.stderr).to.equal('pass');
    const mismatch = await verify(['--settings', other]);
    expect(mismatch.code).to.equal(1);
    expect(mismatch.checks.find((c) => c.name === 'settings')?.details).to.deep.equal([`${SAP_VARIABLE} (SAP ERP Connection String): the org holds another value (secret), --settings ${other}: EnvironmentVariables[0] gives a secret value`]);
    expect(mismatch.stdout + mismatch.stderr).to.not.contain('S3cret-value');
  });
});
