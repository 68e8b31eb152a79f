import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { signInUrlIn } from '../support/browser-sign-in.js';
import { buildSamplePackage, orgSnapshot, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import axios from 'axios';

/**
 * Issue 12, done-when 1: a real browser. Headless Chromium (Debian's, driven by playwright-core) opens the
 * URL the runner prints, fills the emulator's sign-in form, and follows the form_post answer to the
 * runner's loopback listener; the deploy then completes. `.ci/run` installs chromium; elsewhere the test
 * is skipped with the reason, never passed without a browser.
 */
const CHROMIUM = '/usr/bin/chromium';

describe('browser sign-in in a real headless Chromium', function () {
  this.timeout(90_000);
  let browser: Browser;
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env['CI']) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for this test`);
      this.skip();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    pkg = await buildSamplePackage();
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
  });
  after(async () => {
    await browser?.close();
    await emulator?.close();
  });

  it('signs the admin in through the sign-in form, and the run completes', async () => {
    await axios.patch(`${emulator.controlUrl}/settings`, { autoApproveBrowserSignIn: false });
    const page = await browser.newPage();
    let signedIn: Promise<string> | undefined;
    const result = await runInProcess(pkg, emulator, ['--yes', '--auth', 'browser', '--no-open'], {}, {
      onStdout: (text) => {
        const url = signInUrlIn(text);
        if (!url || signedIn) return;
        signedIn = (async () => {
          await page.goto(url);
          await page.fill('#account', 'admin@contoso.example');
          await page.click('#signin');
          // The emulator's form_post page submits itself to the runner's listener, which answers with its page.
          await page.waitForURL(/^http:\/\/localhost:\d+\/?$/);
          return (await page.textContent('body')) ?? '';
        })();
      },
    });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(await signedIn).to.contain('dvpkg has your sign-in');
    expect(result.stdout).to.contain('signed in as admin@contoso.example');
    expect(orgSnapshot(emulator).appUsers).to.deep.equal([{ enabled: true }]);
  });
});
