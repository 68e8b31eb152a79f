import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { createCatalog, defaultCatalog } from '../../src/spec/catalog.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const realDir = path.join(path.resolve(repoRoot, '../shared'), 'fixtures/real');

interface Grant {
  file: string;
  name: string;
  level: string;
}

function xmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return xmlFiles(full);
    return d.name.toLowerCase().endsWith('.xml') ? [full] : [];
  });
}

function collect(node: unknown, file: string, out: Grant[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, file, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'RolePrivilege') {
      collect(value, file, out);
      continue;
    }
    for (const p of Array.isArray(value) ? value : [value]) {
      const attrs = p as Record<string, unknown>;
      out.push({ file, name: String(attrs['@_name']), level: String(attrs['@_level']) });
    }
  }
}

function realGrants(): Grant[] {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });
  const grants: Grant[] = [];
  for (const file of xmlFiles(realDir)) {
    const xml = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    collect(parser.parse(xml), path.relative(realDir, file), grants);
  }
  return grants;
}

describe('privilege catalog', () => {
  const catalog = defaultCatalog();

  it('holds every out-of-box privilege a real export grants, at the level it grants', () => {
    const grants = realGrants();
    // Guards against the fixtures moving: an empty walk would pass vacuously.
    expect(grants.length).to.be.greaterThan(463);
    const problems: string[] = [];
    for (const { file, name, level } of grants) {
      if (name.includes('_')) continue;
      const entry = catalog.get(name);
      if (!entry) problems.push(`${file}: ${name} missing`);
      else if (!(entry.depths as readonly string[]).includes(level)) {
        problems.push(`${file}: ${name} ${level} not in ${entry.depths.join('/')}`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('has at least 400 entries', () => {
    expect(catalog.size).to.be.at.least(400);
    expect([...catalog.entries()]).to.have.length(catalog.size);
  });

  it('allows only Global on organization-owned tables', () => {
    for (const name of ['prvReadWebResource', 'prvReadSdkMessage', 'prvReadPluginAssembly', 'prvReadSystemForm']) {
      expect(catalog.get(name)?.depths, name).to.deep.equal(['Global']);
    }
  });

  it('allows no Basic on business-unit-owned tables', () => {
    expect(catalog.get('prvReadUser')?.depths).to.deep.equal(['Local', 'Deep', 'Global']);
    expect(catalog.get('prvDeleteUserSettings')?.depths).to.not.include('Basic');
  });

  it('allows all four depths on user-owned tables', () => {
    expect(catalog.get('prvReadAccount')?.depths).to.deep.equal(['Basic', 'Local', 'Deep', 'Global']);
  });

  it('keeps documented miscellaneous depths', () => {
    expect(catalog.get('prvBulkDelete')?.depths).to.deep.equal(['Global']);
    expect(catalog.get('prvActivateSynchronousWorkflow')?.depths).to.include('Basic');
  });

  it('looks names up case-sensitively, with a separate case-insensitive lookup', () => {
    expect(catalog.get('prvreadaccount')).to.equal(undefined);
    expect(catalog.getIgnoreCase('prvreadaccount')?.name).to.equal('prvReadAccount');
    expect(catalog.get('prvAppendtoCategory')?.name).to.equal('prvAppendtoCategory');
  });

  describe('suggest', () => {
    it('suggests the catalog name for a typo', () => {
      expect(catalog.suggest('prvReadAcount')).to.equal('prvReadAccount');
      expect(catalog.suggest('prvRaedAccount')).to.equal('prvReadAccount');
    });

    it('suggests the catalog name for wrong case', () => {
      expect(catalog.suggest('prvreadaccount')).to.equal('prvReadAccount');
    });

    it('does not suggest for custom-table privileges', () => {
      expect(catalog.suggest('prvReadcontoso_Widget')).to.equal(undefined);
      expect(catalog.suggest('prvReadAccount_')).to.equal(undefined);
    });

    it('does not suggest for far-off or exact names', () => {
      expect(catalog.suggest('prvLaunchTheRockets')).to.equal(undefined);
      expect(catalog.suggest('prvReadAccount')).to.equal(undefined);
    });

    it('does not fuzzy-match short names', () => {
      const small = createCatalog({ prvAbcd: 'G' });
      expect(small.suggest('prvAbce')).to.equal(undefined);
      expect(small.suggest('PRVABCD')).to.equal('prvAbcd');
    });

    it('gives nothing when two names are equally near', () => {
      const tied = createCatalog({ prvReadThingA: 'G', prvReadThingB: 'G' });
      expect(tied.suggest('prvReadThingC')).to.equal(undefined);
      expect(tied.suggest('prvReadThingAA')).to.equal('prvReadThingA');
    });

    it('prefers the nearest name and stops at distance two', () => {
      const c = createCatalog({ prvReadWidget: 'G', prvReadWidgets: 'G' });
      expect(c.suggest('prvReadWidgetz')).to.equal(undefined);
      expect(c.suggest('prvReadWidgetss')).to.equal('prvReadWidgets');
      expect(c.suggest('prvReadWxdgxt')).to.equal('prvReadWidget');
      expect(c.suggest('prvReadWxxgxt')).to.equal(undefined);
    });
  });

  it('rejects malformed depth letters', () => {
    expect(() => createCatalog({ prvReadThing: 'X' })).to.throw(/unknown depth letter/);
    expect(() => createCatalog({ prvReadThing: '' })).to.throw(/allows no depth/);
  });
});
