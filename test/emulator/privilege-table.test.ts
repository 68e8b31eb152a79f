/**
 * The emulator's own privilege table and the privileges a solution's tables bring, with real Microsoft
 * solution zips read at run time from ../shared/fixtures/real (never copied into the repository).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, solutionZip, webApi } from './helpers.js';

const SOLUTIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/real/templates-for-power-platform/solutions');
const realZip = (name: string) => readFileSync(path.join(SOLUTIONS, name)).toString('base64');

describe('emulator: privilege table and custom-table privileges', () => {
  let emulator: RunningEmulator;
  let token: string;
  const api = () => webApi(emulator.orgUrl, token);
  const importZip = (zip: string) => api().post('ImportSolution', { CustomizationFile: zip, OverwriteUnmanagedCustomizations: false, PublishWorkflows: false });
  const privilege = async (name: string) => (await api().get('privileges', { params: { $filter: `name eq '${name}'`, $select: 'name,canbebasic,canbelocal,canbedeep,canbeglobal,canbeentityreference,canbeparententityreference' } })).data.value[0];

  before(async () => {
    emulator = await startEmulator({ importDurationMs: 10 });
    token = (await adminSignIn(emulator)).accessToken;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  it('refuses a role granting prvActivateBusinessRule at Basic, naming the privilege (the catalog experiment)', async () => {
    const role = { id: '12121212-1212-4121-8121-121212121212', name: 'Rule Runner', privileges: [{ name: 'prvActivateBusinessRule', level: 'Basic' }] };
    const response = await importZip(await solutionZip({ roles: [role] }));
    expect(response.status).to.equal(400);
    expect(response.data.error.code).to.equal('0x80048058');
    expect(response.data.error.message).to.match(/^The privilege prvActivateBusinessRule with id = [0-9a-f-]{36} can't have depth = Basic, RoleId = 12121212-/);
    expect(await privilege('prvActivateBusinessRule')).to.include({ canbebasic: false, canbeglobal: true });
    const global = { ...role, privileges: [{ name: 'prvActivateBusinessRule', level: 'Global' }] };
    expect((await importZip(await solutionZip({ roles: [global] }))).status).to.equal(204);
  });

  it('serves canbeentityreference and canbeparententityreference', async () => {
    expect(await privilege('prvReadAccount')).to.include({ canbebasic: true, canbeglobal: true, canbeentityreference: false, canbeparententityreference: false });
  });

  it('imports the real mpa_EmployeeExperienceBase zip: its user-owned table brings eight privileges at every depth, its roles use them', async () => {
    expect(await privilege('prvReadmpa_eelocalization')).to.equal(undefined);
    const response = await importZip(realZip('mpa_EmployeeExperienceBase_managed.zip'));
    expect(response.status, JSON.stringify(response.data)).to.equal(204);
    expect(await privilege('prvReadmpa_eelocalization')).to.include({ canbebasic: true, canbelocal: true, canbedeep: true, canbeglobal: true });
    const names = (await api().get('privileges', { params: { $select: 'name' } })).data.value.map((p: { name: string }) => p.name).filter((n: string) => n.endsWith('mpa_eelocalization'));
    expect(names).to.have.members(['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'].map((r) => `prv${r}mpa_eelocalization`));
    const org = emulator.state.data.orgs[0]!;
    const solution = org.solutions.find((s) => s.uniquename === 'mpa_EmployeeExperienceBase');
    expect(solution).to.include({ version: '1.0.0.16', ismanaged: true });
    const types = org.solutioncomponents.filter((c) => c.solutionid === solution?.solutionid).map((c) => c.componenttype);
    expect(types).to.include.members([1, 9, 20, 61, 62, 80]);
    expect(org.solutioncomponents.find((c) => c.componenttype === 1)).to.include({ schemaname: 'mpa_eelocalization' });
  });

  it('imports the real mpa_Kudos zip after its base: three user-owned tables, SystemUser customized without new privileges', async () => {
    expect((await importZip(realZip('mpa_EmployeeExperienceBase_managed.zip'))).status).to.equal(204);
    const response = await importZip(realZip('mpa_Kudos_managed.zip'));
    expect(response.status, JSON.stringify(response.data)).to.equal(204);
    for (const table of ['mpa_Badge', 'mpa_kudo', 'mpa_optoutuser']) expect(await privilege(`prvShare${table}`), table).to.include({ canbebasic: true });
    expect(await privilege('prvReadSystemUser')).to.equal(undefined);
  });

  it('gives an organization-owned table six privileges at Global only', async () => {
    const customizations = `<ImportExportXml><Entities><Entity><Name>fab_Setting</Name><EntityInfo><entity Name="fab_Setting"><OwnershipTypeMask>OrgOwned</OwnershipTypeMask><IsActivity>0</IsActivity></entity></EntityInfo></Entity></Entities><Roles><Role id="{34343434-3434-4343-8343-343434343434}" name="Settings Reader"><RolePrivileges><RolePrivilege name="prvReadfab_Setting" level="Global" /></RolePrivileges></Role></Roles></ImportExportXml>`;
    expect((await importZip(await solutionZip({ files: { 'customizations.xml': customizations } }))).status).to.equal(204);
    expect(await privilege('prvReadfab_Setting')).to.include({ canbebasic: false, canbelocal: false, canbedeep: false, canbeglobal: true });
    expect(await privilege('prvAssignfab_Setting')).to.equal(undefined);
    const basic = customizations.replace('name="Settings Reader"', 'name="Settings Reader 2"').replace('34343434-3434-4343-8343-343434343434', '35353535-3535-4353-8353-353535353535').replace('level="Global"', 'level="Basic"');
    expect((await importZip(await solutionZip({ uniqueName: 'Other', files: { 'customizations.xml': basic } }))).data.error.code).to.equal('0x80048058');
  });
});
