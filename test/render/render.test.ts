import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDvpkgError } from '../../src/errors.js';
import { loadSpec } from '../../src/spec/index.js';
import type { SolutionModel } from '../../src/spec/model.js';
import { loadSolutionTemplates, renderSolution, renderWithTemplatesDir } from '../../src/render/solution.js';
import { DEFAULT_TEMPLATES_DIR } from '../../src/util/package-root.js';
import { parseXml } from '../../src/util/xml.js';
import { REAL_FIXTURES, REPO_ROOT } from '../support/paths.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

const GOLDEN_SPEC = path.join(REPO_ROOT, 'test', 'fixtures', 'golden-spec');
const GOLDEN_OUT = path.join(REPO_ROOT, 'test', 'golden');

async function goldenModel(): Promise<SolutionModel> {
  return (await loadSpec(GOLDEN_SPEC)).model;
}

type Node = Record<string, unknown>;
const node = (v: unknown): Node => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});

/** Element and attribute names of a Role, in document order: the "shape" Dataverse exports. */
function roleShape(xml: string): { attributes: string[]; children: string[]; privilegeAttributes: string[] } {
  const role = node((node(node(parseXml(xml, { arrays: ['Role', 'RolePrivilege'] })['ImportExportXml'])['Roles'])['Role'] as unknown[])[0]);
  const privilege = node((node(role['RolePrivileges'])['RolePrivilege'] as unknown[])[0]);
  return {
    attributes: Object.keys(role).filter((k) => k.startsWith('@_')),
    children: Object.keys(role).filter((k) => !k.startsWith('@_')),
    privilegeAttributes: Object.keys(privilege),
  };
}

