import { expect } from 'chai';
import path from 'node:path';
import { formatProblem, isDvpkgError, type Problem } from '../../src/errors.js';
import { loadSpec, type LoadSpecOptions } from '../../src/spec/index.js';
import { unpackedSolutionXml } from '../support/spec-builders.js';
import { removeTempDirs, tempDir, writeTree } from '../support/tmp.js';

/** A small SolutionPackager tree: two custom tables (one user-owned, one organization-owned), a referenced system table and one role. */
const ROLE_ID = '6a0c1f2e-3b4d-4c5e-8f60-718293a4b5c6';

function solutionXml(uniqueName = 'ContosoApp', roots = defaultRoots()): string {
  return unpackedSolutionXml({ uniqueName, displayName: 'Contoso App', version: '1.2.0.0', roots });
}

function defaultRoots(): string {
  return [
    '<RootComponent type="1" schemaName="contoso_widget" behavior="0" />',
    '<RootComponent type="1" schemaName="contoso_setting" behavior="0" />',
    '<RootComponent type="1" schemaName="account" behavior="1" />',
    `<RootComponent type="20" id="{${ROLE_ID}}" behavior="0" />`,
  ].join('\n');
}

function entityXml(schemaName: string, ownership: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Entity xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Name LocalizedName="${schemaName}" OriginalName="${schemaName}">${schemaName}</Name>
  <EntityInfo>
    <entity Name="${schemaName}">
      <OwnershipTypeMask>${ownership}</OwnershipTypeMask>
      <IsActivity>0</IsActivity>
    </entity>
  </EntityInfo>
</Entity>
`;
}

function roleXml(privileges: Record<string, string>): string {
  const items = Object.entries(privileges).map(([name, level]) => `    <RolePrivilege name="${name}" level="${level}" />`);
  return `<?xml version="1.0" encoding="utf-8"?>
<Role id="{${ROLE_ID}}" name="Contoso User">
  <IsCustomizable>1</IsCustomizable>
  <RolePrivileges>
${items.join('\n')}
  </RolePrivileges>
</Role>
`;
}

async function tree(files: Record<string, string | null> = {}): Promise<string> {
  const all: Record<string, string | null> = {
    'Other/Solution.xml': solutionXml(),
    'Other/Customizations.xml': '<ImportExportXml><Roles /></ImportExportXml>\n',
    'Entities/contoso_Widget/Entity.xml': entityXml('contoso_Widget', 'UserOwned'),
    'Entities/contoso_Setting/Entity.xml': entityXml('contoso_Setting', 'OrgOwned'),
    'Roles/Contoso User.xml': roleXml({ prvReadcontoso_Widget: 'Basic', prvReadcontoso_Setting: 'Global', prvReadAccount: 'Global' }),
    ...files,
  };
  return writeTree(await tempDir(), Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null)));
}

async function problemsOf(dir: string, options: LoadSpecOptions = { rolesOnly: true }): Promise<Problem[]> {
  const error = await loadSpec(dir, options).catch((e: unknown) => e);
  if (!isDvpkgError(error)) throw new Error(`expected DVPKG_SPEC_INVALID, got ${String(error)}`);
  expect(error.code).to.equal('DVPKG_SPEC_INVALID');
  return error.problems.filter((p) => p.severity === 'error');
}

const privilegesOf = (role: Record<string, string>) => tree({ 'Roles/Contoso User.xml': roleXml(role) });

describe('unpacked trees: what they hold besides roles', () => {
  after(removeTempDirs);

  it('refuses a tree with tables, listing each by type and name, the referenced one marked as such', async () => {
    const errors = await problemsOf(await tree(), {});
    expect(errors.map((p) => `${path.basename(p.file)} ${p.path} ${String(p.value)}`)).to.deep.equal([
      'Solution.xml RootComponents.RootComponent[0] table contoso_widget',
      'Solution.xml RootComponents.RootComponent[1] table contoso_setting',
      'Solution.xml RootComponents.RootComponent[2] table account (referenced, not defined here)',
    ]);
    expect(formatProblem(errors[0]!)).to.match(
      /: RootComponents\.RootComponent\[0\]: "table contoso_widget": expected only security roles \(dvpkg builds roles only, and an upgrade to a ContosoApp without this deletes it, with its data\) \(export ContosoApp as managed and list the zip under "solutions" in solution\.json, or pass --roles-only to build the roles into a separate ContosoAppRoles\)$/,
    );
  });

  it('builds the roles with rolesOnly under <UniqueName>Roles and "<display name> (roles)", warning that the role ids are shared', async () => {
    const { model, warnings } = await loadSpec(await tree(), { rolesOnly: true });
    expect(model).to.include({ uniqueName: 'ContosoAppRoles', displayName: 'Contoso App (roles)', version: '1.2.0.0' });
    expect(model.roles.map((r) => r.id)).to.deep.equal([ROLE_ID]);
    expect(warnings.map(formatProblem)).to.deep.equal([
      'warning: --roles-only: true: expected roles that no other solution ships: ContosoAppRoles keeps the role ids of ContosoApp, so where both are installed they carry the same roles, and how Dataverse combines their privileges is not documented (the one imported last is on top)',
    ]);
  });

  it('keeps that warning a warning under --strict, since it is about the flag', async () => {
    const { warnings } = await loadSpec(await tree(), { rolesOnly: true, strict: true });
    expect(warnings.map((w) => w.severity)).to.deep.equal(['warning']);
  });

  it('names a role the manifest lists but no role file holds', async () => {
    const roots = `${defaultRoots()}\n<RootComponent type="20" id="{11111111-2222-4333-8444-555555555555}" behavior="0" />`;
    const errors = await problemsOf(await tree({ 'Other/Solution.xml': solutionXml('ContosoApp', roots) }));
    expect(errors.map(formatProblem)).to.deep.equal([
      `error: ${errors[0]!.file}: RootComponents.RootComponent[4]: "security role {11111111-2222-4333-8444-555555555555}": expected a role with this id in Roles/*.xml (the build would leave it out)`,
    ]);
  });

  describe('the role solution name', () => {
    const cases: Array<[string, LoadSpecOptions, string, string, RegExp]> = [
      ['--unique-name that is not a name', { rolesOnly: true, uniqueName: 'Contoso-Roles' }, '--unique-name', '', /^letters, digits and _, starting with a letter/],
      ['--unique-name with _upgrade', { rolesOnly: true, uniqueName: 'Contoso_Upgrade' }, '--unique-name', '', /_upgrade/],
      ['--unique-name equal to the source\'s but for case', { rolesOnly: true, uniqueName: 'contosoapp' }, '--unique-name', '', /a unique name other than the source's \(ContosoApp\)/],
      ['--unique-name without --roles-only', { uniqueName: 'ContosoSecurity' }, '--unique-name', '', /to be given with --roles-only/],
    ];
    for (const [title, options, file, fieldPath, expected] of cases) {
      it(`rejects ${title}`, async () => {
        const errors = (await problemsOf(await tree(), options)).filter((p) => !p.path.startsWith('RootComponents'));
        expect(errors.map((p) => `${p.file}#${p.path}`)).to.deep.equal([`${file}#${fieldPath}`]);
        expect(errors[0]!.expected).to.match(expected);
      });
    }

    it('asks for --unique-name when <UniqueName>Roles would pass 65 characters', async () => {
      const long = `C${'o'.repeat(61)}`;
      const errors = await problemsOf(await tree({ 'Other/Solution.xml': solutionXml(long) }));
      expect(errors).to.have.length(1);
      expect(errors[0]!).to.include({ path: 'UniqueName', value: `${long}Roles`, expected: 'a role solution name that is at most 65 characters (got 67)', hint: 'pass --unique-name' });
    });

    it('refuses --roles-only for a JSON spec, which is roles only already', async () => {
      const dir = await writeTree(await tempDir(), {
        'solution.json': { uniqueName: 'ContosoRoles', displayName: 'C', version: '1.0.0.0', publisher: { uniqueName: 'contoso', displayName: 'C', prefix: 'contoso', optionValuePrefix: 12345 }, app: { clientId: '11111111-2222-4333-8444-555555555555', name: 'A', consentRedirectUri: 'https://a.example/x' } },
        'roles/r.json': { name: 'R', privileges: { prvReadAccount: 'Global' } },
      });
      const errors = await problemsOf(dir);
      expect(errors.map((p) => `${p.file}: ${String(p.value)}`)).to.deep.equal(['--roles-only: true']);
      expect(errors[0]!.expected).to.match(/a JSON spec already builds roles only, under its own uniqueName "ContosoRoles"/);
    });
  });

  describe('privileges of the tables the tree defines', () => {
    it('accepts the eight privileges of a user-owned table at any depth, in any case, with no warning', async () => {
      const role: Record<string, string> = {};
      for (const right of ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share']) role[`prv${right}contoso_widget`] = 'Basic';
      const { warnings } = await loadSpec(await privilegesOf(role), { rolesOnly: true });
      expect(warnings.filter((w) => w.file !== '--roles-only')).to.deep.equal([]);
    });

    it('suggests the right name for a near miss, even one the catalog knows nothing of', async () => {
      const errors = await problemsOf(await privilegesOf({ prvReadcontoso_Widgte: 'Basic' }));
      expect(errors.map(formatProblem)).to.deep.equal([
        `error: ${errors[0]!.file}: privileges.prvReadcontoso_Widgte: "prvReadcontoso_Widgte": expected a privilege of a table this solution defines (did you mean prvReadcontoso_Widget?)`,
      ]);
    });

    it('catches a misspelled right as well as a misspelled table', async () => {
      const errors = await problemsOf(await privilegesOf({ prvRaedcontoso_Widget: 'Basic' }));
      expect(errors.map((p) => p.hint)).to.deep.equal(['did you mean prvReadcontoso_Widget?']);
    });

    it('rejects Assign and Share on an organization-owned table, naming the table', async () => {
      const errors = await problemsOf(await privilegesOf({ prvAssigncontoso_Setting: 'Global', prvSharecontoso_Setting: 'Global' }));
      expect(errors.map((p) => p.path)).to.deep.equal(['privileges.prvAssigncontoso_Setting', 'privileges.prvSharecontoso_Setting']);
      expect(errors[0]!.expected).to.equal('a privilege table contoso_Setting has: it is organization-owned, so it has no Assign or Share privilege (only Create, Read, Write, Delete, Append, AppendTo)');
    });

    it('rejects a depth other than Global on an organization-owned table, naming the privilege, the table and the allowed depth', async () => {
      const errors = await problemsOf(await privilegesOf({ prvWritecontoso_Setting: 'Local' }));
      expect(errors.map(formatProblem)).to.deep.equal([
        `error: ${errors[0]!.file}: privileges.prvWritecontoso_Setting: "Local": prvWritecontoso_Setting allows only Global (table contoso_Setting is organization-owned)`,
      ]);
    });

    it('treats a table the tree only references like any other, and one it does not define as a warning', async () => {
      const roots = `${defaultRoots()}\n<RootComponent type="1" schemaName="contoso_shared" behavior="2" />`;
      const dir = await tree({ 'Other/Solution.xml': solutionXml('ContosoApp', roots), 'Roles/Contoso User.xml': roleXml({ prvReadcontoso_shared: 'Basic', prvReadfabrikam_Thing: 'Deep' }) });
      const { warnings } = await loadSpec(dir, { rolesOnly: true });
      expect(warnings.filter((w) => w.path.startsWith('privileges.')).map((w) => `${w.severity} ${w.path}`)).to.deep.equal([
        'warning privileges.prvReadcontoso_shared',
        'warning privileges.prvReadfabrikam_Thing',
      ]);
    });

    it('checks names but not depths of a defined table without Entity.xml', async () => {
      const dir = await tree({ 'Entities/contoso_Setting/Entity.xml': null, 'Roles/Contoso User.xml': roleXml({ prvAssigncontoso_setting: 'Basic', prvReadcontoso_settnig: 'Basic' }) });
      const errors = await problemsOf(dir);
      expect(errors.map((p) => `${p.path} ${p.hint ?? ''}`)).to.deep.equal(['privileges.prvReadcontoso_settnig did you mean prvReadcontoso_setting?']);
    });

    it('reports an Entity.xml that is not well-formed, with its file, line and column', async () => {
      const errors = await problemsOf(await tree({ 'Entities/contoso_Widget/Entity.xml': '<Entity><EntityInfo>' }));
      expect(errors).to.have.length(1);
      expect(errors[0]!.file).to.match(/Entities[\\/]contoso_Widget[\\/]Entity\.xml:1:21$/);
      expect(errors[0]!.expected).to.equal('well-formed XML (the document ends before <Entity>, <EntityInfo> are closed (is the file cut short?))');
    });

    it('tells a system table\'s logical name from its privilege name in a tree too', async () => {
      const errors = await problemsOf(await privilegesOf({ prvWriteAnnotation: 'Basic' }));
      expect(errors.map((p) => p.hint)).to.deep.equal(['did you mean prvWriteNote?']);
    });
  });
});
