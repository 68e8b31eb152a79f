import { expect } from 'chai';
import axios from 'axios';
import { DEFAULT_IDS, type RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, orgSnapshot, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { UiClient, uiUrlIn } from '../support/ui-client.js';
import type { RunResult } from '../support/cli.js';
import { spawn } from 'node:child_process';

/**
 * Issue 17: deploy.mjs --ui as another front end of the same run, spoken to over HTTP as the page would:
 * the run waits for the page's decisions, the event stream carries the run's events and no secret.
 */
const AUTOMATION = '5c0f1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f';
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./;

describe('deploy.mjs --ui over HTTP (in process, against the emulator)', function () {
  this.timeout(60_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;
  let secret: string;

  before(async () => {
    pkg = await buildSamplePackage();
  });
  beforeEach(async () => {
    emulator = await startSampleEmulator({ apps: [SAMPLE_CLIENT_ID, AUTOMATION] });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    emulator.grantConsent(emulator.tenantId, AUTOMATION);
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: AUTOMATION, roles: [DEFAULT_IDS.systemAdministratorRole] });
    secret = emulator.apps.find((a) => a.clientId === AUTOMATION)!.clientSecret;
  });
  afterEach(async () => emulator?.close());

  /** Starts the run; resolves with a client for its page once it printed the URL. */
  function startUiRun(args: string[] = []): { client: Promise<UiClient>; result: Promise<RunResult> } {
    let found: (client: UiClient) => void;
    const client = new Promise<UiClient>((resolve) => (found = resolve));
    let seen = false;
    const result = runInProcess(pkg, emulator, ['--ui', '--no-open', '--auth', 'client-secret', '--client-id', AUTOMATION, ...args], { DVPKG_CLIENT_SECRET: secret }, {
      onStdout: (text) => {
        const url = uiUrlIn(text);
        if (url && !seen) {
          seen = true;
          found(new UiClient(url));
        }
      },
    });
    return { client, result };
  }

  it('refuses --ui with --yes, and with a fleet (exit 2, naming both flags)', async () => {
    const yes = await runInProcess(pkg, emulator, ['--ui', '--yes']);
    expect(yes.code).to.equal(2);
    expect(yes.stderr).to.contain('--ui and --yes do not go together');
    const fleet = await runInProcess(pkg, emulator, ['--ui', '--orgs', 'orgs.txt', '--plan'], {}, { fleet: true });
    expect(fleet.code).to.equal(2);
    expect(fleet.stderr).to.contain('--ui and --orgs do not go together');
    const all = await runInProcess(pkg, emulator, ['--ui', '--all-environments', '--plan'], {}, { fleet: true });
    expect(all.stderr).to.contain('--ui and --all-environments do not go together');
    expect((await runInProcess(pkg, emulator, ['--port', '8080'])).stderr).to.contain('--port works only with --ui');
  });

  it('waits for Sign in and Apply from the page, streams the run, and leaves the org as a CLI run does; no secret or token in the stream', async () => {
    const run = startUiRun();
    const client = await run.client;
    expect((await client.open()).status).to.equal(303);
    await client.listen();
    await client.until(() => client.session()?.['waiting'] === 'start', 'the Sign in question');
    expect(client.session()).to.deep.include({ org: emulator.orgUrl, planOnly: false });
    expect((client.session()!['package'] as { app: { clientId: string } }).app.clientId).to.equal(SAMPLE_CLIENT_ID);
    expect((await client.decide('apply')).status, 'Apply before the plan').to.equal(409);
    expect((await client.decide('sign-in')).status).to.equal(202);
    await client.until(() => client.session()?.['waiting'] === 'answer', 'the Apply question');
    expect(client.events().map((e) => e.type)).to.include.members(['step-started', 'step-finished', 'plan', 'prompt']);
    expect(orgSnapshot(emulator).appUsers, 'nothing written before Apply').to.deep.equal([]);
    expect((await client.decide('apply')).status).to.equal(202);
    const result = await run.result;
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    await client.until(() => client.events().some((e) => e.type === 'done'), 'the report');
    const done = client.events().find((e) => e.type === 'done') as unknown as { report: { outcome: string } };
    expect(done.report.outcome).to.equal('succeeded');
    expect(result.stdout).to.contain('Waiting for "Apply" or "Cancel" on the page.').and.contain('Done:');
    const snapshot = orgSnapshot(emulator);
    expect(snapshot.appUsers).to.deep.equal([{ enabled: true }]);
    expect(snapshot.bindings).to.deep.equal(snapshot.roles);
    expect(client.raw).to.not.contain(secret);
    expect(client.raw).to.not.match(JWT);
    expect(client.raw).to.not.contain(new URL(client.url).searchParams.get('t')!);
  });

  it('Cancel at the plan ends the run cancelled (exit 10), nothing written', async () => {
    const run = startUiRun();
    const client = await run.client;
    await client.open();
    await client.listen();
    await client.until(() => client.session()?.['waiting'] === 'start', 'the Sign in question');
    await client.decide('sign-in');
    await client.until(() => client.session()?.['waiting'] === 'answer', 'the Apply question');
    expect((await client.decide('cancel')).status).to.equal(202);
    const result = await run.result;
    expect(result.code).to.equal(10);
    expect(orgSnapshot(emulator).appUsers).to.deep.equal([]);
  });

  it('refuses settings from the page that the package does not declare, and goes on waiting for Sign in', async () => {
    const run = startUiRun();
    const client = await run.client;
    await client.open();
    await client.listen();
    await client.until(() => client.session()?.['waiting'] === 'start', 'the Sign in question');
    const refused = await client.decide('sign-in', {}, { contoso_Nothing: 'x' });
    expect(refused.status).to.equal(400);
    expect(refused.body).to.contain('settings: contoso_Nothing: the package declares no such setting');
    expect(client.session()?.['waiting']).to.equal('start');
    expect((await client.decide('cancel')).status).to.equal(202);
    expect((await run.result).code).to.equal(10);
  });

  it('a page that reconnects resumes after the last event it saw; a closed page is told to the terminal with the URL', async () => {
    const run = startUiRun();
    const first = await run.client;
    await first.open();
    await first.listen();
    await first.until(() => first.session()?.['waiting'] === 'start', 'the Sign in question');
    const seen = first.frames.filter((f) => f.event === 'deploy');
    first.close();
    // The terminal is told only once the page has been gone a moment (a reload is no news).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const again = new UiClient(first.url);
    await again.open();
    await again.listen();
    await again.until(() => again.session()?.['waiting'] === 'start', 'the session again');
    expect(again.frames.filter((f) => f.event === 'deploy').map((f) => f.id)).to.deep.equal(seen.map((f) => f.id));
    await again.decide('cancel');
    const result = await run.result;
    expect(result.code).to.equal(10);
    expect(result.stdout).to.contain(`The page was closed; the run goes on here. To follow it again, open ${first.url}`);
  });

  it('stops when no page comes: the pending question counts as Cancel (exit 10)', async () => {
    const run = startUiRun(['--ui-idle-timeout', '0.3']);
    await run.client;
    const result = await run.result;
    expect(result.code).to.equal(10);
    expect(result.stdout).to.contain('Nobody opened the page for 0.3 s: the page server stopped, and the question it was asking counts as Cancel');
  });

  it('deploy.mjs as built serves the page from strings inside it (nothing from dist/ or a CDN)', async () => {
    const child = spawn(process.execPath, [pkg.runner, '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, '--ui', '--no-open', '--auth', 'client-secret', '--client-id', AUTOMATION], { cwd: pkg.dir, env: { ...process.env, DVPKG_CLIENT_SECRET: secret } });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve) => child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const found = uiUrlIn(stdout);
      if (found) resolve(found);
    }));
    const client = new UiClient(url);
    await client.open();
    const page = await client.get('/');
    expect(page.body).to.contain('<script src="/app.js" defer></script>').and.not.match(/https?:\/\/(?!127\.0\.0\.1)/);
    const script = await client.get('/app.js');
    expect(script.body).to.contain('/api/decision').and.contain('/api/events');
    expect((await client.get('/app.css')).body).to.contain('.privilege-matrix');
    await client.listen();
    await client.until(() => client.session()?.['waiting'] === 'start', 'the Sign in question');
    await client.decide('cancel');
    expect(await exited).to.equal(10);
  });
});
