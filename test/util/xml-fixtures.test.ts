/**
 * parseXml against fast-xml-parser, configured as dvpkg used it, on every real XML file in
 * ../shared/fixtures/real (never copied into the repository): the files themselves and the XML inside
 * the solution and package zips, zips in zips included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import JSZip from 'jszip';
import { parseXml } from '../../src/util/xml.js';
import { fastXmlParser } from '../support/fast-xml-parser.js';
import { REAL_FIXTURES } from '../support/paths.js';

/** What src/spec/included/read-customizations.ts skips and reads as arrays. */
const SKIP = ['attributes', 'FormXml', 'SavedQueries', 'RibbonDiffXml', 'Visualizations', 'EntityRelationships', 'optionsets', 'CanvasApps', 'AppModules', 'AppModuleSiteMaps', 'WebResources', 'CustomControls'];
const ARRAYS = ['Entity', 'Role', 'RolePrivilege', 'connectionreference', 'Workflow'];
const isXml = (name: string) => /\.(xml|csproj)$/i.test(name);

async function xmlInZip(name: string, data: Buffer, out: Array<[string, string]>): Promise<void> {
  const zip = await JSZip.loadAsync(data);
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    if (isXml(entry.name)) out.push([`${name}!${entry.name}`, await entry.async('string')]);
    else if (entry.name.toLowerCase().endsWith('.zip')) await xmlInZip(`${name}!${entry.name}`, await entry.async('nodebuffer'), out);
  }
}

async function realXml(dir: string, out: Array<[string, string]> = []): Promise<Array<[string, string]>> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await realXml(full, out);
    else if (isXml(entry.name)) out.push([path.relative(REAL_FIXTURES, full), readFileSync(full, 'utf8')]);
    else if (entry.name.toLowerCase().endsWith('.zip')) await xmlInZip(path.relative(REAL_FIXTURES, full), readFileSync(full), out);
  }
  return out;
}

/** `value` with every element named in `skip` emptied, as reading with `skip` gives it. */
function emptied(value: unknown, skip: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => emptied(item, skip));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, !skip.has(key) ? emptied(item, skip) : Array.isArray(item) ? item.map(() => '') : '']));
}

describe('XML reading: real files, against fast-xml-parser', () => {
  let files: Array<[string, string]>;
  before(async () => {
    files = await realXml(REAL_FIXTURES);
  });

  it('finds the real files (solution.xml, customizations.xml, roles, [Content_Types].xml, ImportConfig.xml, a .csproj)', () => {
    const names = files.map(([name]) => path.basename(name.split('!').pop()!).toLowerCase());
    for (const name of ['solution.xml', 'customizations.xml', '[content_types].xml', 'importconfig.xml', 'mpa_kudos.deploymentpackage.csproj']) expect(names).to.include(name);
    expect(files.filter(([name]) => name.includes('!')).length).to.be.greaterThan(10);
  });

  it('reads each one as fast-xml-parser did, key order included', () => {
    for (const [name, text] of files) {
      const ours = parseXml(text, { arrays: ARRAYS });
      expect(JSON.stringify(ours), name).to.equal(JSON.stringify(fastXmlParser(text, ARRAYS)));
    }
  });

  it('reads each one with the customizations skip list as the whole document with those elements emptied', () => {
    const skip = new Set(SKIP);
    let skipped = 0;
    for (const [name, text] of files) {
      const whole = parseXml(text, { arrays: ARRAYS });
      const read = parseXml(text, { arrays: ARRAYS, skip: SKIP });
      expect(JSON.stringify(read), name).to.equal(JSON.stringify(emptied(whole, skip)));
      if (JSON.stringify(read) !== JSON.stringify(whole)) skipped++;
    }
    expect(skipped, 'files where the skip list left something out').to.be.greaterThan(3);
  });
});
