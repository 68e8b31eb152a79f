import { expect } from 'chai';
import JSZip from 'jszip';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import { isDvpkgError } from '../../src/errors.js';
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
    expect(path.basename(result.solution!.zip)).to.equal('FabrikamSyncConnector_1_0_0_0_managed.zip');
    expect(await readdir(out)).to.include('FabrikamSyncConnector_1_0_0_0_managed.zip');
    const zip = await JSZip.loadAsync(await readFile(result.solution!.zip));
    expect(Object.keys(zip.files).sort()).to.deep.equal(['[Content_Types].xml', 'customizations.xml', 'solution.xml']);
    const solution = await zip.file('solution.xml')!.async('string');
    expect(solution).to.contain('<Managed>1</Managed>');
  });

  it('gives the same bytes for the same input', async () => {
    const a = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    const b = await buildSolution({ src: SAMPLE_SRC, out: await tempDir() });
    expect(a.solution!.sha256).to.equal(b.solution!.sha256);
    expect((await readFile(a.solution!.zip)).equals(await readFile(b.solution!.zip))).to.equal(true);
  });

  const promptLibrary = path.join(REAL_FIXTURES, 'pnp-powerplatform-samples', 'prompt-library-src');

  it('refuses the real prompt-library tree, naming its tables, canvas app, site map and model-driven app, and writes nothing', async () => {
    const out = path.join(await tempDir(), 'out');
    const error = await buildSolution({ src: promptLibrary, out }).catch((e: unknown) => e);
    expect(isDvpkgError(error) && error.code).to.equal('DVPKG_SPEC_INVALID');
    if (!isDvpkgError(error)) return;
    const left = error.problems.filter((p) => p.severity === 'error').map((p) => `${path.basename(p.file)} ${p.path} ${String(p.value)}`);
    expect(left).to.deep.equal([
      'Solution.xml RootComponents.RootComponent[0] table cr84c_newtable',
      'Solution.xml RootComponents.RootComponent[1] table cr84c_newtable1',
      'Solution.xml RootComponents.RootComponent[2] table cr84c_newtable2',
      'Solution.xml RootComponents.RootComponent[3] table cr84c_newtable3',
      'Solution.xml RootComponents.RootComponent[4] table cr84c_promptlibrary',
      'Solution.xml RootComponents.RootComponent[8] canvas app ppa_promptmanager_e4d84',
      'Solution.xml RootComponents.RootComponent[9] site map ppa_PromptManagerAdministration',
      'Solution.xml RootComponents.RootComponent[10] model-driven app ppa_PromptManagerAdministration',
    ]);
    expect(error.problems[0]!.hint).to.match(/list the zip under "solutions" in solution\.json, or pass --roles-only to build the roles into a separate PromptManagerRoles/);
    expect(await readdir(out).catch(() => [])).to.deep.equal([]);
  });

  it('builds the real tree with rolesOnly into PromptManagerRoles, keeping every role id, name and privilege level', async () => {
    const result = await buildSolution({ src: promptLibrary, out: await tempDir(), rolesOnly: true, app: { clientId: '33333333-4444-4555-8666-777777777777', name: 'Prompt Manager' } });
    expect(result.model.uniqueName).to.equal('PromptManagerRoles');
    expect(result.model.displayName).to.equal('Prompt Manager (roles)');
    expect(result.model.version).to.equal('1.0.0.6');
    expect(path.basename(result.solution!.zip)).to.equal('PromptManagerRoles_1_0_0_6_managed.zip');
    const roleFiles = (await readdir(path.join(promptLibrary, 'Roles'))).sort();
    const expected = [];
    for (const file of roleFiles) expected.push(...rolesOf(await readFile(path.join(promptLibrary, 'Roles', file), 'utf8'), true));
    expect(expected).to.have.length(3);
    const zip = await JSZip.loadAsync(await readFile(result.solution!.zip));
    const built = rolesOf(await zip.file('customizations.xml')!.async('string'), false);
    const byId = (roles: typeof built) => [...roles].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(built)).to.deep.equal(byId(expected));
    const solution = await zip.file('solution.xml')!.async('string');
    expect(solution).to.contain('<UniqueName>PromptManagerRoles</UniqueName>');
    expect([...solution.matchAll(/<RootComponent type="(\d+)"/g)].map((m) => m[1])).to.deep.equal(['20', '20', '20']);
    expect(result.warnings.map((w) => `${w.severity} ${w.file}`)).to.deep.equal(['warning --admin-client-id', 'warning --roles-only']);
  });

  it('names the role solution after uniqueName when given one, and carries no app without app details', async () => {
    const result = await buildSolution({ src: promptLibrary, out: await tempDir(), rolesOnly: true, uniqueName: 'PromptLibrarySecurity' });
    expect(result.model.uniqueName).to.equal('PromptLibrarySecurity');
    expect(path.basename(result.solution!.zip)).to.equal('PromptLibrarySecurity_1_0_0_6_managed.zip');
    expect(result.model.app).to.equal(undefined);
    expect(result.model.roles).to.have.length(3);
  });
});
