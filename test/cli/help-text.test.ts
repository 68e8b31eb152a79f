import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { COMMANDS } from '../../src/programs/cli/flags.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';

/** Every flag's description as main.ts declares it: the help must show each one whole, broken only between words. */
async function declaredDescriptions(): Promise<string[]> {
  const source = await readFile(path.join(REPO_ROOT, 'src', 'programs', 'cli', 'main.ts'), 'utf8');
  const found = [...source.matchAll(/describe: (?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)].map((m) => (m[1] ?? m[2]!).replace(/\\(.)/g, '$1'));
  return found;
}

const words = (text: string) => text.replace(/\s+/g, ' ');

describe('dvpkg --help text', () => {
  it('wraps each flag description on words, at the width of a pipeline log and of a narrow terminal', async () => {
    const descriptions = await declaredDescriptions();
    expect(descriptions.length).to.be.above(30);
    for (const columns of ['110', '72']) {
      const helps = await Promise.all(COMMANDS.map((command) => runCli([command, '--help'], { env: { COLUMNS: columns } })));
      const all = words(helps.map((h) => h.stdout).join('\n'));
      const missing = descriptions.filter((d) => !all.includes(words(d)));
      expect(missing, `at ${columns} columns`).to.deep.equal([]);
    }
  });
});
