import { expect } from 'chai';
import axios from 'axios';
import JSZip from 'jszip';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { inspect } from 'node:util';
import { CLOUDS } from '../../src/auth/clouds.js';
import { createTokenProvider } from '../../src/auth/token-provider.js';
import { reportError } from '../../src/errors.js';
import { DataverseClient } from '../../src/dataverse/client.js';
import { DEFAULT_IDS, type RunningEmulator } from '../../src/emulator/index.js';
import { createOutput, Redactor } from '../../src/runtime/output.js';
import { Writable } from 'node:stream';
import { runCli, runNode, type RunResult } from '../support/cli.js';
import { buildSamplePackage, lastJsonLine, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { REPO_ROOT, SAMPLE_SRC } from '../support/paths.js';
import { followSignIn, signInUrlIn, type FollowResult } from '../support/browser-sign-in.js';
import { runInProcess } from '../support/runner-harness.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';
import { SAP_VARIABLE, sapSpec } from '../support/settings-package.js';
import { UiClient, uiUrlIn } from '../support/ui-client.js';

/**
 * Issue 6, item 5: every command runs with recognisable secrets planted (client secrets, private keys,
 * tokens), on success and failure paths, and everything it produces is scanned for them: stdout, stderr,
 * reports, JUnit files, the generated package, and the emulator's log and state.
 *
 * The tests share one emulator and one org and run in order: the first one deploys the package the
 * later ones verify and re-run against.
 */

const AUTOMATION_CLIENT_ID = '5c0f1e2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f';
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=\s\\n]{32,}/;
/** Retry-After: 0 keeps the token client's retries of the 503 (they are not what is tested here) immediate. */
const THROTTLED_TOKEN_ENDPOINT = '503:1,retryAfter=0,route=POST */oauth2/v2.0/token';
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./;

interface Hit {
  where: string;
  what: string;
}

/** Counts every output it is shown and records each planted secret, PEM key block or JWT found in it. */
class LeakScanner {
  readonly #planted: Array<{ label: string; fragments: string[] }> = [];
  readonly hits: Hit[] = [];
  scans = 0;

