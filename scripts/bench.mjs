// `npm run bench`: whole-process timings of dvpkg commands, next to a bare `node -e 0`
// measured in the same run, plus peak memory. Prints a table and writes .bench/results.json.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stat } from 'node:fs/promises';
import { defaultCatalog } from '../dist/spec/catalog.js';
import { buildSolution } from '../dist/build.js';
import { fleetSeed, startEmulator } from '../dist/emulator/index.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const cli = path.join(root, 'bin', 'dvpkg.js');
const probe = path.join(root, 'scripts', 'bench-probe.mjs');
const runs = Number(process.env.BENCH_RUNS ?? 7);

function once(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', probe, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let rss = '';
    let stderr = '';
    child.stdio[3].setEncoding('utf8').on('data', (d) => (rss += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ ms, rssKb: Number(rss.trim()) });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function measure(label, args) {
  await once(args);
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once(args));
  const result = { label, medianMs: median(samples.map((s) => s.ms)), peakRssMb: Math.max(...samples.map((s) => s.rssKb)) / 1024 };
  console.log(`${label.padEnd(44)} ${result.medianMs.toFixed(0).padStart(7)} ms ${result.peakRssMb.toFixed(1).padStart(8)} MB`);
  return result;
}

/** solution.json of a bench spec (the bench publisher and app) and an empty roles/ folder. */
async function writeBenchSpec(dir, fields, app = {}) {
  await mkdir(path.join(dir, 'roles'), { recursive: true });
  const publisher = { uniqueName: 'bench', displayName: 'Bench', prefix: 'bench', optionValuePrefix: 12345 };
  const solution = { version: '1.0.0.0', publisher, app: { clientId: '44444444-5555-4666-8777-888888888888', name: 'Bench App', ...app }, ...fields };
  await writeFile(path.join(dir, 'solution.json'), JSON.stringify(solution));
}

/** A spec with `roles` roles of `perRole` privileges: real catalog names first, then custom-table ones. */
async function generateSpec(dir, roles, perRole) {
  const catalogNames = [...defaultCatalog().entries()].filter((e) => e.depths.includes('Global')).map((e) => e.name);
  const verbs = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'];
  await writeBenchSpec(dir, { uniqueName: 'BenchRoles', displayName: 'Bench Roles' });
  for (let r = 0; r < roles; r++) {
    const privileges = {};
    for (let i = 0; Object.keys(privileges).length < perRole; i++) {
      const name = i < catalogNames.length ? catalogNames[i] : `prv${verbs[i % 8]}bench_Table${Math.floor(i / 8)}`;
      privileges[name] = 'Global';
    }
    await writeFile(path.join(dir, 'roles', `role${String(r).padStart(2, '0')}.json`), JSON.stringify({ name: `Bench Role ${r}`, privileges }));
  }
}

