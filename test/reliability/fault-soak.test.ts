import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { fakeClock } from '../support/fake-clock.js';
import { pool } from '../../src/fleet/pool.js';
import { runInProcess } from '../support/runner-harness.js';
import { CONNECTOR_PREFIX, kudosSettings, SAP_VARIABLE, sapSpec, settingsSnapshot } from '../support/settings-package.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';
import { BASE_ZIP, buildWholeApp, KUDOS_ZIP, ROLE_SOLUTION, wholeAppSnapshot } from '../support/whole-app-package.js';

/**
 * 50 deploys, each against its own org with 30% 429 (Retry-After: 1 s), 5% 503 and 2% dropped
 * connections on every route, Entra's included. All must succeed, no retry may come earlier
 * than Retry-After asked, and the time spent waiting is bounded and reported.
 */

const DEPLOYS = 50;
const REMOVALS = 20;
const FAULTS = '429:0.3,retryAfter=1;503:0.05;drop:0.02';

describe('reliability: deploys under throttling and transient faults', function () {
  this.timeout(900_000);
  let pkg: BuiltPackage;
  const figures = { deploys: 0, succeeded: 0, faults: 0, retries: 0, retryWaitMs: 0, maxRetryWaitMs: 0, early: 0, removals: 0, removalFaults: 0 };

  before(async () => {
    pkg = await buildSamplePackage();
  });
  after(async () => {
    process.stdout.write(
      `      deploys under faults: ${figures.succeeded}/${figures.deploys} succeeded; faults injected: ${figures.faults}; retries: ${figures.retries}; ` +
        `time waiting on retries: ${(figures.retryWaitMs / 1000).toFixed(1)} s in all, at most ${(figures.maxRetryWaitMs / 1000).toFixed(1)} s in one deploy; retries earlier than Retry-After: ${figures.early}; ` +
        `removals under faults: ${figures.removals} all succeeded, ${figures.removalFaults} faults injected\n`,
    );
    await removeTempDirs();
  });

  it(`${DEPLOYS} deploys with ${FAULTS} on every route all succeed`, async () => {
    const dir = await tempDir();
    const results = await pool(
      Array.from({ length: DEPLOYS }, (_, i) => i + 1),
      6,
      async (seed) => {
        const emulator = await startSampleEmulator({ importDurationMs: 100, faults: `${FAULTS};seed=${seed}` });
        try {
          emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
          const reportPath = path.join(dir, `report-${seed}.json`);
          const run = await runDeployer(pkg, emulator, ['--yes', '--report', reportPath]);
          const report = JSON.parse(await readFile(reportPath, 'utf8')) as { retries: number; retryWaitMs: number };
          const log = emulator.log().filter((e) => e.kind !== 'control');
          // A request after a 429 to the same method and path must come at least Retry-After (1 s) later.
          let early = 0;
          log.forEach((entry, i) => {
            if (entry.fault !== '429') return;
            const next = log.slice(i + 1).find((e) => e.method === entry.method && e.path === entry.path);
            if (next && Date.parse(next.time) - Date.parse(entry.time) < 1000) early++;
          });
          return { seed, code: run.code, output: run.stdout, faults: log.filter((e) => e.fault).length, report, early, state: orgSnapshot(emulator) };
        } finally {
          await emulator.close();
        }
      },
    );
    for (const result of results) {
      figures.deploys++;
      if (result.code === 0) figures.succeeded++;
      figures.faults += result.faults;
      figures.retries += result.report.retries;
      figures.retryWaitMs += result.report.retryWaitMs;
      figures.maxRetryWaitMs = Math.max(figures.maxRetryWaitMs, result.report.retryWaitMs);
      figures.early += result.early;
    }
    for (const result of results) {
      expect(result.code, `seed ${result.seed}\n${result.output}`).to.equal(0);
      expect(result.state.appUsers, `seed ${result.seed}`).to.have.length(1);
      expect(result.state.bindings, `seed ${result.seed}`).to.deep.equal(result.state.roles);
    }
    expect(figures.early, 'retries earlier than Retry-After').to.equal(0);
    expect(figures.faults).to.be.greaterThan(DEPLOYS * 2);
    expect(figures.maxRetryWaitMs, 'retry wait in one deploy').to.be.below(60_000);
  });

  it(`${REMOVALS} removals (--remove --yes --delete-user) with ${FAULTS} on every route all succeed and leave nothing`, async () => {
    const results = await pool(
      Array.from({ length: REMOVALS }, (_, i) => i + 1),
      6,
      async (seed) => {
        const emulator = await startSampleEmulator({ importDurationMs: 100 });
        try {
          emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
          const deployed = await runDeployer(pkg, emulator, ['--yes']);
          emulator.setFaults(`${FAULTS};seed=${seed}`);
          const removed = await runDeployer(pkg, emulator, ['--remove', '--yes', '--delete-user']);
          const faults = emulator.log().filter((e) => e.fault).length;
          const org = emulator.state.data.orgs[0]!;
          const users = org.systemusers.filter((u) => u['applicationid'] === SAMPLE_CLIENT_ID);
          return {
            seed,
            deployed: deployed.code,
            code: removed.code,
            output: removed.stdout + removed.stderr,
            faults,
            left: {
              solution: org.solutions.some((x) => x['uniquename'] === 'FabrikamSyncConnector'),
              bindings: org.systemuserroles.filter((l) => users.some((u) => u['systemuserid'] === l.systemuserid)).length,
              deleted: users.map((u) => u['deletedstate']),
            },
          };
        } finally {
          await emulator.close();
        }
      },
    );
    figures.removalFaults = results.reduce((n, r) => n + r.faults, 0);
    for (const result of results) {
      expect(result.deployed, `seed ${result.seed}: the deploy before`).to.equal(0);
      expect(result.code, `seed ${result.seed}\n${result.output}`).to.equal(0);
      expect(result.left, `seed ${result.seed}`).to.deep.equal({ solution: false, bindings: 0, deleted: [1] });
    }
    figures.removals = results.length;
    expect(figures.removalFaults).to.be.greaterThan(REMOVALS);
  });
});

