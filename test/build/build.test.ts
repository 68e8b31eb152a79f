import { expect } from 'chai';
import JSZip from 'jszip';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import { parseXml } from '../../src/util/xml.js';
import { REAL_FIXTURES, SAMPLE_SRC } from '../support/paths.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';

type Node = Record<string, unknown>;
const node = (v: unknown): Node => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);

/** id, name and sorted "privilege=level" lines of each role in a customizations.xml or a role file. */
function rolesOf(xml: string, rootIsRole: boolean): Array<{ id: string; name: string; privileges: string[] }> {
  const doc = parseXml(xml, { arrays: ['Role', 'RolePrivilege'] });
  const roles = rootIsRole ? list(doc['Role']) : list(node(node(doc['ImportExportXml'])['Roles'])['Role']);
  return roles.map(node).map((role) => ({
    id: String(role['@_id']).toLowerCase(),
    name: String(role['@_name']),
    privileges: list(node(role['RolePrivileges'])['RolePrivilege'])
      .map(node)
      .map((p) => `${String(p['@_name'])}=${String(p['@_level'])}`)
      .sort(),
  }));
}

describe('build', () => {
  after(removeTempDirs);

  it('builds the sample into a managed zip holding exactly the three root files', async () => {
    const out = await tempDir();
    const result = await buildSolution({ src: SAMPLE_SRC, out });
    expect(path.basename(result.solution.zip)).to.equal('FabrikamSyncConnector_1_0_0_0_managed.zip');
    expect(await readdir(out)).to.include('FabrikamSyncConnector_1_0_0_0_managed.zip');
    const zip = await JSZip.loadAsync(await readFile(result.solution.zip));
    expect(Object.keys(zip.files).sort()).to.deep.equal(['[Content_Types].xml', 'customizations.xml', 'solution.xml']);
    const solution = await zip.file('solution.xml')!.async('string');
    expect(solution).to.contain('<Managed>1</Managed>');
  });

  it('gives the same bytes for the same input', async () => {
    const a = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const b = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    expect(a.solution.sha256).to.equal(b.solution.sha256);
    expect((await readFile(a.solution.zip)).equals(await readFile(b.solution.zip))).to.equal(true);
  });

  it('builds a real unpacked solution and keeps every role id, name and privilege level', async () => {
    const src = path.join(REAL_FIXTURES, 'pnp-powerplatform-samples', 'prompt-library-src');
    const result = await buildSolution({ src, out: await tempDir(), app: { clientId: '33333333-4444-4555-8666-777777777777', name: 'Prompt Manager' } });
    expect(result.model.uniqueName).to.equal('PromptManager');
    expect(result.model.version).to.equal('1.0.0.6');
    const roleFiles = (await readdir(path.join(src, 'Roles'))).sort();
    const expected = [];
    for (const file of roleFiles) expected.push(...rolesOf(await readFile(path.join(src, 'Roles', file), 'utf8'), true));
    expect(expected).to.have.length(3);
    const zip = await JSZip.loadAsync(await readFile(result.solution.zip));
    const built = rolesOf(await zip.file('customizations.xml')!.async('string'), false);
    const byId = (roles: typeof built) => [...roles].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(built)).to.deep.equal(byId(expected));
    expect(result.warnings.every((w) => w.severity === 'warning')).to.equal(true);
  });

  it('builds a real unpacked solution that carries no app details', async () => {
    const src = path.join(REAL_FIXTURES, 'pnp-powerplatform-samples', 'prompt-library-src');
    const result = await buildSolution({ src, out: await tempDir() });
    expect(result.model.app).to.equal(undefined);
    expect(result.model.roles).to.have.length(3);
  });
});