/** Requests a fresh install and a no-op re-run make, counted in the emulator's request log. */
async function deployRoundTrips(out) {
  const build = await buildSolution({ src: path.join(root, 'solution-src'), out });
  const emulator = await startEmulator({ apps: [build.model.app.clientId] });
  try {
    emulator.grantConsent(emulator.tenantId, build.model.app.clientId);
    const runner = path.join(build.package.dir, 'deploy.mjs');
    const count = async () => {
      const mark = emulator.log().at(-1)?.seq ?? 0;
      const code = await new Promise((resolve) => {
        const child = spawn(process.execPath, [runner, '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, '--yes'], { stdio: 'ignore' });
        child.on('close', resolve);
      });
      if (code !== 0) throw new Error(`deploy.mjs exited ${code}`);
      const entries = emulator.log().filter((e) => e.seq > mark);
      const org = entries.filter((e) => e.kind === 'dataverse');
      const polls = org.filter((e) => /\/(asyncoperations|importjobs)\(/.test(e.path)).length;
      return { withoutPolls: org.length - polls, polls, writes: org.filter((e) => e.method !== 'GET' && e.status < 400).length, entra: entries.filter((e) => e.kind === 'entra').length };
    };
    return { fresh: await count(), rerun: await count() };
  } finally {
    await emulator.close();
  }
}

const fixtures = path.resolve(root, '../shared/fixtures/real/templates-for-power-platform/solutions');

/** A whole-app spec: the given solution zips, then a role on their tables. */
async function wholeAppSpec(dir, solutions, privileges) {
  await writeBenchSpec(dir, { uniqueName: 'BenchAppRoles', displayName: 'Bench App Roles', solutions }, { consentRedirectUri: 'https://bench.example/consented' });
  await writeFile(path.join(dir, 'roles', 'app.json'), JSON.stringify({ name: 'Bench App', privileges }));
}

/** A managed solution zip of about `megabytes` MB: the three root files and one incompressible web resource, stored. */
async function largeSolutionZip(file, megabytes) {
  const { default: JSZip } = await import('jszip');
  const { randomBytes } = await import('node:crypto');
  const zip = new JSZip();
  zip.file('solution.xml', '<ImportExportXml version="9.2.0.0" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive"><SolutionManifest><UniqueName>BenchLarge</UniqueName><LocalizedNames><LocalizedName description="Bench Large" languagecode="1033" /></LocalizedNames><Version>1.0.0.0</Version><Managed>1</Managed><Publisher><UniqueName>bench</UniqueName><LocalizedNames><LocalizedName description="Bench" languagecode="1033" /></LocalizedNames><CustomizationPrefix>bench</CustomizationPrefix></Publisher><RootComponents><RootComponent type="61" schemaName="bench_/large.bin" behavior="0" /></RootComponents><MissingDependencies /></SolutionManifest></ImportExportXml>');
  zip.file('customizations.xml', '<ImportExportXml><Entities /><Roles /><WebResources /></ImportExportXml>');
  zip.file('[Content_Types].xml', '<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet-stream" /></Types>');
  zip.file('WebResources/large.bin', randomBytes(megabytes * 1024 * 1024), { compression: 'STORE' });
  await writeFile(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'STORE' }));
  return (await stat(file)).size;
}

/** One deploy of a built package by a spawned deploy.mjs, with its peak RSS (the probe reports it). */
async function deployOnce(pkgDir, appClientId) {
  const emulator = await startEmulator({ apps: [appClientId], importDurationMs: 50 });
  try {
    emulator.grantConsent(emulator.tenantId, appClientId);
    return await once([path.join(pkgDir, 'deploy.mjs'), '--org', emulator.orgUrl, '--authority-host', emulator.authorityHost, '--yes']);
  } finally {
    await emulator.close();
  }
}

/**
 * A fleet run as the issue sets it: 200 orgs in 4 tenants, 20 ms added to every request, 1 s imports,
 * --concurrency 16. The ideal is orgs / concurrency x one org's deploy time on the same emulator.
 */
async function fleetRun(pkgDir, appClientId) {
  const options = { apps: [appClientId], importDurationMs: 1000, faults: 'latency:1,ms=20' };
  const runner = path.join(pkgDir, 'deploy.mjs');
  const one = await startEmulator({ ...options, seed: fleetSeed({ tenants: 1, orgsPerTenant: 1 }) });
  let single;
  try {
    one.grantConsent(one.orgs[0].tenantId, appClientId);
    single = await once([runner, '--org', one.orgs[0].url, '--authority-host', one.authorityHost, '--yes']);
    const singleRequests = one.log().filter((e) => e.kind === 'dataverse').length;
    single = { ...single, requests: singleRequests };
  } finally {
    await one.close();
  }
  const emulator = await startEmulator({ ...options, seed: fleetSeed({ tenants: 4, orgsPerTenant: 50 }) });
  try {
    const tenants = [...new Set(emulator.orgs.map((o) => o.tenantId))];
    for (const tenant of tenants) emulator.grantConsent(tenant, appClientId);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dvpkg-bench-fleet-'));
    const file = path.join(dir, 'orgs.txt');
    await writeFile(file, emulator.orgs.map((o) => o.url).join('\n'));
    const concurrency = 16;
    const run = await once([runner, '--orgs', file, '--authority-host', emulator.authorityHost, '--yes', '--concurrency', String(concurrency), '--report-dir', path.join(dir, 'reports')]);
    const summary = JSON.parse(await readFile(path.join(dir, 'reports', 'fleet.json'), 'utf8'));
    const byOrg = new Map();
    for (const entry of emulator.log()) if (entry.kind === 'dataverse' && entry.org) byOrg.set(entry.org, (byOrg.get(entry.org) ?? 0) + 1);
    const signInsPerTenant = tenants.map((tenant) => emulator.log().filter((e) => e.path === `/${tenant}/oauth2/v2.0/devicecode` || e.path === `/${tenant}/oauth2/v2.0/authorize`).length);
    const ideal = (emulator.orgs.length / concurrency) * single.ms;
    return {
      orgs: emulator.orgs.length,
      concurrency,
      ms: run.ms,
      rssKb: run.rssKb,
      singleMs: single.ms,
      idealMs: ideal,
      vsIdeal: run.ms / ideal,
      succeeded: summary.counts.succeeded ?? 0,
      singleRequests: single.requests,
      maxRequestsPerOrg: Math.max(...byOrg.values()),
      signInsPerTenant,
    };
  } finally {
    await emulator.close();
  }
}

const work = await mkdtemp(path.join(os.tmpdir(), 'dvpkg-bench-'));
try {
  console.log(`dvpkg benchmark (${runs} runs each, median wall time, peak RSS), node ${process.version}, ${os.cpus().length} CPUs\n`);
  const results = {};
  results.bare = await measure('node -e 0', ['-e', '0']);
  results.help = await measure('dvpkg --help', [cli, '--help']);
  results.sample = await measure('dvpkg build (sample)', [cli, 'build', '--src', path.join(root, 'solution-src'), '--out', path.join(work, 'sample'), '--json']);
  results.scaling = [];
  for (const perRole of [250, 500, 1000, 2000]) {
    const src = path.join(work, `spec-${perRole}`);
    await generateSpec(src, 20, perRole);
    results.scaling.push({ perRole, ...(await measure(`dvpkg build (20 roles x ${perRole} privileges)`, [cli, 'build', '--src', src, '--out', path.join(work, `out-${perRole}`), '--json'])) });
  }
  const kudos = path.join(work, 'kudos');
  await wholeAppSpec(kudos, [path.join(fixtures, 'mpa_EmployeeExperienceBase_managed.zip'), path.join(fixtures, 'mpa_Kudos_managed.zip')], { prvReadmpa_kudo: 'Global', prvReadmpa_eelocalization: 'Global' });
  results.kudos = await measure('dvpkg build (Kudos: 2 real solutions + roles)', [cli, 'build', '--src', kudos, '--out', path.join(work, 'kudos-out'), '--json']);
  const large = path.join(work, 'large');
  await mkdir(large, { recursive: true });
  results.largeZipBytes = await largeSolutionZip(path.join(large, 'BenchLarge_managed.zip'), 90);
  await wholeAppSpec(large, ['BenchLarge_managed.zip'], { prvReadAccount: 'Global' });
  results.large = await measure('dvpkg build (one 90 MB solution + roles)', [cli, 'build', '--src', large, '--out', path.join(work, 'large-out'), '--json']);
  results.largeDeploy = await deployOnce(path.join(work, 'large-out', 'BenchAppRoles_1_0_0_0_deploy'), '44444444-5555-4666-8777-888888888888');
  console.log(`${'deploy.mjs (uploading the 90 MB solution)'.padEnd(44)} ${results.largeDeploy.ms.toFixed(0).padStart(7)} ms ${(results.largeDeploy.rssKb / 1024).toFixed(1).padStart(8)} MB`);
  results.deploy = await deployRoundTrips(path.join(work, 'deploy'));
  const runner = path.join(work, 'deploy', 'FabrikamSyncConnector_1_0_0_0_deploy', 'deploy.mjs');
  results.runnerHelp = await measure('node deploy.mjs --help', [runner, '--help']);
  results.runnerBytes = (await stat(runner)).size;
  results.fleet = await fleetRun(path.join(work, 'deploy', 'FabrikamSyncConnector_1_0_0_0_deploy'), '8d3b5f2a-6c1e-4f7a-9b2d-3e4f5a6b7c8d');
  console.log(`${`deploy.mjs --orgs (${results.fleet.orgs} orgs, 4 tenants, --concurrency ${results.fleet.concurrency})`.padEnd(44)} ${results.fleet.ms.toFixed(0).padStart(7)} ms ${(results.fleet.rssKb / 1024).toFixed(1).padStart(8)} MB`);
  const big = results.scaling.find((s) => s.perRole === 1000);
  const first = results.scaling[0];
  const last = results.scaling.at(-1);
  // Growth exponent between the smallest and largest size, start-up cost removed: 1.0 is linear.
  const exponent = Math.log((last.medianMs - results.bare.medianMs) / (first.medianMs - results.bare.medianMs)) / Math.log(last.perRole / first.perRole);
  const summary = {
    sampleVsBare: results.sample.medianMs / results.bare.medianMs,
    bigMs: big.medianMs,
    bigPeakMb: big.peakRssMb,
    growthExponent: exponent,
  };
  console.log(`\nsample build / bare node:        ${summary.sampleVsBare.toFixed(2)}x   (target <= 3x)`);
  console.log(`20 x 1,000 build:                ${summary.bigMs.toFixed(0)} ms, ${summary.bigPeakMb.toFixed(0)} MB   (target <= 1000 ms, <= 200 MB)`);
  console.log(`time growth exponent 250->2000:  ${summary.growthExponent.toFixed(2)}   (1.0 = linear)`);
  console.log(`fresh install:                   ${results.deploy.fresh.withoutPolls} requests to the org (+${results.deploy.fresh.polls} import polls, +${results.deploy.fresh.entra} to Entra)   (target <= 12)`);
  console.log(`no-op re-run:                    ${results.deploy.rerun.withoutPolls} requests, ${results.deploy.rerun.writes} writes   (target <= 5, 0 writes)`);
  console.log(`Kudos build / bare node:         ${(results.kudos.medianMs / results.bare.medianMs).toFixed(2)}x   (target <= 3x)`);
  console.log(`90 MB package build:             ${results.large.medianMs.toFixed(0)} ms, ${results.large.peakRssMb.toFixed(0)} MB   (target <= 5000 ms, <= 600 MB)`);
  console.log(`runner uploading it:             peak ${(results.largeDeploy.rssKb / 1024).toFixed(0)} MB = ${(results.largeDeploy.rssKb * 1024 / results.largeZipBytes).toFixed(1)}x the zip   (target <= 4x)`);
  console.log(`deploy.mjs --help:               ${results.runnerHelp.medianMs.toFixed(0)} ms   (target <= 300 ms)`);
  const fleet = results.fleet;
  console.log(`fleet of ${fleet.orgs}:                  ${(fleet.ms / 1000).toFixed(1)} s = ${fleet.vsIdeal.toFixed(2)}x the ideal ${(fleet.idealMs / 1000).toFixed(1)} s (one org ${(fleet.singleMs / 1000).toFixed(1)} s)   (target <= 1.5x)`);
  console.log(`fleet peak memory:               ${(fleet.rssKb / 1024).toFixed(0)} MB   (target <= 300 MB); ${fleet.succeeded}/${fleet.orgs} succeeded`);
  console.log(`fleet sign-ins per tenant:       ${fleet.signInsPerTenant.join(', ')}   (target: 1 each)`);
  console.log(`fleet requests per org:          at most ${fleet.maxRequestsPerOrg} (one org alone: ${fleet.singleRequests})   (target: no more)`);
  console.log(`deploy.mjs size:                 ${(results.runnerBytes / 1024).toFixed(0)} KB   (target <= 2048 KB)`);
  await mkdir(path.join(root, '.bench'), { recursive: true });
  await writeFile(path.join(root, '.bench', 'results.json'), `${JSON.stringify({ ...results, summary }, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
