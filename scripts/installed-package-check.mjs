// The installed-tarball check (.ci/run, after the suites): dvpkg as a user gets it from the registry, not as the
// checkout runs it. `npm pack` the project, install the tarball into an empty folder outside the checkout, then
// from there: `npx dvpkg --version`, `init`, `build` of what init wrote, the emulator, and a deploy to it with the
// built deploy.mjs. A file missing from `files`, or a dependency needed at run time but listed as a dev
// dependency, fails here and nowhere else. Each step is one check; with DVPKG_TEST_TOTALS set, the counts are
// appended to it as "passed failed 0" (nothing is skipped) for .ci/run's totals line. Exit 1 when a check failed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const work = await mkdtemp(path.join(os.tmpdir(), 'dvpkg-installed-'));
const app = path.join(work, 'app');
if (!path.relative(root, work).startsWith('..')) throw new Error(`${work} is inside the checkout ${root}: the install would find the checkout's node_modules`);

// A credential or tenant in CI's environment would change how the runner signs in: every step gets none.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DVPKG_|AZURE_|ACTIONS_ID_TOKEN_)/.test(name)));
env.NO_COLOR = '1';

/** Runs a command to its end; `npx` and `npm` are .cmd files on Windows, which only a shell starts. */
function run(command, args, { cwd = app, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// `--no`: never fetch a "dvpkg" from the registry when the installed one is not found (npx would, without a
// terminal). `--` keeps npm from reading the command's own flags: `npx --no dvpkg --version` prints npm's version.
const dvpkg = (args, options) => run('npx', ['--no', '--', 'dvpkg', ...args], options);

class CheckFailed extends Error {
  constructor(message, result) {
    super(message);
    this.result = result;
  }
}

/** A command that must exit 0; a failure shows the end of what it printed. */
function expectExit0(result, what) {
  if (result.code !== 0) throw new CheckFailed(`${what} exited ${result.code ?? result.signal}`, result);
  return result;
}

const counts = { passed: 0, failed: 0 };
let broken;

/**
 * One check: passes or fails. After a failure the rest cannot run
 * and count as failed, but for those marked `always` (stopping the emulator still says whether it stops cleanly).
 */
async function check(name, body, { always = false } = {}) {
  const started = Date.now();
  if (broken && !always) {
    counts.failed++;
    process.stdout.write(`  FAIL  ${name}: not run (${broken} failed)\n`);
    return undefined;
  }
  try {
    const value = await body();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    counts.passed++;
    process.stdout.write(`  ok    ${name}${value?.note ? `: ${value.note}` : ''} (${seconds} s)\n`);
    return value;
  } catch (error) {
    counts.failed++;
    broken = name;
    process.stdout.write(`  FAIL  ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    const result = error instanceof CheckFailed ? error.result : undefined;
    const tail = (text) => text.trimEnd().split('\n').slice(-15).map((line) => `        | ${line}\n`).join('');
    if (result?.stdout.trim()) process.stdout.write(`        stdout:\n${tail(result.stdout)}`);
    if (result?.stderr.trim()) process.stdout.write(`        stderr:\n${tail(result.stderr)}`);
    return undefined;
  }
}

const started = Date.now();
process.stdout.write(`installed package check in ${work}\n`);
let emulator;
try {
  // `prepack` builds dist/ and the type declarations; lifecycle output goes to stderr under --json.
  const packed = await check('npm pack', async () => {
    const result = expectExit0(await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, timeoutMs: 180_000 }), 'npm pack');
    const [info] = JSON.parse(result.stdout);
    const files = new Set(info.files.map((f) => f.path));
    const missing = ['LICENSE', 'bin/dvpkg.js', 'dist/bin/dvpkg.js', 'dist/runner/deploy.mjs', 'dist/index.js', 'dist/emulator/index.js', 'templates/README.md.hbs', 'schemas/solution.schema.json'].filter((f) => !files.has(f));
    if (missing.length) throw new CheckFailed(`the tarball lacks ${missing.join(', ')}`, result);
    return { tarball: path.join(work, info.filename), version: info.version, note: `${info.filename}, ${info.files.length} files, ${Math.round(info.size / 1024)} KB` };
  });

  // An install as a user's project does it: no dev dependencies, from the registry the machine uses (its cache first).
  await check('npm install <tarball>', async () => {
    // Its own package.json, so npm installs here and not into a project above the temp folder.
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), `${JSON.stringify({ name: 'dvpkg-installed-check', private: true })}\n`);
    expectExit0(await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', packed.tarball], { timeoutMs: 180_000 }), 'npm install');
  });

  await check('npx dvpkg --version', async () => {
    const result = expectExit0(await dvpkg(['--version']), 'dvpkg --version');
    if (result.stdout.trim() !== packed.version) throw new CheckFailed(`printed "${result.stdout.trim()}", expected the tarball's version ${packed.version}`, result);
    return { note: packed.version };
  });

  // The tarball carries no sample spec: the build starts from what `dvpkg init` writes, as a new user's would.
  const src = await check('npx dvpkg init', async () => {
    const args = ['init', path.join(work, 'init'), '--publisher', 'Fabrikam', '--prefix', 'fab', '--app-client-id', '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d', '--app-name', 'Fabrikam Sync', '--unique-name', 'FabrikamSyncConnector'];
    expectExit0(await dvpkg(args), 'dvpkg init');
    return { dir: path.join(work, 'init', 'solution-src'), note: 'wrote init/solution-src' };
  });

  const built = await check('npx dvpkg build', async () => {
    const result = expectExit0(await dvpkg(['build', '--src', src.dir, '--out', path.join(work, 'out'), '--json']), 'dvpkg build');
    const report = JSON.parse(result.stdout);
    const sha256 = createHash('sha256').update(await readFile(report.package.zip)).digest('hex');
    if (!report.ok || sha256 !== report.package.sha256) throw new CheckFailed(`the package zip's sha256 is ${sha256}, build --json says ${report.package.sha256}`, result);
    const manifest = JSON.parse(await readFile(path.join(report.package.dir, 'manifest.json'), 'utf8'));
    return { dir: report.package.dir, app: manifest.app, note: path.basename(report.package.zip) };
  });

  // npm exec does not pass SIGTERM on to what it runs (npm 11: the emulator outlived a stopped `npx`), so the
  // emulator is started from the installed bin that `npx dvpkg` runs, where its own exit code can be checked.
  const ready = await check('dvpkg emulator', async () => {
    const installed = JSON.parse(await readFile(path.join(app, 'node_modules', 'dvpkg', 'package.json'), 'utf8'));
    const bin = path.join(app, 'node_modules', 'dvpkg', installed.bin.dvpkg);
    const child = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--app', built.app.clientId], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))) };
    emulator = proc;
    child.stdout.setEncoding('utf8').on('data', (chunk) => (proc.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (proc.stderr += chunk));
    const line = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckFailed('no start-up line within 20 s', proc)), 20_000);
      child.stdout.on('data', () => proc.stdout.includes('\n') && (clearTimeout(timer), resolve(proc.stdout.slice(0, proc.stdout.indexOf('\n')))));
      void proc.exited.then(({ code }) => (clearTimeout(timer), reject(new CheckFailed(`exited ${code} before it was ready`, proc))));
    });
    const info = JSON.parse(line);
    return { ...info, note: info.orgUrl };
  });

  await check('node deploy.mjs --org <emulator> --yes', async () => {
    // Admin consent as the demo grants it (src/programs/demo/main.ts): the app's reply URL registered, then the
    // tenant's admin-consent URL, which the seeded admin approves.
    const redirectUri = built.app.consentRedirectUri ?? 'https://localhost/consented';
    const patched = await fetch(`${ready.controlUrl}/apps/${built.app.clientId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirectUris: [redirectUri] }) });
    if (!patched.ok) throw new Error(`registering the reply URL: ${patched.status} ${await patched.text()}`);
    const consent = await fetch(`${ready.authorityHost}/${ready.tenantId}/adminconsent?client_id=${built.app.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=check`, { redirect: 'manual' });
    const location = consent.headers.get('location') ?? '';
    if (consent.status !== 302 || !location.includes('admin_consent=True')) throw new Error(`admin consent: ${consent.status} ${location || (await consent.text())}`);
    // As the demo runs it, with device code chosen: no browser opens on a desktop, and the seeded admin
    // (the emulator's adminUsername) approves the code.
    const report = path.join(work, 'deploy-report.json');
    const args = [path.join(built.dir, 'deploy.mjs'), '--org', ready.orgUrl, '--authority-host', ready.authorityHost, '--yes', '--auth', 'device-code', '--report', report];
    expectExit0(await run(process.execPath, args, { timeoutMs: 90_000 }), 'deploy.mjs');
    const { outcome, requests } = JSON.parse(await readFile(report, 'utf8'));
    if (outcome !== 'succeeded') throw new Error(`the report's outcome is ${outcome}, expected succeeded`);
    return { note: `${outcome}, ${requests} requests` };
  });

  await check(
    'stop the emulator',
    async () => {
      if (!emulator) throw new Error('not run (the emulator did not start)');
      const running = emulator;
      emulator = undefined;
      running.child.kill('SIGTERM');
      const { code, signal } = await running.exited;
      if (code !== 0) throw new CheckFailed(`exited ${code ?? signal} after SIGTERM, expected 0`, running);
    },
    { always: true },
  );
} finally {
  if (emulator) {
    emulator.child.kill('SIGKILL');
    await emulator.exited;
  }
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stdout.write(`installed package: ${counts.passed} passed, ${counts.failed} failed in ${seconds} s\n`);
if (process.env.DVPKG_TEST_TOTALS) await appendFile(process.env.DVPKG_TEST_TOTALS, `${counts.passed} ${counts.failed} 0\n`);
// A failed run leaves its folder (the tarball, the install, the package, the deploy report) to look at.
if (counts.failed) process.stdout.write(`kept ${work} for a look\n`);
else await rm(work, { recursive: true, force: true });
process.exitCode = counts.failed ? 1 : 0;
