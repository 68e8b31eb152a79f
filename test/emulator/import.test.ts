import { expect } from 'chai';
import { DEFAULT_IDS, FIRST_PARTY_SOLUTIONS, startEmulator, type EmulatorApp, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, appToken, control, solutionZip, waitFor, webApi, type TestRole } from './helpers.js';

const ROLE_A: TestRole = {
  id: '66666666-6666-4666-8666-666666666666',
  name: 'Fabrikam Sync Reader',
  privileges: [
    { name: 'prvReadAccount', level: 'Global' },
    { name: 'prvReadContact', level: 'Deep' },
  ],
};
const ROLE_B: TestRole = { id: '77777777-7777-4777-8777-777777777777', name: 'Fabrikam Sync Writer', privileges: [{ name: 'prvWriteAccount', level: 'Local' }] };
const APP = '88888888-8888-4888-8888-888888888888';

/** The org's solutions other than the first-party ones the default seed installs. */
const FIRST_PARTY = new Set(FIRST_PARTY_SOLUTIONS.map((s) => s.uniqueName));
const own = <T extends { uniquename: string }>(rows: T[]): T[] => rows.filter((row) => !FIRST_PARTY.has(row.uniquename));

interface Job {
  progress: number;
  startedon: string | null;
  completedon: string | null;
  solutionname: string | null;
  data: string | null;
}

