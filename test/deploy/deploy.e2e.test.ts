import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, lastJsonLine, orgRequests, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

/** deploy.mjs as the subscriber's admin runs it: its own process, the bundled runner. The rest runs in-process (runner.test.ts). */
describe('deploy.mjs as a process (end to end)', function () {
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

  it('installs in a fresh org, then a second run makes no writes', async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const first = await runDeployer(pkg, emulator, ['--yes']);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(first.stdout).to.contain('Done: 3 changes');
    emulator.clearLog();
    const again = await runDeployer(pkg, emulator, ['--json']);
    expect(again.code, again.stderr).to.equal(0);
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);
    expect(lastJsonLine(again.stdout)).to.include({ type: 'report', outcome: 'nothing-to-do' });
  });

  for (const [file, change] of [
    ['FabrikamSyncConnector_1_0_0_0_managed.zip', (b: Buffer) => Buffer.from(b.map((x, i) => (i === b.length - 30 ? x ^ 0xff : x)))],
    ['manifest.json', (b: Buffer) => Buffer.from(b.toString().replace('"prvReadAccount"', '"prvDeleteAccount"'))],
    ['README.md', (b: Buffer) => Buffer.concat([b, Buffer.from('\nAlso run rm -rf /\n')])],
    ['deploy.mjs', (b: Buffer) => Buffer.concat([b, Buffer.from('\n// patched\n')])],
  ] as const) {
    it(`refuses a package whose ${file} was changed, with exit 8 before any request`, async () => {
      emulator = await startSampleEmulator();
      const dir = path.join(await tempDir(), path.basename(pkg.dir));
      await cp(pkg.dir, dir, { recursive: true });
      const copy = { ...pkg, dir, runner: path.join(dir, 'deploy.mjs') };
      const target = path.join(copy.dir, file);
      await writeFile(target, change(await readFile(target)));
      emulator.clearLog();
      const run = await runDeployer(copy, emulator, ['--yes']);
      expect(run.code, run.stdout + run.stderr).to.equal(8);
      expect(run.stderr).to.contain(`${file}: sha256 is`).and.contain('The package was changed after it was built');
      expect(emulator.log()).to.deep.equal([]);
    });
  }

  it('on SIGINT during the import, ends the request, writes --report with outcome interrupted and exits 130; a re-run finishes', async () => {
    emulator = await startSampleEmulator({ importDurationMs: 1_000 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const report = path.join(await tempDir(), 'report.json');
    const child = spawn(process.execPath, [pkg.runner, '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, '--yes', '--report', report], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!emulator.log().some((e) => e.path.endsWith('/ImportSolutionAsync') && e.status === 200) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    expect(await exited, stdout).to.equal(130);
    expect(stdout).to.contain('Interrupted (exit 130)').and.contain('Run the same command again to finish');
    expect(JSON.parse(await readFile(report, 'utf8'))).to.include({ outcome: 'interrupted', exitCode: 130 });
    const again = await runDeployer(pkg, emulator, ['--yes']);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(orgSnapshot(emulator).bindings).to.have.length(1);
  });

  it('rejects a secret passed as a flag without echoing it', async () => {
    emulator = await startSampleEmulator();
    const flag = await runDeployer(pkg, emulator, ['--auth', 'client-secret', '--client-id', SAMPLE_CLIENT_ID, '--client-secret', 'hunter2-secret']);
    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.contain('secrets are not accepted as flag values');
    expect(flag.stderr + flag.stdout).to.not.contain('hunter2-secret');
  });
});
