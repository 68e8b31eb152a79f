import { expect } from 'chai';
import axios from 'axios';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import type { RunResult } from '../support/cli.js';
import { buildSamplePackage, orgSnapshot, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { REPO_ROOT } from '../support/paths.js';
import { runInProcess } from '../support/runner-harness.js';
import { uiUrlIn } from '../support/ui-client.js';
import { SAP_REFERENCE, SAP_VARIABLE, sapSpec } from '../support/settings-package.js';
import { removeTempDirs } from '../support/tmp.js';

/**
 * Issue 17: `deploy.mjs --ui` in a real headless Chromium against the emulator, as an admin uses it: the
 * package, Sign in (the emulator's sign-in form), the missing consent granted from the page, the plan with
 * its privilege matrix, Apply by keyboard, and the outcome in the status region; then Cancel, and a run
 * that fails. Screenshots of every page go to test-artifacts/ui/. `.ci/run` installs chromium; elsewhere
 * the suite is skipped, never passed without a browser.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'ui');

describe('deploy.mjs --ui in a real headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let pkg: BuiltPackage;
  let emulator: RunningEmulator;
  let context: BrowserContext;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env['CI']) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for this test`);
      this.skip();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    pkg = await buildSamplePackage();
    await mkdir(ARTIFACTS, { recursive: true });
  });
  beforeEach(async () => {
    // The sample app's consent redirect URI registered, as the ISV registers it.
    emulator = await startSampleEmulator({ apps: [{ clientId: SAMPLE_CLIENT_ID, redirectUris: ['https://sync.fabrikam.example/consented'] }] });
    await axios.patch(`${emulator.controlUrl}/settings`, { autoApproveBrowserSignIn: false });
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    // Only loopback: the consent page's redirect target (the ISV's site) is answered here, never looked up.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>consented</title>Consent recorded.' }));
  });
  afterEach(async () => {
    await context?.close();
    await emulator?.close();
  });
  after(async () => {
    await browser?.close();
    await removeTempDirs();
  });

  /** Starts deploy.mjs --ui in process and opens the URL it printed. */
  const cspViolations: string[] = [];

  async function openWizard(clock?: Clock, run: { pkg: BuiltPackage; args: string[] } = { pkg, args: [] }): Promise<{ page: Page; result: Promise<RunResult> }> {
    let printed!: (url: string) => void;
    const url = new Promise<string>((resolve) => (printed = resolve));
    const result = runInProcess(run.pkg, emulator, ['--ui', '--no-open', ...run.args], {}, { ...(clock ? { clock } : {}), onStdout: (text) => { const found = uiUrlIn(text); if (found) printed(found); } });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(await url);
    return { page, result };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** Sign in: the page's button, then the emulator's sign-in form in the tab the link opens. */
  async function signIn(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Sign in' }).click();
    const link = page.getByRole('link', { name: 'open the Microsoft sign-in page' });
    const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await popup.fill('#account', 'admin@contoso.example');
    await popup.click('#signin');
    await popup.waitForURL(/^http:\/\/localhost:\d+\/?$/);
    expect(await popup.textContent('body')).to.contain('dvpkg has your sign-in');
    await popup.close();
    await page.getByText('Signed in: admin@contoso.example').waitFor();
  }

  it('package, sign-in, consent granted from the page, the plan as a matrix, Apply by keyboard: Done, and the org as a CLI run leaves it', async () => {
    // Real time: the run re-checks consent every 2 s while the admin grants it.
    const { page, result } = await openWizard(systemClock);
    expect(page.url(), 'the token leaves the address bar').to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByText('Fabrikam, Inc.').count()).to.be.greaterThan(0);
    await page.getByText(/^Verified: /).waitFor();
    expect(await page.locator('table.solutions').textContent()).to.contain('FabrikamSyncConnector').and.contain('1.0.0.0');
    await shot(page, '1-package-and-sign-in');

    await signIn(page);
    const grant = page.getByRole('button', { name: 'Grant consent' });
    await grant.waitFor();
    expect(await page.getByText(/^Missing: /).count()).to.equal(1);
    await shot(page, '2-consent-missing');
    const [consentTab] = await Promise.all([context.waitForEvent('page'), grant.click()]);
    // The emulated admin accepts at once; Entra then sends the tab to the app's consent redirect URI.
    await consentTab.waitForURL(/\/consented/);
    await consentTab.close();
    await page.getByText(/^Granted: /).waitFor({ timeout: 20_000 });

    const apply = page.getByRole('button', { name: 'Apply' });
    await apply.waitFor();
    const matrix = page.locator('table.privilege-matrix').first();
    expect(await matrix.locator('thead th').allTextContents()).to.deep.equal(['Table', 'Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share']);
    const cells = await matrix.locator('tbody td').allTextContents();
    expect(cells.some((c) => /^(User|Business Unit|Parent: Child BUs|Organization)$/.test(c)), 'depths in words').to.equal(true);
    expect(cells.every((c) => /^(None|User|Business Unit|Parent: Child BUs|Organization)/.test(c))).to.equal(true);
    expect(await page.getByText('Why: no application user for Fabrikam Sync').count()).to.equal(1);
    await shot(page, '3-plan');
    // 200% zoom: half the CSS width; the page reflows, only the matrix scrolls inside its own box.
    await page.setViewportSize({ width: 640, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
    await shot(page, '3-plan-at-200-percent');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Keyboard only: Tab to Apply and press Enter.
    for (let i = 0; i < 60 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'Apply'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).to.equal('Apply');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await shot(page, '4-progress');

    const status = page.getByRole('status');
    await status.getByText(/^Done\./).waitFor({ timeout: 30_000 });
    await shot(page, '5-outcome-done');
    const run = await result;
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout, 'the terminal shows the run too').to.contain('> Importing').and.contain('Done:');
    const [download] = await Promise.all([page.waitForEvent('download'), status.getByRole('link', { name: 'Download the report (JSON)' }).click()]);
    const report = JSON.parse(await readFile((await download.path())!, 'utf8')) as { outcome: string; exitCode: number };
    expect(report).to.include({ outcome: 'succeeded', exitCode: 0 });

    const org = orgSnapshot(emulator);
    expect(org.appUsers).to.deep.equal([{ enabled: true }]);
    expect(org.bindings).to.deep.equal(org.roles);
    expect(org.solution).to.deep.equal({ version: '1.0.0.0', managed: true });
    expect(cspViolations, 'the page runs under its strict CSP without a violation').to.deep.equal([]);
  });

  it('Cancel at the plan: Cancelled in the status region, exit 10, nothing written', async () => {
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const { page, result } = await openWizard();
    await signIn(page);
    await page.getByText(/^Present: /).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('status').getByText(/^Cancelled\./).waitFor();
    await shot(page, '6-outcome-cancelled');
    expect((await result).code).to.equal(10);
    expect(orgSnapshot(emulator).appUsers).to.deep.equal([]);
  });

  it('a run that fails shows why and what to do next, with the waits it made in plain words', async () => {
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    emulator.setFaults('503:1,retryAfter=0,route=POST */ImportSolutionAsync');
    const { page, result } = await openWizard();
    await signIn(page);
    await page.getByRole('button', { name: 'Apply' }).click();
    const status = page.getByRole('status');
    await status.getByText(/^Failed\./).waitFor({ timeout: 60_000 });
    expect(await status.textContent()).to.contain('the import did not start within 60 minutes; run again later').and.contain('What to do next:');
    expect(await page.locator('.notes').textContent()).to.match(/Note: the import request got no clear answer; reading the org before trying again \(\d+ times\)/);
    await shot(page, '7-outcome-failed');
    expect((await result).code).to.equal(6);
  });

  it('the plan lists the deployment settings with their values and sources, a secret only as "(secret, set)"', async () => {
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const sap = await buildSamplePackage({ src: await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', secret: true } }) });
    const secret = '{"Password":"ui-s3cret-Value"}';
    const { page, result } = await openWizard(undefined, { pkg: sap, args: ['--set', `${SAP_VARIABLE}=${secret}`] });
    await signIn(page);
    const settings = page.locator('ul.settings');
    await settings.waitFor();
    const text = (await settings.textContent()) ?? '';
    expect(text).to.contain(`${SAP_VARIABLE} (SAP ERP Connection String; environment variable): (none) -> (secret, set) from --set, set by the import of mpa_AccountassistantforSAP`);
    expect(text).to.contain(`${SAP_REFERENCE} (SAP ERP Account assistant; connection reference, shared_saperp): not set: set it in the maker portal`);
    expect(await page.content()).to.not.contain('ui-s3cret-Value');
    await shot(page, '8-plan-settings');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await result).code).to.equal(10);
  });

  it('settings typed on the page before Sign in go to the org, a secret in a password field that never comes back', async () => {
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    const sap = await buildSamplePackage({ src: await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true, secret: true } }) });
    const secret = '{"Password":"typed-s3cret-Value"}';
    const { page, result } = await openWizard(undefined, { pkg: sap, args: [] });
    const field = page.getByLabel(/SAP ERP Connection String/);
    await field.waitFor();
    expect(await field.getAttribute('type')).to.equal('password');
    await field.fill(secret);
    await shot(page, '9-settings-form');
    await signIn(page);
    await page.locator('ul.settings').getByText(`${SAP_VARIABLE} (SAP ERP Connection String; environment variable, required): (none) -> (secret, set) from the page, set by the import of mpa_AccountassistantforSAP`).waitFor();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').getByText(/^Done\./).waitFor({ timeout: 30_000 });
    const run = await result;
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const org = emulator.state.data.orgs[0]!;
    const definition = org.environmentvariabledefinitions.find((d) => d.schemaname === SAP_VARIABLE)!;
    expect(org.environmentvariablevalues.filter((v) => v._environmentvariabledefinitionid_value === definition.environmentvariabledefinitionid).map((v) => v.value)).to.deep.equal([secret]);
    for (const text of [await page.content(), run.stdout, run.stderr]) expect(text).to.not.contain('typed-s3cret-Value');
  });
});
