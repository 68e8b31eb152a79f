import { expect } from 'chai';
import { runCli } from '../support/cli.js';
import { COMMANDS, LONG_FLAGS } from '../../src/programs/cli/flags.js';

/** Issue 15, item 5: flag mistakes named as typed, with a did-you-mean. */
describe('dvpkg: flag mistakes in the user\'s spelling', function () {
  this.timeout(30_000);

  it('names a misspelled flag with its dashes, a bare word as not a flag, and a misspelled command, each with a suggestion', async () => {
    const cases: Array<[string[], string]> = [
      [['check', '--strcit'], 'dvpkg: --strcit: no such flag; did you mean --strict? (see dvpkg --help) [DVPKG_USAGE]'],
      [['check', 'strcit'], 'dvpkg: strcit: not a flag (flags start with --); did you mean --strict? (see dvpkg --help) [DVPKG_USAGE]'],
      [['check', '--wat'], 'dvpkg: --wat: no such flag (see dvpkg --help) [DVPKG_USAGE]'],
      [['biuld'], 'dvpkg: biuld: no such command (build, check, diff, pull, verify, fleet-report, emulator); did you mean build? (see dvpkg --help) [DVPKG_USAGE]'],
      [['check', '-src', 'solution-src'], 'dvpkg: -src: long flags take two dashes: --src [DVPKG_USAGE]'],
      [[], 'dvpkg: Name a command: build, check, diff, pull, verify, fleet-report, emulator. See dvpkg --help. [DVPKG_USAGE]'],
    ];
    for (const [args, expected] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).to.equal(2);
      expect(run.stderr.trim().split('\n').at(-1), args.join(' ')).to.equal(expected);
    }
  });

  it('knows every long flag the commands define, so suggestions and the single-dash check cover them all', async () => {
    const shown = new Set<string>();
    for (const command of COMMANDS) {
      const help = await runCli([command, '--help']);
      for (const match of help.stdout.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]+)/gm)) shown.add(match[1]!);
    }
    expect([...shown].sort()).to.deep.equal([...LONG_FLAGS].sort());
  });
});
