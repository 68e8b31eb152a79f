import { expect } from 'chai';
import axios from 'axios';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { followSignIn, signInUrlIn, type FollowResult } from '../support/browser-sign-in.js';
import { buildSamplePackage, orgRequests, orgSnapshot, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';

/**
 * Issue 12: the admin signs in through the browser (authorization code + PKCE on a loopback redirect),
 * the runner's default where a browser can be opened. The "browser" here follows the printed URL over
 * plain HTTP (the emulator's form_post page, then msal-node's loopback listener); test/browser/ drives a
 * real Chromium through the same flow.
 */
describe('browser sign-in: the runner against the emulator (in-process, plain HTTP)', function () {
  this.timeout(60_000);
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;

  before(async () => {
    pkg = await buildSamplePackage();
  });
  beforeEach(async () => {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
  });
  afterEach(async () => emulator.close());

  /** Runs the runner and, once it prints a sign-in URL, follows it as a browser would. */
  async function runWithBrowser(args: string[], env: NodeJS.ProcessEnv = {}, account?: string) {
    let followed: Promise<FollowResult> | undefined;
    const result = await runInProcess(pkg, emulator, args, env, {
      onStdout: (text) => {
        const url = signInUrlIn(text);
        if (url && !followed) followed = followSignIn(url, account === undefined ? {} : { account });
      },
    });
    return { result, page: await followed };
  }

  it('signs in through the printed URL with --auth browser --no-open and completes the deploy', async () => {
    const { result, page } = await runWithBrowser(['--yes', '--auth', 'browser', '--no-open']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('To sign in, open this URL in a browser on this machine:');
    expect(result.stdout).to.match(/signed in as admin@contoso\.example/);
    expect(page?.status).to.equal(200);
    expect(page?.text).to.contain('Signed in');
    // The redirect went to msal-node's loopback listener on localhost, with PKCE S256 and a state.
    const authorize = emulator.log().filter((e) => e.kind === 'entra' && e.path.endsWith('/oauth2/v2.0/authorize'));
    expect(authorize).to.have.length(1);
    expect(authorize[0]!.query).to.include({ code_challenge_method: 'S256', response_mode: 'form_post', client_id: '51f81489-12ee-4a9e-aaae-a2591f45987d' });
    expect(authorize[0]!.query['redirect_uri']).to.match(/^http:\/\/localhost:\d+$/);
    expect(authorize[0]!.query['scope']).to.contain(`${emulator.orgUrl}/user_impersonation`);
    expect(page!.visited.at(-1)).to.match(/^http:\/\/localhost:\d+\/?$/);
    expect(orgSnapshot(emulator).appUsers).to.deep.equal([{ enabled: true }]);
  });

  it('is the default where there is a display, and device code where there is none, saying so', async () => {
    const { result } = await runWithBrowser(['--yes', '--no-open'], { DISPLAY: ':0' });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(emulator.log().some((e) => e.path.endsWith('/oauth2/v2.0/authorize'))).to.equal(true);
    expect(emulator.log().some((e) => e.path.endsWith('/oauth2/v2.0/devicecode'))).to.equal(false);

    emulator.reset();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const headless = await runInProcess(pkg, emulator, ['--yes'], { SSH_CONNECTION: '10.0.0.1 5 10.0.0.2 22', DISPLAY: ':0' });
    expect(headless.code, headless.stdout + headless.stderr).to.equal(0);
    expect(headless.stdout).to.contain('signing in with a device code: this is an SSH session; use --auth browser to sign in through a browser anyway');
    expect(emulator.log().some((e) => e.path.endsWith('/oauth2/v2.0/devicecode'))).to.equal(true);
  });

  it('device code blocked by Conditional Access ends with exit 4 and the explanation; --auth browser then succeeds', async () => {
    await axios.put(`${emulator.controlUrl}/tenants/${emulator.tenantId}/policies`, { blockDeviceCode: true });
    const blocked = await runInProcess(pkg, emulator, ['--yes', '--auth', 'device-code']);
    expect(blocked.code).to.equal(4);
    expect(blocked.stderr).to.contain('AADSTS53003 (Conditional Access blocked the sign-in: this tenant does not allow device code sign-in');
    expect(blocked.stderr).to.contain('run again with --auth browser');
    expect(orgRequests(emulator.log()).writes).to.deep.equal([]);

    const { result } = await runWithBrowser(['--yes', '--auth', 'browser', '--no-open']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(orgSnapshot(emulator).appUsers).to.deep.equal([{ enabled: true }]);
  });

  it('passes the sign-in form when the emulator asks for one, and explains a redirect URI the sign-in app lacks', async () => {
    await axios.patch(`${emulator.controlUrl}/settings`, { autoApproveBrowserSignIn: false });
    const { result, page } = await runWithBrowser(['--yes', '--auth', 'browser', '--no-open'], {}, 'admin@contoso.example');
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(page!.visited.some((u) => u.endsWith('/login'))).to.equal(true);

    // Entra shows a missing redirect URI on its own page; the runner can only wait, so the admin is told in the browser.
    await axios.patch(`${emulator.controlUrl}/apps/51f81489-12ee-4a9e-aaae-a2591f45987d`, { redirectUris: ['app://58145b91-0c36-4500-8554-080854f2ac97'] });
    let errorPage: FollowResult | undefined;
    const controller = new AbortController();
    const stuck = runInProcess(pkg, emulator, ['--yes', '--auth', 'browser', '--no-open'], {}, {
      signal: controller.signal,
      onStdout: (text) => {
        const url = signInUrlIn(text);
        if (url && !errorPage) void followSignIn(url).then((p) => { errorPage = p; controller.abort(); });
      },
    });
    const interrupted = await stuck;
    expect(errorPage?.status).to.equal(400);
    expect(errorPage?.text).to.contain('AADSTS50011');
    expect(interrupted.code).to.equal(130);
  });
});
