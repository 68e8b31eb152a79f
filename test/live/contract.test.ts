/**
 * `npm run test:live`: the contract in ./contract.ts.
 * - DVPKG_LIVE_ORG_URL unset (CI): against an in-process emulator set up like a real org.
 * - DVPKG_LIVE_ORG_URL set: against that org (read-only, Azure SDK credential variables), and also against the
 *   emulator; prints where the two disagree. Only the org's own contract breaks fail the run.
 * DVPKG_LIVE_REPORT=<file> also writes the observations and disagreements there as JSON.
 */
import { writeFileSync } from 'node:fs';
import {
  CHECKS,
  disagreementTable,
  disagreements,
  emulatorTarget,
  liveTargetFromEnv,
  observationTable,
  runContract,
  type Observation,
  type Target,
} from './contract.js';

const LIVE = Boolean(process.env.DVPKG_LIVE_ORG_URL?.trim());

describe(LIVE ? 'live contract: the org named by DVPKG_LIVE_ORG_URL (and the emulator beside it)' : 'live contract: the emulator (DVPKG_LIVE_ORG_URL not set)', function () {
  this.timeout(LIVE ? 300_000 : 60_000);
  const targets: Target[] = [];
  let primary: Observation[] = [];
  let mirror: Observation[] | undefined;

  before(async () => {
    if (LIVE) {
      const org = liveTargetFromEnv();
      if (!org) throw new Error('DVPKG_LIVE_ORG_URL is set but no live target could be built');
      targets.push(org);
      primary = await runContract(org);
      // The emulator beside the org is for the comparison only: if it cannot run, say so and keep the org's result.
      try {
        const emulator = await emulatorTarget();
        targets.push(emulator);
        mirror = await runContract(emulator);
      } catch (error) {
        process.stdout.write(`\nThe emulator could not run the contract, so there is no comparison: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    } else {
      const emulator = await emulatorTarget();
      targets.push(emulator);
      primary = await runContract(emulator);
    }
  });

  after(async () => {
    await Promise.all(targets.map((t) => t.close()));
    if (primary.length === 0) return;
    const out: string[] = ['', `Contract observations (${LIVE ? 'org' : 'emulator'}):`, observationTable(primary)];
    let diff: ReturnType<typeof disagreements> | undefined;
    if (mirror) {
      diff = disagreements(primary, mirror);
      out.push('', 'Emulator observations:', observationTable(mirror), '', `Where the emulator and the org disagree (${diff.length} of ${primary.length} checks):`, disagreementTable(diff));
    }
    process.stdout.write(`${out.join('\n')}\n`);
    const report = process.env.DVPKG_LIVE_REPORT;
    if (report) writeFileSync(report, `${JSON.stringify({ target: LIVE ? 'org' : 'emulator', observations: primary, emulator: mirror, disagreements: diff }, null, 2)}\n`);
  });

  for (const check of CHECKS) {
    it(check, () => {
      const observation = primary.find((o) => o.check === check);
      if (!observation) throw new Error('not run');
      if (observation.violation) {
        const answered = [observation.status, observation.code, observation.shape].filter((p) => p !== undefined && p !== '').join(' ');
        throw new Error(`${observation.violation}\n      answered: ${answered}${observation.note ? `\n      note: ${observation.note}` : ''}`);
      }
    });
  }
});
