/**
 * Drift between the emulator's privilege table (src/emulator/data/privileges.json) and the product's
 * build-time catalog (src/spec/privileges.json), both read as plain JSON. Every difference is printed; the
 * test fails only where the catalog allows a depth the emulator forbids for a privilege both know, because
 * then a build passes that the emulator (standing in for Dataverse) refuses at import.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LETTERS = [['B', 'canbebasic'], ['L', 'canbelocal'], ['D', 'canbedeep'], ['G', 'canbeglobal']] as const;

function read<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

function emulatorDepths(): Map<string, string> {
  const table = read<{ privileges: Array<Record<string, unknown> & { name: string }> }>('src/emulator/data/privileges.json');
  return new Map(table.privileges.map((p) => [p.name.toLowerCase(), LETTERS.filter(([, column]) => p[column] === true).map(([letter]) => letter).join('')]));
}

function catalogDepths(): Map<string, string> {
  const catalog = read<{ privileges: Record<string, string> }>('src/spec/privileges.json');
  return new Map(Object.entries(catalog.privileges).map(([name, depths]) => [name.toLowerCase(), depths]));
}

export interface Drift {
  onlyInCatalog: string[];
  onlyInEmulator: string[];
  /** name: catalog depths vs emulator depths. */
  depthDifferences: string[];
  /** The failing kind: the catalog allows depths the emulator forbids. */
  catalogWider: string[];
}

export function privilegeDrift(emulator: Map<string, string>, catalog: Map<string, string>): Drift {
  const drift: Drift = { onlyInCatalog: [], onlyInEmulator: [], depthDifferences: [], catalogWider: [] };
  for (const [name, depths] of catalog) {
    const ours = emulator.get(name);
    if (ours === undefined) drift.onlyInCatalog.push(name);
    else if (ours !== depths) {
      drift.depthDifferences.push(`${name}: catalog ${depths}, emulator ${ours}`);
      const extra = [...depths].filter((letter) => !ours.includes(letter));
      if (extra.length) drift.catalogWider.push(`${name} (catalog ${depths}, emulator ${ours})`);
    }
  }
  for (const name of emulator.keys()) if (!catalog.has(name)) drift.onlyInEmulator.push(name);
  return drift;
}

describe('emulator: privilege table drift against the build-time catalog', () => {
  it('finds the failing direction only: a depth the catalog allows and the emulator forbids', () => {
    const drift = privilegeDrift(new Map([['prvreada', 'G'], ['prvreadb', 'BLDG'], ['prvonlyours', 'G']]), new Map([['prvreada', 'BLDG'], ['prvreadb', 'G'], ['prvonlytheirs', 'G']]));
    expect(drift.catalogWider).to.deep.equal(['prvreada (catalog BLDG, emulator G)']);
    expect(drift.depthDifferences).to.have.length(2);
    expect(drift.onlyInCatalog).to.deep.equal(['prvonlytheirs']);
    expect(drift.onlyInEmulator).to.deep.equal(['prvonlyours']);
  });

  it('the product catalog allows no depth the emulator table forbids', () => {
    const drift = privilegeDrift(emulatorDepths(), catalogDepths());
    const report = [
      `only in the catalog (${drift.onlyInCatalog.length}): ${drift.onlyInCatalog.join(', ')}`,
      `only in the emulator (${drift.onlyInEmulator.length}): ${drift.onlyInEmulator.join(', ')}`,
      `depth differences (${drift.depthDifferences.length}):\n  ${drift.depthDifferences.join('\n  ')}`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
    expect(drift.catalogWider, `catalog wider than the emulator:\n${drift.catalogWider.join('\n')}`).to.deep.equal([]);
  });
});