// -------------------------------------------------------------------------------------------------
// Deployment settings (issue 16) under the same faults

const SETTINGS_ORGS = 20;
const SAP_VALUE = '{"AppServerHost":"sap.example.invalid","SystemNumber":"00"}';
const SETTINGS_WRITE = /^(PATCH .*\/connectionreferences\(|POST .*\/environmentvariablevalues$)/;
/**
 * A run makes one or two settings writes, too few for the faults on every route to hit them reliably: these
 * add 503s to the PATCH and lost answers to the POST of a value row (carried out, then the connection dropped).
 */
const SETTINGS_FAULTS = `${FAULTS};503:0.15,route=PATCH */connectionreferences(*);drop:0.3,route=POST */environmentvariablevalues,phase=response`;

describe('reliability: deployment settings under throttling and transient faults', function () {
  this.timeout(900_000);
  let kudos: BuiltPackage;
  let sap: BuiltPackage;
  const figures = { runs: 0, succeeded: 0, faults: 0, settingWriteFaults: 0, settingWritesUnanswered: 0, valuePostsLost: 0, retries: 0 };

  // In-process on a fake clock, as the whole-app suites run: Retry-After is honoured in virtual time
  // (the first suite checks it in real time), so 60 runs under faults take seconds, not minutes.
  const run = async (pkg: BuiltPackage, emulator: RunningEmulator, args: string[]) => {
    const report = path.join(await tempDir(), 'report.json');
    const result = await runInProcess(pkg, emulator, [...args, '--report', report], {}, { clock: fakeClock({ speedup: 2, maxRealMs: 300 }) });
    figures.runs++;
    if (result.code === 0) figures.succeeded++;
    figures.retries += (JSON.parse(await readFile(report, 'utf8')) as { retries: number }).retries;
    return result;
  };
  /** Faults injected since the log was cleared; those on a settings write, and of them the 503s and drops (no clear answer). */
  const count = (emulator: RunningEmulator) => {
    const faulted = emulator.log().filter((e) => e.kind !== 'control' && e.fault);
    const onSettings = faulted.filter((e) => SETTINGS_WRITE.test(`${e.method} ${e.path}`));
    figures.faults += faulted.length;
    figures.settingWriteFaults += onSettings.length;
    figures.settingWritesUnanswered += onSettings.filter((e) => e.fault !== '429').length;
    figures.valuePostsLost += onSettings.filter((e) => e.method === 'POST' && e.fault === 'drop').length;
  };

  before(async () => {
    kudos = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    sap = await buildSamplePackage({ src: await sapSpec(undefined) });
  });
  after(async () => {
    process.stdout.write(
      `      settings runs under faults: ${figures.succeeded}/${figures.runs} succeeded; faults injected: ${figures.faults} (${figures.settingWriteFaults} on a settings write, ${figures.settingWritesUnanswered} of them a 503 or a drop, ${figures.valuePostsLost} a value row's POST dropped); retries: ${figures.retries}\n`,
    );
    await removeTempDirs();
  });

  it(`${SETTINGS_ORGS} orgs, each with ${FAULTS} on every route and more on the settings writes: the Kudos install with a settings file, a re-run changing one connection reference, and the SAP environment variable's first value all succeed, with one value row`, async () => {
    const results = await pool(
      Array.from({ length: SETTINGS_ORGS }, (_, i) => i + 1),
      4,
      async (seed) => {
        const kudosOrg = await startSampleEmulator({ importDurationMs: 20 });
        const sapOrg = await startSampleEmulator({ importDurationMs: 20 });
        try {
          kudosOrg.grantConsent(kudosOrg.tenantId, SAMPLE_CLIENT_ID);
          const args = ['--yes', '--settings', (await kudosSettings(kudosOrg)).file];
          const other = kudosOrg.createConnection('contoso', { connectorId: `${CONNECTOR_PREFIX}shared_office365users`, name: 'another O365 connection' });
          kudosOrg.clearLog();
          kudosOrg.setFaults(`${SETTINGS_FAULTS};seed=${seed}`);
          const installed = await run(kudos, kudosOrg, args);
          const changed = await run(kudos, kudosOrg, [...args, '--set', `mpa_KudosO365=${other}`]);
          count(kudosOrg);

          sapOrg.grantConsent(sapOrg.tenantId, SAMPLE_CLIENT_ID);
          const withoutValue = await runInProcess(sap, sapOrg, ['--yes'], {}, { clock: fakeClock({ speedup: 2, maxRealMs: 300 }) });
          sapOrg.clearLog();
          sapOrg.setFaults(`${SETTINGS_FAULTS};seed=${seed + 1000}`);
          const valued = await run(sap, sapOrg, ['--yes', '--set', `${SAP_VARIABLE}=${SAP_VALUE}`]);
          count(sapOrg);
          return {
            seed,
            runs: [installed, changed, withoutValue, valued].map((r) => ({ code: r.code, output: r.stdout + r.stderr })),
            kudos: { settings: settingsSnapshot(kudosOrg), state: wholeAppSnapshot(kudosOrg, ['mpa_EmployeeExperienceBase', 'mpa_Kudos', ROLE_SOLUTION]) },
            sap: settingsSnapshot(sapOrg),
          };
        } finally {
          await kudosOrg.close();
          await sapOrg.close();
        }
      },
    );
    for (const result of results) {
      result.runs.forEach((r, i) => expect(r.code, `seed ${result.seed}, run ${i + 1}\n${r.output}`).to.equal(0));
      expect(result.kudos.settings, `seed ${result.seed}`).to.deep.equal({ references: { mpa_KudosDataverse: 'mpa_KudosDataverse', mpa_KudosO365: 'another O365 connection', mpa_KudosOutlook: 'mpa_KudosOutlook' }, variables: {} });
      expect(Object.values(result.kudos.state.solutions).map((rows) => rows.length), `seed ${result.seed}: one row per solution`).to.deep.equal([1, 1, 1]);
      expect(result.kudos.state.appUsers, `seed ${result.seed}`).to.deep.equal([{ enabled: true }]);
      expect(result.kudos.state.bindings, `seed ${result.seed}`).to.have.length(1);
      expect(result.sap, `seed ${result.seed}`).to.deep.equal({ references: { mpa_SAPERPAccountAssistance: null }, variables: { [SAP_VARIABLE]: [SAP_VALUE] } });
    }
    expect(figures.settingWritesUnanswered, 'settings writes answered 503 or dropped').to.be.greaterThan(0);
    expect(figures.valuePostsLost, "value rows' POSTs dropped").to.be.greaterThan(0);
  });
});
