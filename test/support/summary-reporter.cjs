'use strict';
// Mocha's spec output plus one plain closing line that CI reads: "N passed, N failed".
// With DVPKG_TEST_TOTALS set, the counts are also appended to that file so .ci/run can add
// up several mocha runs into one closing line.
const fs = require('node:fs');
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\n${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
      if (process.env.DVPKG_TEST_TOTALS) fs.appendFileSync(process.env.DVPKG_TEST_TOTALS, `${passes} ${failures} ${pending}\n`);
    });
  }
}

module.exports = SummaryReporter;
