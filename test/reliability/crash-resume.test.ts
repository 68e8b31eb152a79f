import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, orgSnapshot, runDeployer, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { pool } from '../support/pool.js';
import { removeTempDirs } from '../support/tmp.js';

/**
 * For every request a clean deploy makes (fresh install, then upgrade), a new org has the
 * connection dropped right after the emulator carried that request out, so the runner never
 * sees the answer. Whatever the runner then does (retry, reconcile, or stop), running it again
 * must end in exactly the state a clean run leaves: one solution version, the same role
 * privileges, one application user, one binding.
 */

type Scenario = 'fresh install' | 'upgrade';

describe('reliability: cut after every request, then re-run', function () {
  this.timeout(600_000);
  let v1: BuiltPackage;
  let v2: BuiltPackage;
  const clean: Partial<Record<Scenario, ReturnType<typeof orgSnapshot>>> = {};
  const requestCount: Partial<Record<Scenario, number>> = {};
  let cutPoints = 0;

  async function prepared(scenario: Scenario, faults?: string): Promise<RunningEmulator> {
    const emulator = await startSampleEmulator({ importDurationMs: 100 });
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
    if (scenario === 'upgrade') expect((await runDeployer(v1, emulator, ['--yes'])).code).to.equal(0);
    emulator.clearLog();
    if (faults) emulator.setFaults(faults);
    return emulator;
  }

  before(async () => {
    v1 = await buildSamplePackage();
    v2 = await buildSamplePackage({ version: '2.0.0.0' });
    for (const scenario of ['fresh install', 'upgrade'] as const) {
      const emulator = await prepared(scenario);
      const run = await runDeployer(scenario === 'upgrade' ? v2 : v1, emulator, ['--yes']);
      expect(run.code, run.stdout).to.equal(0);
      clean[scenario] = orgSnapshot(emulator);
      requestCount[scenario] = emulator.log().filter((e) => e.kind !== 'control').length;
      await emulator.close();
    }
  });
  after(async () => {
    process.stdout.write(`      cut points tried: ${cutPoints} (fresh install ${requestCount['fresh install']}, upgrade ${requestCount['upgrade']} requests each)\n`);
    await removeTempDirs();
  });

  for (const scenario of ['fresh install', 'upgrade'] as const) {
    it(`${scenario}: every cut point ends in the clean-run state`, async () => {
      const total = requestCount[scenario]!;
      const pkg = scenario === 'upgrade' ? v2 : v1;
      const outcomes = await pool(
        Array.from({ length: total }, (_, i) => i + 1),
        4,
        async (nth) => {
          const emulator = await prepared(scenario, `drop@${nth},phase=response`);
          try {
            const first = await runDeployer(pkg, emulator, ['--yes']);
            const cut = emulator.log().find((e) => e.fault === 'drop');
            emulator.setFaults('');
            const second = await runDeployer(pkg, emulator, ['--yes']);
            cutPoints++;
            return { nth, cutAt: cut ? `${cut.method} ${cut.path}` : 'none', first: first.code, second: second.code, output: second.stdout, state: orgSnapshot(emulator) };
          } finally {
            await emulator.close();
          }
        },
      );
      for (const outcome of outcomes) {
        const label = `cut ${outcome.nth} after ${outcome.cutAt} (first run exit ${outcome.first})`;
        expect(outcome.cutAt, `request ${outcome.nth} was cut`).to.not.equal('none');
        expect(outcome.second, `${label}: re-run\n${outcome.output}`).to.equal(0);
        expect(outcome.state, label).to.deep.equal(clean[scenario]);
      }
    });
  }
});