describe('emulator: solution import', () => {
  let emulator: RunningEmulator;
  let token: string;
  const api = () => webApi(emulator.orgUrl, token);
  const importSync = async (zip: string, extra: Record<string, unknown> = {}) =>
    api().post('ImportSolution', { CustomizationFile: zip, OverwriteUnmanagedCustomizations: false, PublishWorkflows: true, ...extra });

  before(async () => {
    emulator = await startEmulator({ importDurationMs: 40, apps: [APP] });
    token = (await adminSignIn(emulator)).accessToken;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  async function rolesNamed(name: string): Promise<Array<{ roleid: string; _businessunitid_value: string; _parentrootroleid_value: string }>> {
    const response = await api().get('roles', { params: { $filter: `name eq '${name}'`, $select: 'roleid,_businessunitid_value,_parentrootroleid_value' } });
    return response.data.value;
  }

  async function job(id: string): Promise<Job> {
    const response = await api().get(`importjobs(${id})`, { params: { $select: 'progress,startedon,completedon,solutionname,data' } });
    expect(response.status).to.equal(200);
    return response.data as Job;
  }

  it('imports synchronously (204): role in the root BU with the solution GUID, copies in child BUs, solution row recorded', async () => {
    const jobId = 'aaaaaaaa-0000-4000-8000-000000000001';
    const response = await importSync(await solutionZip({ roles: [ROLE_A], version: '1.0.0.0' }), { ImportJobId: jobId });
    expect(response.status).to.equal(204);
    const roles = await rolesNamed(ROLE_A.name);
    const root = roles.find((r) => r._businessunitid_value === DEFAULT_IDS.rootBusinessUnit);
    const child = roles.find((r) => r._businessunitid_value === DEFAULT_IDS.childBusinessUnit);
    expect(root).to.deep.include({ roleid: ROLE_A.id, _parentrootroleid_value: ROLE_A.id });
    expect(child?._parentrootroleid_value).to.equal(ROLE_A.id);
    expect(child?.roleid).to.not.equal(ROLE_A.id);
    const privileges = await api().get(`RetrieveRolePrivilegesRole(RoleId=${ROLE_A.id})`);
    expect(privileges.data.RolePrivileges.map((p: { PrivilegeName: string; Depth: string }) => `${p.PrivilegeName}:${p.Depth}`)).to.deep.equal(['prvReadAccount:Global', 'prvReadContact:Deep']);
    const solutions = await api().get('solutions', { params: { $filter: "uniquename eq 'ContosoSecurityRoles'", $select: 'solutionid,uniquename,friendlyname,version,ismanaged,installedon' } });
    expect(solutions.data.value).to.have.length(1);
    expect(solutions.data.value[0]).to.include({ uniquename: 'ContosoSecurityRoles', friendlyname: 'Contoso Security Roles', version: '1.0.0.0', ismanaged: true });
    const finished = await job(jobId);
    expect(finished).to.include({ progress: 100, solutionname: 'ContosoSecurityRoles' });
    expect(finished.completedon).to.be.a('string');
    expect(finished.data).to.match(/^<importexportxml [^>]*succeeded="success"/);
    expect(finished.data).to.contain(`<securityrole id="{${ROLE_A.id}}" name="${ROLE_A.name}" processed="true"><result result="success"`);
  });

  it('imports asynchronously: AsyncOperationId + ImportJobKey, progress, then asyncoperation 3/30', async () => {
    const response = await api().post('ImportSolutionAsync', { CustomizationFile: await solutionZip({ roles: [ROLE_A] }), OverwriteUnmanagedCustomizations: false, PublishWorkflows: true });
    expect(response.status).to.equal(200);
    expect(response.data['@odata.context']).to.match(/#Microsoft\.Dynamics\.CRM\.ImportSolutionAsyncResponse$/);
    const { AsyncOperationId, ImportJobKey } = response.data as { AsyncOperationId: string; ImportJobKey: string };
    expect(typeof ImportJobKey).to.equal('string');
    const states = new Set<string>();
    const final = await waitFor(async () => {
      const op = await api().get(`asyncoperations(${AsyncOperationId})`, { params: { $select: 'statecode,statuscode,message,completedon' } });
      states.add(`${op.data.statecode as number}/${op.data.statuscode as number}`);
      return op.data.statecode === 3 ? op.data : undefined;
    }, 5000, 5);
    expect(final).to.include({ statecode: 3, statuscode: 30 });
    expect([...states].some((s) => s === '2/20' || s === '0/0')).to.equal(true);
    expect((await job(ImportJobKey)).progress).to.equal(100);
  });

  it('reports progress between 0 and 100 while the job runs', async () => {
    const slow = await startEmulator({ importDurationMs: 400 });
    try {
      const slowToken = (await adminSignIn(slow)).accessToken;
      const started = await webApi(slow.orgUrl, slowToken).post('ImportSolutionAsync', { CustomizationFile: await solutionZip({ roles: [ROLE_A] }) });
      const seen = new Set<number>();
      await waitFor(async () => {
        const j = await webApi(slow.orgUrl, slowToken).get(`importjobs(${started.data.ImportJobKey as string})`);
        seen.add(j.data.progress as number);
        return j.data.completedon ? true : undefined;
      }, 5000, 20);
      expect([...seen].some((p) => p > 0 && p < 100)).to.equal(true);
      expect(seen.has(100)).to.equal(true);
    } finally {
      await slow.close();
    }
  });

  it('refuses a zip without the three root files with 0x80048060', async () => {
    const response = await importSync(await solutionZip({ files: { '[Content_Types].xml': null } }));
    expect(response.status).to.equal(400);
    expect(response.data.error.code).to.equal('0x80048060');
    expect(response.data.error.message).to.contain('solution.xml, customizations.xml, and [Content_Types].xml');
    expect((await importSync(Buffer.from('not a zip').toString('base64'))).data.error.code).to.equal('0x80048060');
  });

  it('refuses invalid XML and DOCTYPE/entity declarations with 0x8004802C', async () => {
    const broken = await importSync(await solutionZip({ files: { 'customizations.xml': '<ImportExportXml><Roles></ImportExportXml>' } }));
    expect(broken.data.error.code).to.equal('0x8004802c');
    const doctype = await importSync(await solutionZip({ files: { 'solution.xml': '<!DOCTYPE x [<!ENTITY a "b">]><ImportExportXml>&a;</ImportExportXml>' } }));
    expect(doctype.data.error.code).to.equal('0x8004802c');
    expect(doctype.data.error.message).to.contain('DTDs and entity declarations are not allowed');
  });

  it('enforces the zip limits (entry count)', async () => {
    const limited = await startEmulator({ zipLimits: { maxEntries: 5 } });
    try {
      const t = (await adminSignIn(limited)).accessToken;
      const response = await webApi(limited.orgUrl, t).post('ImportSolution', { CustomizationFile: await solutionZip({ extraEntries: 10 }) });
      expect(response.data.error.code).to.equal('0x80048060');
      expect(response.data.error.message).to.contain('entries');
    } finally {
      await limited.close();
    }
  });

  it('fails the import naming the privilege for a depth it does not allow, in the job result', async () => {
    const role: TestRole = { ...ROLE_A, privileges: [{ name: 'prvReadSolution', level: 'Basic' }] };
    const started = await api().post('ImportSolutionAsync', { CustomizationFile: await solutionZip({ roles: [role] }) });
    const op = await waitFor(async () => {
      const r = await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`);
      return r.data.statecode === 3 ? r.data : undefined;
    });
    expect(op).to.include({ statuscode: 31 });
    expect(op.message).to.match(/The privilege prvReadSolution with id = [0-9a-f-]{36} can't have depth = Basic, RoleId = 66666666/);
    const data = (await job(started.data.ImportJobKey as string)).data ?? '';
    expect(data).to.contain('succeeded="failure"');
    expect(data).to.match(/<securityrole id="\{66666666-6666-4666-8666-666666666666\}" name="Fabrikam Sync Reader" processed="true"><result result="failure" errorcode="0x80048058" errortext="The privilege prvReadSolution/);
    expect(await rolesNamed(ROLE_A.name)).to.deep.equal([]);
  });

  it('fails the import for an unknown privilege, naming it', async () => {
    const role: TestRole = { ...ROLE_A, privileges: [{ name: 'prvReadNoSuchThing', level: 'Global' }] };
    const response = await importSync(await solutionZip({ roles: [role] }));
    expect(response.status).to.equal(400);
    expect(response.data.error.message).to.contain('prvReadNoSuchThing');
  });

  it('applies version rules: same version re-applied, lower refused, strict mode refuses same', async () => {
    expect((await importSync(await solutionZip({ roles: [ROLE_A], version: '1.0.0.1' }))).status).to.equal(204);
    const renamed = { ...ROLE_A, name: 'Renamed Reader' };
    expect((await importSync(await solutionZip({ roles: [renamed], version: '1.0.0.1' }))).status).to.equal(204);
    expect(await rolesNamed('Renamed Reader')).to.have.length(2);
    const lower = await importSync(await solutionZip({ roles: [ROLE_A], version: '1.0.0.0' }));
    expect(lower.status).to.equal(400);
    expect(lower.data.error).to.deep.equal({ code: '0x80048541', message: 'The import solution must have a higher version than the existing solution it is upgrading.' });
    const strict = await startEmulator({ strictSameVersionImport: true });
    try {
      const t = (await adminSignIn(strict)).accessToken;
      const zip = await solutionZip({ roles: [ROLE_A], version: '2.0.0.0' });
      expect((await webApi(strict.orgUrl, t).post('ImportSolution', { CustomizationFile: zip })).status).to.equal(204);
      expect((await webApi(strict.orgUrl, t).post('ImportSolution', { CustomizationFile: zip })).data.error.code).to.equal('0x80048541');
    } finally {
      await strict.close();
    }
  });

  it('refuses a managed import over the unmanaged solution with 0x80048040', async () => {
    expect((await importSync(await solutionZip({ roles: [ROLE_A], managed: false }))).status).to.equal(204);
    const response = await importSync(await solutionZip({ roles: [ROLE_A], managed: true, version: '2.0.0.0' }));
    expect(response.data.error.code).to.equal('0x80048040');
  });

  it('refuses a second import in the same org while one runs with 0x80071151', async () => {
    const zip = await solutionZip({ roles: [ROLE_A] });
    const first = await api().post('ImportSolutionAsync', { CustomizationFile: zip });
    expect(first.status).to.equal(200);
    const second = await importSync(zip);
    expect(second.status).to.equal(400);
    expect(second.data.error.code).to.equal('0x80071151');
    await waitFor(async () => ((await job(first.data.ImportJobKey as string)).completedon ? true : undefined));
    expect((await importSync(zip)).status).to.equal(204);
  });

  it('upgrades with StageAndUpgrade: removes roles no longer shipped; same version refused with 0x80048541', async () => {
    expect((await importSync(await solutionZip({ roles: [ROLE_A, ROLE_B], version: '1.0.0.0' }))).status).to.equal(204);
    const same = await api().post('StageAndUpgrade', { CustomizationFile: await solutionZip({ roles: [ROLE_A], version: '1.0.0.0' }), ImportJobId: 'aaaaaaaa-0000-4000-8000-000000000002' });
    expect(same.data.error.code).to.equal('0x80048541');
    const upgraded = await api().post('StageAndUpgrade', { CustomizationFile: await solutionZip({ roles: [ROLE_A], version: '1.1.0.0' }), ImportJobId: 'aaaaaaaa-0000-4000-8000-000000000003' });
    expect(upgraded.status).to.equal(200);
    expect(upgraded.data.SolutionId).to.match(/^[0-9a-f-]{36}$/);
    expect(await rolesNamed(ROLE_B.name)).to.deep.equal([]);
    expect(await rolesNamed(ROLE_A.name)).to.have.length(2);
    const solutions = await api().get('solutions', { params: { $select: 'uniquename,version' } });
    expect(own<{ uniquename: string; version: string }>(solutions.data.value).map((s) => `${s.uniquename}@${s.version}`)).to.deep.equal(['ContosoSecurityRoles@1.1.0.0']);
    const missingJobId = await api().post('StageAndUpgrade', { CustomizationFile: await solutionZip({ version: '1.2.0.0' }) });
    expect(missingJobId.data.error.code).to.equal('0x80040203');
  });

  it('upgrades asynchronously with StageAndUpgradeAsync', async () => {
    await importSync(await solutionZip({ roles: [ROLE_A, ROLE_B], version: '1.0.0.0' }));
    const started = await api().post('StageAndUpgradeAsync', { CustomizationFile: await solutionZip({ roles: [ROLE_B], version: '2.0.0.0' }) });
    const op = await waitFor(async () => {
      const r = await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`);
      return r.data.statecode === 3 ? r.data : undefined;
    });
    expect(op.statuscode).to.equal(30);
    expect(await rolesNamed(ROLE_A.name)).to.deep.equal([]);
  });

  it('upgrades with a holding solution and DeleteAndPromote', async () => {
    await importSync(await solutionZip({ roles: [ROLE_A, ROLE_B], version: '1.0.0.0' }));
    const sameHolding = await importSync(await solutionZip({ roles: [ROLE_A], version: '1.0.0.0' }), { HoldingSolution: true });
    expect(sameHolding.data.error.code).to.equal('0x80048541');
    expect((await importSync(await solutionZip({ roles: [ROLE_A], version: '1.5.0.0' }), { HoldingSolution: true })).status).to.equal(204);
    const names = own<{ uniquename: string }>((await api().get('solutions', { params: { $select: 'uniquename', $orderby: 'uniquename asc' } })).data.value).map((s) => s.uniquename);
    expect(names).to.deep.equal(['ContosoSecurityRoles', 'ContosoSecurityRoles_Upgrade']);
    expect(await rolesNamed(ROLE_B.name)).to.have.length(2);
    const promoted = await api().post('DeleteAndPromote', { UniqueName: 'ContosoSecurityRoles' });
    expect(promoted.status).to.equal(200);
    expect(promoted.data.SolutionId).to.match(/^[0-9a-f-]{36}$/);
    expect(await rolesNamed(ROLE_B.name)).to.deep.equal([]);
    const after = own<{ uniquename: string }>((await api().get('solutions', { params: { $select: 'uniquename,version' } })).data.value);
    expect(after).to.deep.equal([{ solutionid: promoted.data.SolutionId, uniquename: 'ContosoSecurityRoles', version: '1.5.0.0' }]);
    const again = await api().post('DeleteAndPromote', { UniqueName: 'ContosoSecurityRoles' });
    expect(again.data.error.code).to.equal('0x8004853b');
  });

  it('fails the role import for a caller without prvWriteRole', async () => {
    emulator.grantConsent(emulator.tenantId, APP);
    await control(emulator).post('orgs/contoso/roles', { id: 'bbbbbbbb-0000-4000-8000-000000000001', name: 'Importer', privileges: [{ name: 'prvImportCustomization', level: 'Global' }, { name: 'prvReadImportJob', level: 'Global' }] });
    const created = await api().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': `/businessunits(${DEFAULT_IDS.rootBusinessUnit})` });
    const userId = /systemusers\(([^)]+)\)/.exec(created.headers['odata-entityid'] as string)?.[1] ?? '';
    await control(emulator).post(`orgs/contoso/systemusers/${userId}/roles`, { roleId: 'bbbbbbbb-0000-4000-8000-000000000001' });
    const appApi = webApi(emulator.orgUrl, await appToken(emulator, emulator.apps.find((a) => a.clientId === APP) as EmulatorApp));
    const response = await appApi.post('ImportSolution', { CustomizationFile: await solutionZip({ roles: [ROLE_A] }), ImportJobId: 'aaaaaaaa-0000-4000-8000-000000000004' });
    expect(response.status).to.equal(403);
    expect(response.data.error.message).to.contain('PrivilegeName: prvWriteRole');
    expect((await appApi.get('importjobs(aaaaaaaa-0000-4000-8000-000000000004)')).data.data).to.contain('prvWriteRole');
  });

  it('completes an import whose response was lost (drop after handling); the client finds the job', async () => {
    emulator.setFaults({ rules: [{ kind: 'drop', nth: 1, route: 'POST */ImportSolution', phase: 'response' }] });
    const jobId = 'aaaaaaaa-0000-4000-8000-000000000005';
    const lost = await importSync(await solutionZip({ roles: [ROLE_A] }), { ImportJobId: jobId }).then(
      () => 'answered',
      (error: { code?: string }) => error.code ?? 'error',
    );
    expect(lost).to.be.oneOf(['ECONNRESET', 'ERR_BAD_RESPONSE', 'error']);
    const finished = await waitFor(async () => {
      const j = await job(jobId);
      return j.completedon ? j : undefined;
    });
    expect(finished.data).to.contain('succeeded="success"');
    expect(await rolesNamed(ROLE_A.name)).to.have.length(2);
  });

  it('refuses a duplicate ImportJobId with 0x80071152 and a missing CustomizationFile with 0x80040203', async () => {
    const jobId = 'aaaaaaaa-0000-4000-8000-000000000006';
    expect((await importSync(await solutionZip(), { ImportJobId: jobId })).status).to.equal(204);
    expect((await importSync(await solutionZip({ version: '2.0.0.0' }), { ImportJobId: jobId })).data.error.code).to.equal('0x80071152');
    expect((await api().post('ImportSolution', {})).data.error.code).to.equal('0x80040203');
  });
});