describe('render', () => {
  after(removeTempDirs);

  it('renders the golden spec byte for byte', async () => {
    const files = await renderWithTemplatesDir(await goldenModel(), DEFAULT_TEMPLATES_DIR);
    for (const name of ['solution.xml', 'customizations.xml', '[Content_Types].xml'] as const) {
      const expected = await readFile(path.join(GOLDEN_OUT, name));
      expect(files[name].equals(expected), `${name} differs from test/golden/${name}`).to.equal(true);
    }
  });

  it('writes files the way Dataverse exports them: CRLF, no final newline, BOM only on [Content_Types].xml', async () => {
    const files = await renderWithTemplatesDir(await goldenModel(), DEFAULT_TEMPLATES_DIR);
    const solution = files['solution.xml'].toString('utf8');
    expect(solution.startsWith('<ImportExportXml ')).to.equal(true);
    expect(solution).to.not.match(/[^\r]\n/);
    expect(solution.endsWith('</ImportExportXml>')).to.equal(true);
    expect([...files['[Content_Types].xml'].subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    expect(files['[Content_Types].xml'].subarray(3).toString('utf8')).to.equal(
      await readFile(path.join(REAL_FIXTURES, 'powerapps-samples', 'ColumnLevelSecuritySampleSolution_managed', '[Content_Types].xml'), 'utf8').then((t) => t.replace(/^\uFEFF/, '')),
    );
  });

  it('gives each role a RootComponent of type 20 with the same braced lower-case GUID as the Role id', async () => {
    const model = await goldenModel();
    const files = await renderWithTemplatesDir(model, DEFAULT_TEMPLATES_DIR);
    const manifest = node(node(parseXml(files['solution.xml'].toString(), { arrays: ['RootComponent'] })['ImportExportXml'])['SolutionManifest']);
    expect(manifest['Managed']).to.equal('1');
    const components = (node(manifest['RootComponents'])['RootComponent'] as Node[]).map((c) => [c['@_type'], c['@_id'], c['@_behavior']]);
    expect(components).to.deep.equal(model.roles.map((r) => ['20', `{${r.id}}`, '0']));
  });

  it('matches the role shape of a real managed export', async () => {
    const files = await renderWithTemplatesDir(await goldenModel(), DEFAULT_TEMPLATES_DIR);
    const real = await readFile(path.join(REAL_FIXTURES, 'powerapps-samples', 'ColumnLevelSecuritySampleSolution_managed', 'customizations.xml'), 'utf8');
    expect(roleShape(files['customizations.xml'].toString())).to.deep.equal(roleShape(real));
  });

  it('sorts privileges case-insensitively, as exports do', async () => {
    const model = await goldenModel();
    const names = model.roles[0]!.privileges.map((p) => p.name);
    expect(names).to.deep.equal([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  });

  it('escapes names and descriptions so they round-trip', async () => {
    const model = await goldenModel();
    const tricky = 'R&D <Ops> "Admin" \'x\' é';
    const changed: SolutionModel = {
      ...model,
      displayName: tricky,
      roles: [{ ...model.roles[0]!, name: tricky, description: `${tricky} & more` }],
    };
    const files = renderSolution(changed, await loadSolutionTemplates(DEFAULT_TEMPLATES_DIR));
    const customizations = files['customizations.xml'].toString();
    expect(customizations).to.contain('name="R&amp;D &lt;Ops&gt; &quot;Admin&quot; \'x\' é"');
    const role = node((node(node(parseXml(customizations, { arrays: ['Role'] })['ImportExportXml'])['Roles'])['Role'] as unknown[])[0]);
    expect(role['@_name']).to.equal(tricky);
    expect(role['Description']).to.equal(`${tricky} & more`);
    const manifest = node(node(parseXml(files['solution.xml'].toString())['ImportExportXml'])['SolutionManifest']);
    expect(node(node(manifest['LocalizedNames'])['LocalizedName'])['@_description']).to.equal(tricky);
  });

  it('uses templates from --templates and rejects one that drops a privilege', async () => {
    const dir = await tempDir();
    const original = await readFile(path.join(DEFAULT_TEMPLATES_DIR, 'customizations.xml.hbs'), 'utf8');
    await writeTree(dir, {
      'solution.xml.hbs': await readFile(path.join(DEFAULT_TEMPLATES_DIR, 'solution.xml.hbs')),
      '[Content_Types].xml.hbs': await readFile(path.join(DEFAULT_TEMPLATES_DIR, '[Content_Types].xml.hbs')),
      'customizations.xml.hbs': original.replace('{{#each privileges}}', '{{#each privileges}}{{#if @first}}{{else}}').replace('{{/each}}\n      </RolePrivileges>', '{{/if}}{{/each}}\n      </RolePrivileges>'),
    });
    const error = await renderWithTemplatesDir(await goldenModel(), dir).catch((e: unknown) => e);
    expect(isDvpkgError(error) && error.code).to.equal('DVPKG_TEMPLATE_INVALID');
    expect((error as Error).message).to.match(/privileges differ from the spec/);
  });

  it('rejects a template that renders malformed XML, naming the file', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'solution.xml.hbs': await readFile(path.join(DEFAULT_TEMPLATES_DIR, 'solution.xml.hbs')),
      '[Content_Types].xml.hbs': '<Types><Default></Types>',
      'customizations.xml.hbs': await readFile(path.join(DEFAULT_TEMPLATES_DIR, 'customizations.xml.hbs')),
    });
    const error = await renderWithTemplatesDir(await goldenModel(), dir).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/rendered \[Content_Types\]\.xml is not well-formed XML/);
  });

  it('names a missing template and a field the context does not have', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'solution.xml.hbs': '<a>{{solution.nope}}</a>', '[Content_Types].xml.hbs': '<a/>' });
    const missing = await renderWithTemplatesDir(await goldenModel(), dir).catch((e: unknown) => e);
    expect((missing as Error).message).to.match(/missing template customizations\.xml\.hbs/);
    await writeTree(dir, { 'customizations.xml.hbs': '<a/>' });
    const unknown = await renderWithTemplatesDir(await goldenModel(), dir).catch((e: unknown) => e);
    expect((unknown as Error).message).to.match(/solution\.xml\.hbs: .*nope/);
  });

  it('names the first missing template in file order, however the reads finish', async () => {
    const empty = await tempDir();
    const messages = new Set<string>();
    for (let attempt = 0; attempt < 25; attempt += 1) {
      const error = await loadSolutionTemplates(empty).catch((e: unknown) => e);
      messages.add((error as Error).message);
    }
    expect([...messages]).to.have.lengthOf(1);
    expect([...messages][0]).to.match(/missing template solution\.xml\.hbs \(there is no file there\)/);
  });
});
