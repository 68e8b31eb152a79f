import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import { buildSolution } from '../../build.js';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { PACKAGE_ROOT } from '../../util/package-root.js';

/**
 * `npm run demo`: the whole job offline. Build the sample, start the emulator in this
 * process, grant admin consent through the emulator's consent URL, run the generated
 * deploy.mjs as a subscriber admin would (a separate process), run it again to show that a
 * re-run changes nothing, and summarise what the emulator saw.
 */

const say = (text = '') => process.stdout.write(`${text}\n`);

function runRunner(runner: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function orgTraffic(emulator: RunningEmulator, since: number) {
  const entries = emulator.log().filter((e) => e.seq > since && e.kind === 'dataverse');
  return { requests: entries.length, writes: entries.filter((e) => e.method !== 'GET' && e.status < 400).length };
}

async function main(): Promise<number> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'dvpkg-demo-'));
  try {
    say('== 1. ISV release pipeline: dvpkg build');
    const build = await buildSolution({ src: path.join(PACKAGE_ROOT, 'solution-src'), out });
    const app = build.model.app!;
    say(`   ${build.solution!.fileName}  sha256 ${build.solution!.sha256}`);
    say(`   deploy package ${build.package!.dir}`);

    // The app's reply URL is registered on it, as on the real registration: the consent link needs one.
    const redirectUri = app.consentRedirectUri ?? 'https://localhost/consented';
    const demo = await startEmulator({ apps: [{ clientId: app.clientId, name: app.name, redirectUris: [redirectUri] }] });
    try {
      say();
      say(`== 2. Emulator: Entra ID at ${demo.authorityHost}, org at ${demo.orgUrl}`);
      const consentUrl = `${demo.authorityHost}/${demo.tenantId}/adminconsent?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=demo`;
      const consent = await axios.get(consentUrl, { maxRedirects: 0, validateStatus: () => true });
      say(`   admin consent for ${app.name}: ${consent.status} -> ${String(consent.headers['location'])}`);

      const runner = path.join(build.package!.dir, 'deploy.mjs');
      const args = ['--org', demo.orgUrl, '--authority-host', demo.authorityHost, '--yes'];
      say();
      say(`== 3. Subscriber admin: node deploy.mjs ${args.join(' ')}`);
      let mark = demo.log().at(-1)?.seq ?? 0;
      const first = await runRunner(runner, args);
      const firstTraffic = orgTraffic(demo, mark);
      if (first !== 0) return first;

      say();
      say('== 4. The same command again: nothing left to do');
      mark = demo.log().at(-1)?.seq ?? 0;
      const second = await runRunner(runner, args);
      const secondTraffic = orgTraffic(demo, mark);
      if (second !== 0) return second;

      const org = demo.state.data.orgs[0]!;
      const user = org.systemusers.find((u) => u['applicationid'] === app.clientId);
      const roles = org.systemuserroles.filter((l) => l.systemuserid === user?.['systemuserid']).map((l) => org.roles.find((r) => r['roleid'] === l.roleid)?.['name']);
      const solution = org.solutions.find((s) => s['uniquename'] === build.model.uniqueName);
      say();
      say('== Summary (as the emulator sees the org)');
      say(`   solution        ${build.model.uniqueName} ${String(solution?.['version'])} (managed: ${String(solution?.['ismanaged'])})`);
      say(`   app user        ${String(user?.['fullname'])} ${String(user?.['systemuserid'])}, enabled: ${String(user?.['isdisabled'] === false)}`);
      say(`   roles           ${roles.join(', ')}`);
      say(`   first run       ${firstTraffic.requests} requests to the org, ${firstTraffic.writes} writes`);
      say(`   second run      ${secondTraffic.requests} requests to the org, ${secondTraffic.writes} writes`);
      return 0;
    } finally {
      await demo.close();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
