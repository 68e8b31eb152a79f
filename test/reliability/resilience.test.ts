import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { adminSignIn, webApi } from '../emulator/helpers.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, orgRequests, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { removeTempDirs } from '../support/tmp.js';

/** Starts deploy.mjs and SIGKILLs it as soon as the emulator has answered the matching request. */
async function killAfter(pkg: BuiltPackage, emulator: RunningEmulator, matches: (method: string, path: string) => boolean): Promise<boolean> {
  const child = spawn(process.execPath, [pkg.runner, '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, '--yes'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const start = emulator.log().at(-1)?.seq ?? 0;
  let killed = false;
  for (let done = false; !done; ) {
    done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2))]);
    if (!done && emulator.log().some((e) => e.seq > start && e.kind === 'dataverse' && matches(e.method, e.path) && e.status < 400)) {
      child.kill('SIGKILL');
      killed = true;
      await exited;
      done = true;
    }
  }
  return killed;
}

describe('deploy.mjs under interruption and faults (end to end)', function () {
  this.timeout(180_000);
  let v1: BuiltPackage;
  let v2: BuiltPackage;
  let clean: { v1: ReturnType<typeof orgSnapshot>; v2: ReturnType<typeof orgSnapshot> };
  let emulator: RunningEmulator | undefined;

  before(async () => {
    v1 = await buildSamplePackage();
    v2 = await buildSamplePackage({ version: '2.0.0.0' });
    const reference = await startSampleEmulator();
    reference.grantConsent(reference.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(v1, reference, ['--yes'])).code).to.equal(0);
    const afterV1 = orgSnapshot(reference);
    expect((await runDeployer(v2, reference, ['--yes'])).code).to.equal(0);
    clean = { v1: afterV1, v2: orgSnapshot(reference) };
    await reference.close();
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });
  after(removeTempDirs);

  const writeSteps: Array<[string, (method: string, path: string) => boolean]> = [
    ['the import start', (m, p) => m === 'POST' && p.endsWith('/ImportSolutionAsync')],
    ['the application user create', (m, p) => m === 'POST' && p.endsWith('/systemusers')],
    ['the role association', (m, p) => m === 'POST' && p.endsWith('/systemuserroles_association/$ref')],
  ];
  for (const [label, matches] of writeSteps) {
    it(`ends in the clean-run state after being killed right after ${label} (fresh install)`, async () => {
      emulator = await startSampleEmulator();
      emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
      expect(await killAfter(v1, emulator, matches), 'the runner was killed').to.equal(true);
      const rerun = await runDeployer(v1, emulator, ['--yes']);
      expect(rerun.code, rerun.stdout).to.equal(0);
      expect(orgSnapshot(emulator)).to.deep.equal(clean.v1);
    });
  }

  it('ends in the clean-run state after being killed right after the upgrade start', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(v1, emulator, ['--yes'])).code).to.equal(0);
    expect(await killAfter(v2, emulator, (m, p) => m === 'POST' && p.endsWith('/StageAndUpgradeAsync'))).to.equal(true);
    const rerun = await runDeployer(v2, emulator, ['--yes']);
    expect(rerun.code, rerun.stdout).to.equal(0);
    expect(orgSnapshot(emulator)).to.deep.equal(clean.v2);
  });

  /** Stages `pkg` as a holding solution (`<name>_Upgrade`), as another tool's interrupted upgrade leaves it. */
  async function stageHolding(target: RunningEmulator, pkg: BuiltPackage): Promise<void> {
    const token = (await adminSignIn(target)).accessToken;
    const zip = await readFile(path.join(pkg.dir, `FabrikamSyncConnector_${pkg.version.split('.').join('_')}_managed.zip`));
    const staged = await webApi(target.orgUrl, token).post('ImportSolution', {
      CustomizationFile: zip.toString('base64'),
      HoldingSolution: true,
      OverwriteUnmanagedCustomizations: false,
      PublishWorkflows: true,
      ImportJobId: randomUUID(),
    });
    expect(staged.status, JSON.stringify(staged.data)).to.equal(204);
  }

  it('finishes an upgrade of the same version that was left staged (DeleteAndPromote)', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(v1, emulator, ['--yes'])).code).to.equal(0);
    await stageHolding(emulator, v2);
    const run = await runDeployer(v2, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(0);
    expect(run.stdout).to.contain('apply the upgrade to 2.0.0.0 already staged as FabrikamSyncConnector_Upgrade');
    // The async form, polled like an import (fidelity-audit #16).
    expect(emulator.log().some((e) => e.path.endsWith('/DeleteAndPromoteAsync') && e.status === 200)).to.equal(true);
    expect(orgSnapshot(emulator)).to.deep.equal(clean.v2);
    expect(emulator.state.data.orgs[0]!.solutions.map((s) => s['uniquename'])).to.not.include('FabrikamSyncConnector_Upgrade');
  });

  it('refuses, before any write, while a staged upgrade of another version waits', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    expect((await runDeployer(v1, emulator, ['--yes'])).code).to.equal(0);
    await stageHolding(emulator, v2);
    const v3 = await buildSamplePackage({ version: '3.0.0.0' });
    emulator.clearLog();
    const run = await runDeployer(v3, emulator, ['--yes']);
    expect(run.code).to.equal(6);
    expect(run.stdout).to.contain('FabrikamSyncConnector_Upgrade, a staged upgrade of another version, is waiting in the org');
    expect(emulator.log().filter((e) => e.kind === 'dataverse' && e.method !== 'GET')).to.deep.equal([]);
  });

  it('never repeats an import start whose answer was lost', async () => {
    emulator = await startSampleEmulator({ importDurationMs: 1500, faults: 'drop@1,phase=response,route=POST */ImportSolutionAsync' });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(v1, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(0);
    const starts = emulator.log().filter((e) => e.path.endsWith('/ImportSolutionAsync'));
    const accepted = starts.filter((e) => e.status === 200 || e.fault === 'drop');
    expect(accepted, 'imports actually started').to.have.length(1);
    expect(emulator.state.data.orgs[0]!.importjobs).to.have.length(1);
    expect(orgSnapshot(emulator)).to.deep.equal(clean.v1);
  });

  // 0x80071151 arrives on the start request, or inside the job (microsoft/coe-starter-kit#8757): both wait and finish.
  for (const concurrentImport of ['reject-start', 'fail-job'] as const) {
    it(`waits while another import runs in the org (0x80071151, ${concurrentImport}) and then finishes`, async () => {
      emulator = await startSampleEmulator({ importDurationMs: 1500, concurrentImport });
      emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
      const [a, b] = await Promise.all([runDeployer(v1, emulator, ['--yes']), runDeployer(v1, emulator, ['--yes'])]);
      expect([a.code, b.code], a.stdout + b.stdout).to.deep.equal([0, 0]);
      const org = emulator.state.data.orgs[0]!;
      const refused = concurrentImport === 'reject-start'
        ? emulator.log().some((e) => e.path.endsWith('/ImportSolutionAsync') && e.status === 400)
        : org.asyncoperations.some((op) => op['statuscode'] === 31 && String(op['message']).includes('Cannot start another [Import]'));
      expect(refused, 'one import was refused while the other ran').to.equal(true);
      expect(a.stdout + b.stdout).to.contain('another solution import or uninstall is running');
      expect(orgSnapshot(emulator)).to.deep.equal(clean.v1);
    });
  }

  it('renews a token that expires mid-run', async () => {
    emulator = await startSampleEmulator({ tokenLifetimeSeconds: 1, importDurationMs: 2500 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(v1, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(0);
    const tokens = emulator.log().filter((e) => e.kind === 'entra' && e.path.endsWith('/token') && e.status === 200);
    expect(tokens.length, 'tokens issued').to.be.at.least(2);
    expect(orgSnapshot(emulator)).to.deep.equal(clean.v1);
  });

  it('asks the admin to sign in again when the refresh fails mid-run, and finishes', async () => {
    emulator = await startSampleEmulator({ tokenLifetimeSeconds: 1, importDurationMs: 2500 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const running = runDeployer(v1, emulator, ['--yes']);
    const deadline = Date.now() + 20_000;
    while (!emulator.log().some((e) => e.path.endsWith('/ImportSolutionAsync')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    emulator.state.data.refreshTokens.clear();
    const run = await running;
    expect(run.code, run.stdout).to.equal(0);
    expect(run.stdout.match(/enter the code/g)?.length, 'device-code prompts').to.be.at.least(2);
    expect(orgSnapshot(emulator)).to.deep.equal(clean.v1);
  });

  it('survives dropped connections on reads', async () => {
    emulator = await startSampleEmulator({ faults: 'drop:0.2,route=GET /orgs/*;seed=5' });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const run = await runDeployer(v1, emulator, ['--yes']);
    expect(run.code, run.stdout).to.equal(0);
    expect(emulator.log().some((e) => e.fault === 'drop')).to.equal(true);
    expect(orgSnapshot(emulator)).to.deep.equal(clean.v1);
    expect(orgRequests(emulator.log()).writes.filter((e) => e.status < 400)).to.have.length(3);
  });
});
