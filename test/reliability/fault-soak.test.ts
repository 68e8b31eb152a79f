import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSamplePackage, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { pool } from '../../src/fleet/pool.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

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