  plant(label: string, value: string): void {
    // A key is found even when only some of its lines escaped, or when its block markers were stripped.
    const fragments = value.includes('-----BEGIN') ? value.split(/\r?\n/).filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)) : [value];
    this.#planted.push({ label, fragments });
  }

  /** `allowed` holds values the output may carry by design (the emulator's own start-up line). */
  scan(where: string, text: string, allowed: string[] = []): Hit[] {
    this.scans++;
    const found: Hit[] = [];
    for (const { label, fragments } of this.#planted) {
      if (fragments.some((f) => !allowed.includes(f) && text.includes(f))) found.push({ where, what: label });
    }
    if (PEM_PRIVATE_KEY.test(text)) found.push({ where, what: 'a PEM private-key block' });
    if (JWT.test(text)) found.push({ where, what: `a JWT (${JWT.exec(text)![0].slice(0, 24)}...)` });
    this.hits.push(...found);
    return found;
  }

  scanRun(where: string, run: RunResult): Hit[] {
    return [...this.scan(`${where}: stdout`, run.stdout), ...this.scan(`${where}: stderr`, run.stderr)];
  }

  async scanFile(where: string, file: string): Promise<Hit[]> {
    const bytes = await readFile(file);
    return file.endsWith('.zip') ? this.scanZip(where, bytes) : this.scan(where, bytes.toString('utf8'));
  }

  /** Entries are deflated, so each is scanned inflated; nested zips (the solution) are opened too. */
  async scanZip(where: string, bytes: Buffer): Promise<Hit[]> {
    const found = this.scan(`${where} (raw)`, bytes.toString('latin1'));
    const zip = await JSZip.loadAsync(bytes);
    for (const entry of Object.values(zip.files)) {
      if (entry.dir) continue;
      const inner = await entry.async('nodebuffer');
      found.push(...(entry.name.endsWith('.zip') ? await this.scanZip(`${where}!${entry.name}`, inner) : this.scan(`${where}!${entry.name}`, inner.toString('utf8'))));
    }
    return found;
  }

  async scanTree(where: string, dir: string): Promise<Hit[]> {
    const found: Hit[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      found.push(...(await this.scanFile(`${where}/${path.relative(dir, file)}`, file)));
    }
    return found;
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function appToken(emulator: RunningEmulator, clientId: string, secret: string): Promise<string> {
  const response = await axios.post<{ access_token: string }>(
    `${emulator.authorityHost}/${emulator.tenantId}/oauth2/v2.0/token`,
    new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${emulator.orgUrl}/.default` }).toString(),
  );
  return response.data.access_token;
}

/** Runs `dvpkg emulator` as its own process; resolves once it printed its start-up line. */
function startEmulatorProcess(args: string[]): Promise<{ ready: Record<string, unknown>; stop: () => Promise<RunResult> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'dvpkg.js'), 'emulator', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<RunResult>((done) => child.on('close', (code) => done({ code, stdout, stderr })));
    child.on('error', reject);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const waiting = !stdout.includes('\n');
      stdout += chunk;
      if (waiting && stdout.includes('\n')) {
        resolve({
          ready: JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Record<string, unknown>,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((run) => reject(new Error(`dvpkg emulator exited before it was ready: ${run.stderr}`)));
  });
}

describe('secrets: no output of any command carries a secret, key or token', function () {
  this.timeout(120_000);
  const scanner = new LeakScanner();
  const canarySecret = `LEAKCANARY-secret-${randomBytes(12).toString('hex')}`;
  const canaryFileSecret = `LEAKCANARY-file-${randomBytes(12).toString('hex')}`;
  const unrelatedEnv = { DVPKG_CLIENT_SECRET: canarySecret, AZURE_CLIENT_SECRET: canarySecret };
  let emulator: RunningEmulator;
  let pkg: BuiltPackage;
  let outDir: string;
  let build: RunResult;
  let unreachableOrg: string;
  let unreachable: { runner: Promise<RunResult>; verify: Promise<RunResult> };
  let dir: string;
  let isvSecret: string;
  let automationSecret: string;
  let isvToken: string;
  let emulatorStderr = '';
  const writeStderr = process.stderr.write.bind(process.stderr);

  const expectNoHits = (found: Hit[]) => expect(found, found.map((h) => `${h.where}: ${h.what}`).join('\n')).to.deep.equal([]);
  const file = (name: string) => path.join(dir, name);

  function deployer(args: string[], env: NodeJS.ProcessEnv = {}, org = emulator.orgUrl): Promise<RunResult> {
    return runNode([pkg.runner, '--org', org, '--authority-host', emulator.authorityHost, ...args], { cwd: pkg.dir, env, timeoutMs: 60_000 });
  }
  const automation = (...args: string[]) => ['--auth', 'client-secret', '--client-id', AUTOMATION_CLIENT_ID, ...args];

  function verify(args: string[], env: NodeJS.ProcessEnv, org = emulator.orgUrl): Promise<RunResult> {
    return runCli(['verify', '--org', org, '--package', pkg.dir, '--authority-host', emulator.authorityHost, ...args], { env });
  }

  /** Refresh tokens are only known once issued (device-code sign-ins), so they are planted as they appear. */
  const plantedRefreshTokens = new Set<string>();
  function plantRefreshTokens(): void {
    for (const token of emulator.state.data.refreshTokens.keys()) {
      if (plantedRefreshTokens.has(token)) continue;
      plantedRefreshTokens.add(token);
      scanner.plant('refresh token issued by the emulator', token);
    }
  }

  /** Runs, checks the exit code, then scans stdout, stderr and every file the run was told to write. */
  async function scanned(where: string, running: Promise<RunResult>, exitCode: number, files: string[] = []): Promise<{ run: RunResult; found: Hit[] }> {
    const run = await running;
    expect(run.code, `${where}\n${run.stdout}\n${run.stderr}`).to.equal(exitCode);
    plantRefreshTokens();
    const found = scanner.scanRun(where, run);
    for (const written of files) found.push(...(await scanner.scanFile(`${where}: ${path.basename(written)}`, written)));
    return { run, found };
  }

  before(async () => {
    // The in-process emulator reports internal errors on this process's stderr: that output is scanned too.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      emulatorStderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return (writeStderr as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    dir = await tempDir('dvpkg-secrets-');
    emulator = await startSampleEmulator({ apps: [SAMPLE_CLIENT_ID, AUTOMATION_CLIENT_ID] });
    const isv = emulator.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!;
    const admin = emulator.apps.find((a) => a.clientId === AUTOMATION_CLIENT_ID)!;
    isvSecret = isv.clientSecret;
    automationSecret = admin.clientSecret;
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(file('isv.pem'), `${isv.privateKeyPem}\n${isv.certificatePem}\n`, { mode: 0o600 });
    await writeFile(file('automation.pem'), `${admin.privateKeyPem}\n${admin.certificatePem}\n`, { mode: 0o600 });
    await writeFile(file('mismatched.pem'), `${wrongKey}\n${admin.certificatePem}\n`, { mode: 0o600 });
    await writeFile(file('automation.secret'), `${automationSecret}\n`, { mode: 0o600 });
    await writeFile(file('wrong.secret'), `${canaryFileSecret}\n`, { mode: 0o600 });

    // The admin's automation app: consented in the subscriber tenant and a System Administrator in the org.
    emulator.grantConsent(emulator.tenantId, AUTOMATION_CLIENT_ID);
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    await axios.post(`${emulator.controlUrl}/orgs/contoso/systemusers`, { applicationId: AUTOMATION_CLIENT_ID, roles: [DEFAULT_IDS.systemAdministratorRole] });

    isvToken = await appToken(emulator, SAMPLE_CLIENT_ID, isvSecret);
    scanner.plant('client secret of the ISV app', isvSecret);
    scanner.plant('client secret of the automation app', automationSecret);
    scanner.plant('wrong client secret (canary)', canarySecret);
    scanner.plant('wrong client secret from a file (canary)', canaryFileSecret);
    scanner.plant('private key of the ISV app', isv.privateKeyPem);
    scanner.plant('private key of the automation app', admin.privateKeyPem);
    scanner.plant('mismatched private key', wrongKey);
    scanner.plant('access token of the ISV app', isvToken);
    scanner.plant('access token of the automation app', await appToken(emulator, AUTOMATION_CLIENT_ID, automationSecret));

    // Every later test runs this package, so it is built here and scanned by the first test.
    outDir = path.join(dir, 'out');
    build = await runCli(['build', '--src', SAMPLE_SRC, '--out', outDir, '--json'], { env: unrelatedEnv });
    expect(build.code, build.stderr).to.equal(0);
    const built = JSON.parse(build.stdout) as { package: { dir: string } };
    pkg = { dir: built.package.dir, runner: path.join(built.package.dir, 'deploy.mjs'), version: '1.0.0.0' };

    // A refused connection is retried with backoff for about 35 s; started now, that wait overlaps the other tests.
    unreachableOrg = `http://127.0.0.1:${await closedPort()}/orgs/contoso`;
    unreachable = {
      runner: deployer(automation('--report', file('f-org.json')), { DVPKG_DEBUG: '1', DVPKG_CLIENT_SECRET: automationSecret }, unreachableOrg),
      verify: verify(['--json'], { DVPKG_DEBUG: '1', AZURE_CLIENT_SECRET: isvSecret }, unreachableOrg),
    };
  });

  after(async () => {
    process.stderr.write = writeStderr;
    await emulator?.close();
    await removeTempDirs();
    process.stdout.write(`      secret hits: ${scanner.hits.length}\n      secret scans: ${scanner.scans}\n`);
    for (const hit of scanner.hits) process.stdout.write(`      hit: ${hit.where}: ${hit.what}\n`);
  });

  it('the scanner finds each kind of leak it looks for', () => {
    const control = new LeakScanner();
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    control.plant('planted secret', canarySecret);
    const planted = control.scan('a secret', `error: ${canarySecret} was refused`);
    const block = control.scan('a key block', JSON.stringify({ key }));
    const token = control.scan('a token', `Authorization: Bearer ${isvToken}`);
    expect([planted, block, token].map((found) => found.map((h) => h.what))).to.deep.equal([['planted secret'], ['a PEM private-key block'], [`a JWT (${isvToken.slice(0, 24)}...)`]]);
    expect(control.scan('clean', 'ok signed in as 5c0f1e2d (tenant 00000000-0000-4000-8000-0000000000b1)')).to.deep.equal([]);
  });

  it('dvpkg check and build, with secrets in the environment: output and the whole generated package', async () => {
    const found: Hit[] = [];
    found.push(...(await scanned('dvpkg check', runCli(['check', '--src', SAMPLE_SRC, '--json'], { env: unrelatedEnv }), 0)).found);
    found.push(...(await scanned('dvpkg build', Promise.resolve(build), 0)).found);
    found.push(...(await scanner.scanTree('dvpkg build out', outDir)));
    expectNoHits(found);
  });

  it('runner, client secret from DVPKG_CLIENT_SECRET: a write lost on a dropped connection, then a full install', async () => {
    const found: Hit[] = [];
    emulator.setFaults('drop:1,route=POST */systemusers');
    const lost = await scanned('runner: dropped POST systemusers', deployer(automation('--yes', '--report', file('r-drop.json')), { DVPKG_CLIENT_SECRET: automationSecret, DVPKG_DEBUG: '1' }), 7, [file('r-drop.json')]);
    found.push(...lost.found);
    expect(lost.run.stdout).to.contain('POST systemusers: ECONNRESET');
    emulator.setFaults({ rules: [] });
    const install = await scanned('runner: client secret (env), --json', deployer(automation('--yes', '--json', '--report', file('r-env.json')), { DVPKG_CLIENT_SECRET: automationSecret }), 0, [file('r-env.json')]);
    found.push(...install.found);
    expect(lastJsonLine(install.run.stdout)).to.include({ outcome: 'succeeded' });
    expectNoHits(found);
  });

  it('runner, client secret from --client-secret-file, certificate, and device code', async () => {
    const found: Hit[] = [];
    const fromFile = ['--auth', 'client-secret', '--client-id', AUTOMATION_CLIENT_ID, '--client-secret-file', file('automation.secret'), '--report', file('r-file.json')];
    found.push(...(await scanned('runner: client secret (file)', deployer(fromFile), 0, [file('r-file.json')])).found);
    const certificate = ['--auth', 'certificate', '--client-id', AUTOMATION_CLIENT_ID, '--certificate', file('automation.pem'), '--json', '--report', file('r-cert.json')];
    found.push(...(await scanned('runner: certificate', deployer(certificate, unrelatedEnv), 0, [file('r-cert.json')])).found);
    found.push(...(await scanned('runner: device code, --plan', deployer(['--plan', '--json', '--report', file('r-device.json')], unrelatedEnv), 0, [file('r-device.json')])).found);
    expectNoHits(found);
  });

  it('runner failure paths: wrong secret, wrong key, unknown tenant, unreachable org, throttled token endpoint', async () => {
    const debug = { DVPKG_DEBUG: '1' };
    // Independent read-only runs, started together to keep the suite short.
    const cases: Array<[string, Promise<RunResult>, number, string[]]> = [
      ['wrong secret (env)', deployer(automation('--json', '--report', file('f-env.json')), { ...debug, DVPKG_CLIENT_SECRET: canarySecret }), 4, [file('f-env.json')]],
      ['wrong secret (file)', deployer(['--auth', 'client-secret', '--client-id', AUTOMATION_CLIENT_ID, '--client-secret-file', file('wrong.secret')], debug), 4, []],
      ['mismatched certificate key', deployer(['--auth', 'certificate', '--client-id', AUTOMATION_CLIENT_ID, '--certificate', file('mismatched.pem'), '--report', file('f-cert.json')], debug), 4, [file('f-cert.json')]],
      ['unknown tenant', deployer(automation('--tenant', 'nosuch.example', '--json'), { ...debug, DVPKG_CLIENT_SECRET: automationSecret }), 4, []],
      ['unreachable org', unreachable.runner, 2, [file('f-org.json')]],
      ['org unknown to the tenant', deployer(automation('--tenant', emulator.tenantId), { ...debug, DVPKG_CLIENT_SECRET: automationSecret }, unreachableOrg), 4, []],
      ['secret passed as --client-id', deployer(['--auth', 'client-secret', '--client-id', automationSecret], { ...debug, DVPKG_CLIENT_SECRET: automationSecret }), 2, []],
    ];
    const found = (await Promise.all(cases.map(([where, running, code, files]) => scanned(`runner: ${where}`, running, code, files)))).flatMap((r) => r.found);
    emulator.setFaults(THROTTLED_TOKEN_ENDPOINT);
    try {
      found.push(...(await scanned('runner: token endpoint 503', deployer(automation('--json', '--report', file('f-503.json')), { ...debug, DVPKG_CLIENT_SECRET: automationSecret }), 4, [file('f-503.json')])).found);
    } finally {
      emulator.setFaults({ rules: [] });
    }
    expectNoHits(found);
  });

  it('dvpkg verify with AZURE_CLIENT_SECRET and with a certificate: terminal, --json, --report and --junit', async () => {
    const found: Hit[] = [];
    const reports = (name: string) => ['--report', file(`${name}.json`), '--junit', file(`${name}.xml`)];
    const written = (name: string) => [file(`${name}.json`), file(`${name}.xml`)];
    found.push(...(await scanned('verify: secret, --json --probe', verify(['--json', '--probe', ...reports('v-secret')], { AZURE_CLIENT_SECRET: isvSecret }), 0, written('v-secret'))).found);
    found.push(...(await scanned('verify: secret, table', verify([], { AZURE_CLIENT_SECRET: isvSecret, AZURE_CLIENT_ID: SAMPLE_CLIENT_ID, AZURE_TENANT_ID: emulator.tenantId }), 0)).found);
    found.push(...(await scanned('verify: --certificate', verify(['--certificate', file('isv.pem'), ...reports('v-cert')], { AZURE_CLIENT_SECRET: canarySecret }), 0, written('v-cert'))).found);
    found.push(...(await scanned('verify: AZURE_CLIENT_CERTIFICATE_PATH', verify(['--json'], { AZURE_CLIENT_CERTIFICATE_PATH: file('isv.pem') }), 0)).found);
    expectNoHits(found);
  });

  it('dvpkg verify failure paths: wrong secret, wrong key, unknown tenant, unreachable org, throttled token endpoint, unexpected error', async () => {
    const debug = { DVPKG_DEBUG: '1' };
    const reports = (name: string) => ['--report', file(`${name}.json`), '--junit', file(`${name}.xml`)];
    const written = (name: string) => [file(`${name}.json`), file(`${name}.xml`)];
    const reportDir = file('report-is-a-folder');
    await mkdir(reportDir, { recursive: true });
    // Independent read-only runs, started together to keep the suite short.
    const cases: Array<[string, Promise<RunResult>, number, string[]]> = [
      ['wrong secret', verify(['--json', ...reports('vf-secret')], { ...debug, AZURE_CLIENT_SECRET: canarySecret }), 4, written('vf-secret')],
      ['mismatched certificate key', verify(['--certificate', file('mismatched.pem'), ...reports('vf-cert')], debug), 4, written('vf-cert')],
      ['unknown tenant', verify(['--tenant', 'nosuch.example', '--json'], { ...debug, AZURE_CLIENT_SECRET: isvSecret }), 4, []],
      ['unreachable org', unreachable.verify, 2, []],
      ['secret in AZURE_CLIENT_ID', verify([], { ...debug, AZURE_CLIENT_SECRET: isvSecret, AZURE_CLIENT_ID: isvSecret }), 2, []],
      ['--report is a folder (a usage error after the results)', verify(['--report', reportDir], { ...debug, AZURE_CLIENT_SECRET: isvSecret }), 2, []],
    ];
    const found = (await Promise.all(cases.map(([where, running, code, files]) => scanned(`verify: ${where}`, running, code, files)))).flatMap((r) => r.found);
    emulator.setFaults(THROTTLED_TOKEN_ENDPOINT);
    try {
      found.push(...(await scanned('verify: token endpoint 503', verify(['--json', ...reports('vf-503')], { ...debug, AZURE_CLIENT_SECRET: isvSecret }), 4, written('vf-503'))).found);
    } finally {
      emulator.setFaults({ rules: [] });
    }
    expectNoHits(found);
  });

  it('msal and axios errors are redacted before they are shown', async () => {
    const shown: string[] = [];
    // As a program does: the credentials it resolved are registered on its output's redactor.
    const redactor = new Redactor();
    redactor.add(isvSecret);
    redactor.add(canarySecret);
    const sink = new Writable({ write: (chunk, _encoding, done) => { shown.push(String(chunk)); done(); } });
    const output = createOutput({ stdout: sink, stderr: sink }, redactor);
    const show = (error: unknown) => reportError(error, output, 'dvpkg', { debug: true });
    const previous = process.env['DVPKG_DEBUG'];
    process.env['DVPKG_DEBUG'] = '1';
    try {
      const signIn = (tenant: string, secret: string) =>
        createTokenProvider({ kind: 'client-secret', clientId: SAMPLE_CLIENT_ID, secret }, { authorityHost: emulator.authorityHost, tenant, cloud: CLOUDS.public, hooks: { clock: { now: () => 0, sleep: async () => undefined } } })
          .token(emulator.orgUrl, false)
          .then(() => expect.fail('sign-in should fail'), (error: unknown) => error);
      show(await signIn('nosuch.example', isvSecret));
      show(await signIn(emulator.tenantId, canarySecret));
      emulator.setFaults(THROTTLED_TOKEN_ENDPOINT);
      show(await signIn(emulator.tenantId, isvSecret));
      emulator.setFaults('drop:1,route=POST */oauth2/v2.0/token');
      show(await signIn(emulator.tenantId, isvSecret));

      // A request that carries a bearer token and a secret in its body, cut off by the server.
      emulator.setFaults('drop:1,route=/orgs/*');
      const axiosError = await axios
        .post(`${emulator.orgUrl}/api/data/v9.2/WhoAmI`, new URLSearchParams({ client_secret: isvSecret }).toString(), { headers: { Authorization: `Bearer ${isvToken}` } })
        .then(() => expect.fail('the request should fail'), (error: unknown) => error);
      expect(axios.isAxiosError(axiosError)).to.equal(true);
      show(axiosError);
      // The fullest view there is of an axios error (its config holds the headers and the body), redacted.
      output.err(inspect(axiosError, { depth: 6 }));
      const client = new DataverseClient({ orgUrl: emulator.orgUrl, token: { getToken: async () => isvToken }, policy: { maxAttempts: 1 } });
      show(await client.get('WhoAmI').then(() => expect.fail('the request should fail'), (error: unknown) => error));
    } finally {
      emulator.setFaults({ rules: [] });
      if (previous === undefined) delete process.env['DVPKG_DEBUG'];
      else process.env['DVPKG_DEBUG'] = previous;
    }
    const text = shown.join('\n');
    expect(text).to.contain('AADSTS90002').and.contain('AADSTS7000215').and.contain('AADSTS90033').and.contain('network request to').and.contain('socket hang up');
    expect(text).to.not.match(/Bearer\s+(?!\[redacted\])\S/);
    expectNoHits(scanner.scan('errors shown by reportError', text));
  });

  it('dvpkg emulator as a process: the issued secret only in its start-up line', async () => {
    const child = await startEmulatorProcess(['--app', SAMPLE_CLIENT_ID]);
    const issued = (child.ready['apps'] as Array<{ clientSecret: string }>)[0]!.clientSecret;
    scanner.plant('client secret issued by the emulator process', issued);
    const url = child.ready['url'] as string;
    const found: Hit[] = [];
    try {
      await axios.post(`${child.ready['controlUrl']}/consent`, { tenantId: child.ready['tenantId'], clientId: SAMPLE_CLIENT_ID });
      const org = child.ready['orgUrl'] as string;
      const deploy = runNode([pkg.runner, '--org', org, '--authority-host', url, '--yes'], { cwd: pkg.dir, env: unrelatedEnv, timeoutMs: 60_000 });
      found.push(...(await scanned('runner against the emulator process: device code', deploy, 0)).found);
      const check = runCli(['verify', '--org', org, '--package', `${pkg.dir}.zip`, '--authority-host', url, '--json'], { env: { AZURE_CLIENT_SECRET: issued } });
      found.push(...(await scanned('verify against the emulator process', check, 0)).found);
      for (const [route, name] of [['log', 'GET /_emulator/log'], ['state', 'GET /_emulator/state']] as const) {
        const response = await axios.get(`${child.ready['controlUrl']}/${route}`, { responseType: 'text' });
        found.push(...scanner.scan(`emulator process: ${name}`, response.data as string));
      }
    } finally {
      const run = await child.stop();
      const [first = '', ...rest] = run.stdout.split('\n');
      found.push(...scanner.scan('dvpkg emulator: start-up line', first, [issued]));
      found.push(...scanner.scan('dvpkg emulator: stdout after start-up', rest.join('\n')));
      found.push(...scanner.scan('dvpkg emulator: stderr', run.stderr));
    }
    expectNoHits(found);
  });

  it('browser sign-in, a federated token file and the GitHub Actions OIDC token: no code, PKCE verifier, assertion or job token in any output', async () => {
    const found: Hit[] = [];
    // Browser: the authorization code is seen on its way to the runner's listener; the PKCE verifier is never
    // seen outside the runner, so every output is searched for a string whose S256 hash is the challenge.
    let followed: Promise<FollowResult> | undefined;
    const browserRun = await runInProcess(pkg, emulator, ['--auth', 'browser', '--no-open', '--yes', '--json', '--report', file('r-browser.json')], unrelatedEnv, {
      onStdout: (text) => {
        const url = signInUrlIn(text);
        if (url && !followed) followed = followSignIn(url);
      },
    });
    expect(browserRun.code, browserRun.stdout + browserRun.stderr).to.equal(0);
    const codes = (await followed)!.posted.map((fields) => fields['code']).filter((c): c is string => Boolean(c));
    expect(codes).to.have.length(1);
    scanner.plant('authorization code', codes[0]!);
    plantRefreshTokens();
    found.push(...scanner.scanRun('runner: browser sign-in', browserRun), ...(await scanner.scanFile('runner: browser sign-in: r-browser.json', file('r-browser.json'))));
    const challenge = emulator.log().find((e) => e.path.endsWith('/oauth2/v2.0/authorize'))?.query['code_challenge'];
    expect(challenge).to.be.a('string');
    const outputs = [browserRun.stdout, browserRun.stderr, await readFile(file('r-browser.json'), 'utf8'), JSON.stringify(emulator.log()), JSON.stringify(emulator.state.snapshot())];
    const verifiers = outputs.flatMap((text) => text.match(/[A-Za-z0-9_-]{43,128}/g) ?? []).filter((candidate) => createHash('sha256').update(candidate).digest('base64url') === challenge);
    expect(verifiers, 'the PKCE verifier in an output').to.deep.equal([]);

    // Federated: an assertion minted by the emulator's issuer, from a file and from the Actions token service.
    await axios.post(`${emulator.controlUrl}/apps/${SAMPLE_CLIENT_ID}/federated-credentials`, { subject: 'repo:fabrikam/sync:environment:production' });
    const mint = async (subject: string) => (await axios.post(`${emulator.oidc.issuer}/token`, { subject })).data.token as string;
    const assertion = await mint('repo:fabrikam/sync:environment:production');
    const untrusted = await mint('repo:someone/else:ref:refs/heads/main');
    scanner.plant('federated assertion', assertion);
    scanner.plant('federated assertion (untrusted subject)', untrusted);
    scanner.plant('GitHub Actions request token', emulator.oidc.actionsRequestToken);
    await writeFile(file('federated.token'), assertion, { mode: 0o600 });
    await writeFile(file('untrusted.token'), untrusted, { mode: 0o600 });
    const fileEnv = { AZURE_FEDERATED_TOKEN_FILE: file('federated.token') };
    found.push(...(await scanned('verify: federated token file', verify(['--json', '--report', file('v-fed.json'), '--junit', file('v-fed.xml')], fileEnv), 0, [file('v-fed.json'), file('v-fed.xml')])).found);
    found.push(...(await scanned('verify: untrusted federated subject', verify(['--json'], { AZURE_FEDERATED_TOKEN_FILE: file('untrusted.token'), DVPKG_FEDERATED_WAIT_SECONDS: '0' }), 4)).found);
    const actionsEnv = { ACTIONS_ID_TOKEN_REQUEST_URL: `${emulator.oidc.actionsRequestUrl}?subject=${encodeURIComponent('repo:fabrikam/sync:environment:production')}`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.oidc.actionsRequestToken };
    found.push(...(await scanned('verify: GitHub Actions OIDC', verify(['--report', file('v-gh.json')], actionsEnv), 0, [file('v-gh.json')])).found);
    found.push(...(await scanned('verify: GitHub Actions OIDC, wrong request token', verify([], { ...actionsEnv, ACTIONS_ID_TOKEN_REQUEST_TOKEN: `${emulator.oidc.actionsRequestToken}x` }), 4)).found);
    expectNoHits(found);
  });

  it('a secret deployment setting (--set name=@file and --settings): deploy, re-run, --plan --json, a rule broken, verify --settings', async () => {
    // An org of its own: this package's role and stored value would change what the shared org's later scans see.
    const own = await startSampleEmulator();
    const local = new LeakScanner();
    const secretValue = `{"Password":"LEAKCANARY-setting-${randomBytes(12).toString('hex')}"}`;
    local.plant('secret deployment setting value', secretValue);
    try {
      own.grantConsent(own.tenantId, SAMPLE_CLIENT_ID);
      const src = await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true, secret: true, pattern: '\\{.*\\}' } }, undefined, { prvReadEnvironmentVariableDefinition: 'Global' });
      const sap = await buildSamplePackage({ src });
      await writeFile(file('setting.value'), `${secretValue}\n`, { mode: 0o600 });
      await writeFile(file('settings.json'), JSON.stringify({ EnvironmentVariables: [{ SchemaName: SAP_VARIABLE, Value: secretValue }] }), { mode: 0o600 });
      await writeFile(file('broken.json'), JSON.stringify({ EnvironmentVariables: [{ SchemaName: SAP_VARIABLE, Value: secretValue.slice(1) }] }), { mode: 0o600 });
      const found: Hit[] = [];
      const run = async (where: string, args: string[], exitCode: number, files: string[] = []) => {
        const result = await runInProcess(sap, own, args);
        expect(result.code, `${where}\n${result.stdout}\n${result.stderr}`).to.equal(exitCode);
        found.push(...local.scanRun(where, result));
        for (const written of files) found.push(...(await local.scanFile(`${where}: ${path.basename(written)}`, written)));
        return result;
      };
      await run('setting: deploy with --set @file', ['--yes', '--report', file('s-deploy.json'), '--set', `${SAP_VARIABLE}=@${file('setting.value')}`], 0, [file('s-deploy.json')]);
      const plan = await run('setting: --plan --json with --settings', ['--plan', '--json', '--settings', file('settings.json')], 0);
      expect(plan.stdout).to.contain('"secret":true');
      await run('setting: re-run with --settings', ['--yes', '--settings', file('settings.json')], 0);
      const broken = await run('setting: a value against the pattern', ['--yes', '--settings', file('broken.json')], 5);
      expect(broken.stderr).to.contain('the value is not a value matching');
      const appSecret = own.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!.clientSecret;
      const verified = await runCli(['verify', '--org', own.orgUrl, '--package', sap.dir, '--authority-host', own.authorityHost, '--settings', file('broken.json'), '--report', file('s-verify.json')], { env: { AZURE_CLIENT_SECRET: appSecret } });
      expect(verified.code).to.equal(1);
      found.push(...local.scanRun('setting: verify --settings (a mismatch)', verified), ...(await local.scanFile('setting: verify --report', file('s-verify.json'))));
      scanner.scans += local.scans;
      expectNoHits(found);
    } finally {
      await own.close();
    }
  });

  it('deploy.mjs --ui: a secret setting typed on the page and the app secret are in no event, session frame, page asset or terminal line', async () => {
    const own = await startSampleEmulator();
    const local = new LeakScanner();
    const secretValue = `{"Password":"LEAKCANARY-ui-${randomBytes(12).toString('hex')}"}`;
    local.plant('secret setting typed on the page', secretValue);
    try {
      own.grantConsent(own.tenantId, SAMPLE_CLIENT_ID);
      const sap = await buildSamplePackage({ src: await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true, secret: true } }) });
      local.plant('ISV app secret', own.apps.find((a) => a.clientId === SAMPLE_CLIENT_ID)!.clientSecret);
      let found!: (client: UiClient) => void;
      const client = new Promise<UiClient>((resolve) => (found = resolve));
      const result = runInProcess(sap, own, ['--ui', '--no-open', '--auth', 'device-code'], {}, { onStdout: (text) => { const url = uiUrlIn(text); if (url) found(new UiClient(url)); } });
      const page = await client;
      await page.open();
      await page.listen();
      await page.until(() => page.session()?.['waiting'] === 'start', 'the Sign in question');
      expect((await page.decide('sign-in', {}, { [SAP_VARIABLE]: secretValue })).status).to.equal(202);
      await page.until(() => page.session()?.['waiting'] === 'answer', 'the Apply question');
      // While the run waits: the page server stops with the run.
      const hits: Hit[] = [];
      for (const asset of ['/', '/app.js', '/app.css']) hits.push(...local.scan(`--ui: ${asset}`, (await page.get(asset)).body));
      expect((await page.decide('apply')).status).to.equal(202);
      const run = await result;
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      hits.push(...local.scanRun('--ui: terminal', run), ...local.scan('--ui: event stream', page.raw));
      scanner.scans += local.scans;
      expectNoHits(hits);
    } finally {
      await own.close();
    }
  });

  it("the emulator's request log and state, the package after every run, and the emulator's stderr", async () => {
    plantRefreshTokens();
    const found: Hit[] = [];
    found.push(...scanner.scan('emulator.log()', JSON.stringify(emulator.log())));
    found.push(...scanner.scan('emulator.state.snapshot()', JSON.stringify(emulator.state.snapshot())));
    for (const route of ['log', 'state', 'faults']) {
      const response = await axios.get(`${emulator.controlUrl}/${route}`, { responseType: 'text' });
      found.push(...scanner.scan(`GET /_emulator/${route}`, response.data as string));
    }
    found.push(...(await scanner.scanTree('package after all runs', outDir)));
    found.push(...scanner.scan('in-process emulator stderr', emulatorStderr));
    expectNoHits(found);
    expect(scanner.hits, 'hits over the whole suite').to.deep.equal([]);
  });
});
