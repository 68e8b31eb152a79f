/** The Dataverse side of ../shared/reference/fidelity-audit.md, one block per divergence, over HTTP with axios. */
import { expect } from 'chai';
import { DEFAULT_IDS, startEmulator, type EmulatorApp, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, appToken, control, solutionZip, waitFor, webApi } from './helpers.js';

const APP = '61616161-6161-4616-8616-616161616161';
const OTHER = '62626262-6262-4626-8626-626262626262';
const TEAM = '63636363-6363-4636-8636-636363636363';
const LIMITED = '64646464-6464-4646-8646-646464646464';
const ROLE = { id: '65656565-6565-4656-8656-656565656565', name: 'Fidelity Reader', privileges: [{ name: 'prvReadAccount', level: 'Global' }] };
const BU = `/businessunits(${DEFAULT_IDS.rootBusinessUnit})`;

async function withEmulator(options: EmulatorOptions, run: (emulator: RunningEmulator, token: string) => Promise<void>): Promise<void> {
  const emulator = await startEmulator({ importDurationMs: 60, apps: [APP, OTHER], ...options });
  try {
    await run(emulator, (await adminSignIn(emulator)).accessToken);
  } finally {
    await emulator.close();
  }
}

describe('emulator: Dataverse behaviour as Microsoft documents it (fidelity audit)', () => {
  let emulator: RunningEmulator;
  let token: string;
  const admin = () => webApi(emulator.orgUrl, token);
  const createAppUser = async (applicationid = APP, extra: Record<string, unknown> = {}) => {
    emulator.grantConsent(emulator.tenantId, applicationid);
    const created = await admin().post('systemusers', { applicationid, 'businessunitid@odata.bind': BU, ...extra });
    expect(created.status, JSON.stringify(created.data)).to.equal(204);
    return /systemusers\(([^)]+)\)/.exec(created.headers['odata-entityid'] as string)?.[1] ?? '';
  };

  before(async () => {
    emulator = await startEmulator({ importDurationMs: 60, apps: [APP, OTHER] });
    token = (await adminSignIn(emulator)).accessToken;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  describe('#1 RetrieveRolePrivilegesRole is unbound', () => {
    it('answers the unbound form and the parameter-alias form', async () => {
      const direct = await admin().get(`RetrieveRolePrivilegesRole(RoleId=${DEFAULT_IDS.basicUserRole})`);
      expect(direct.status).to.equal(200);
      expect(direct.data['@odata.context']).to.match(/#Microsoft\.Dynamics\.CRM\.RetrieveRolePrivilegesRoleResponse$/);
      const alias = await admin().get('RetrieveRolePrivilegesRole(RoleId=@p)', { params: { '@p': DEFAULT_IDS.basicUserRole } });
      expect(alias.status).to.equal(200);
      expect(alias.data.RolePrivileges).to.deep.equal(direct.data.RolePrivileges);
      expect((await admin().get('RetrieveRolePrivilegesRole()')).status).to.equal(400);
    });

    it('refuses the bound form as an unknown segment (404 0x80060888), status configurable', async () => {
      const bound = await admin().get(`roles(${DEFAULT_IDS.basicUserRole})/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole()`);
      expect(bound.status).to.equal(404);
      expect(bound.data.error).to.deep.equal({ code: '0x80060888', message: "Resource not found for the segment 'Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole()'." });
      await withEmulator({ statuses: { unknownSegment: 400 } }, async (e, t) => {
        expect((await webApi(e.orgUrl, t).get(`roles(${DEFAULT_IDS.basicUserRole})/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole`)).status).to.equal(400);
      });
    });
  });

  describe('#2 soft delete of systemusers', () => {
    it('selects and filters deletedstate', async () => {
      const userId = await createAppUser();
      const rows = await admin().get('systemusers', { params: { $select: 'systemuserid,deletedstate', $filter: `applicationid eq ${APP} and deletedstate eq 0` } });
      expect(rows.data.value).to.deep.equal([{ systemuserid: userId, deletedstate: 0 }]);
    });

    it('refuses to delete an active user; soft-deletes an inactive one (roles removed, row kept); a second DELETE purges', async () => {
      const userId = await createAppUser();
      await admin().post(`systemusers(${userId})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.basicUserRole})` });
      const active = await admin().delete(`systemusers(${userId})`);
      expect(active.status).to.equal(400);
      expect(active.data.error.message).to.contain('Only users with the inactive state can be deleted');
      expect((await admin().patch(`systemusers(${userId})`, { isdisabled: true })).status).to.equal(204);
      expect((await admin().delete(`systemusers(${userId})`)).status).to.equal(204);
      const soft = await admin().get(`systemusers(${userId})`, { params: { $select: 'deletedstate,isdisabled' } });
      expect(soft.data).to.include({ deletedstate: 1, isdisabled: true });
      expect((await admin().get(`systemusers(${userId})/systemuserroles_association`)).data.value).to.deep.equal([]);
      expect((await admin().delete(`systemusers(${userId})`)).status).to.equal(204);
      expect((await admin().get(`systemusers(${userId})`)).status).to.equal(404);
    });

    it('refuses a new app user while a soft-deleted one holds the applicationid: 412 0x80040237, status configurable', async () => {
      const userId = await createAppUser();
      await admin().patch(`systemusers(${userId})`, { isdisabled: true });
      await admin().delete(`systemusers(${userId})`);
      const refused = await admin().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': BU });
      expect(refused.status).to.equal(412);
      expect(refused.data.error).to.deep.equal({ code: '0x80040237', message: 'A record with matching key values already exists.' });
      await admin().delete(`systemusers(${userId})`);
      expect((await admin().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': BU })).status).to.equal(204);
      await withEmulator({ statuses: { duplicateAppUser: 400, activeUserDelete: 409 } }, async (e, t) => {
        e.grantConsent(e.tenantId, APP);
        const api = webApi(e.orgUrl, t);
        const created = await api.post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': BU });
        const id = /systemusers\(([^)]+)\)/.exec(created.headers['odata-entityid'] as string)?.[1] ?? '';
        expect((await api.delete(`systemusers(${id})`)).status).to.equal(409);
        expect((await api.post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': BU })).status).to.equal(400);
      });
    });
  });

  describe('#3/#15 another import running (0x80071151)', () => {
    const LIVE = 'Cannot start another [Import] because there is a previous [Import] running at this moment. Use Solution History for more details. -- The solution installation or removal failed due to the installation or removal of another solution at the same time.';

    it('by default accepts the second start and fails that job (3/31) with the live text', async () => {
      const zip = await solutionZip({ roles: [ROLE] });
      const first = await admin().post('ImportSolutionAsync', { CustomizationFile: zip });
      const second = await admin().post('ImportSolutionAsync', { CustomizationFile: zip });
      expect(second.status).to.equal(200);
      const op = await waitFor(async () => {
        const r = await admin().get(`asyncoperations(${second.data.AsyncOperationId as string})`, { params: { $select: 'statecode,statuscode,message,friendlymessage' } });
        return r.data.statecode === 3 ? r.data : undefined;
      });
      expect(op).to.include({ statecode: 3, statuscode: 31, friendlymessage: LIVE, message: `0x80071151: ${LIVE}` });
      const job = await admin().get(`importjobs(${second.data.ImportJobKey as string})`, { params: { $select: 'data' } });
      expect(job.data.data).to.contain('errorcode="0x80071151"');
      const firstOp = await waitFor(async () => {
        const r = await admin().get(`asyncoperations(${first.data.AsyncOperationId as string})`);
        return r.data.statecode === 3 ? r.data : undefined;
      });
      expect(firstOp.statuscode).to.equal(30);
    });

    it('with concurrentImport reject-start answers the start request with 400 and the live text', async () => {
      await withEmulator({ concurrentImport: 'reject-start' }, async (e, t) => {
        const zip = await solutionZip({ roles: [ROLE] });
        expect((await webApi(e.orgUrl, t).post('ImportSolutionAsync', { CustomizationFile: zip })).status).to.equal(200);
        const second = await webApi(e.orgUrl, t).post('ImportSolutionAsync', { CustomizationFile: zip });
        expect(second.status).to.equal(400);
        expect(second.data.error).to.deep.equal({ code: '0x80071151', message: LIVE });
      });
    });
  });

  describe('#6 teams', () => {
    it('reports team-held privileges at Basic in RetrieveUserPrivileges and at their depth in RetrieveUsersPrivilegesThroughTeams', async () => {
      const userId = (await control(emulator).post('orgs/contoso/systemusers', { applicationId: OTHER })).data.systemuserid as string;
      const team = await control(emulator).post('orgs/contoso/teams', { id: TEAM, name: 'Admins', roles: [DEFAULT_IDS.systemAdministratorRole], members: [userId] });
      expect(team.status).to.equal(201);
      await control(emulator).post(`orgs/contoso/systemusers/${userId}/roles`, { roleId: DEFAULT_IDS.basicUserRole });
      const reported = await admin().get(`systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`);
      const depth = (list: Array<{ PrivilegeName: string; Depth: string }>, name: string) => list.find((p) => p.PrivilegeName === name)?.Depth;
      expect(depth(reported.data.RolePrivileges, 'prvAssignRole')).to.equal('Basic');
      expect(depth(reported.data.RolePrivileges, 'prvReadUser')).to.equal('Global');
      const teams = await admin().get(`systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUsersPrivilegesThroughTeams(ExcludeOrgDisabledPrivileges=false,IncludeSetupUserFiltering=false)`);
      expect(teams.status).to.equal(200);
      expect(teams.data['@odata.context']).to.match(/#Microsoft\.Dynamics\.CRM\.RetrieveUsersPrivilegesThroughTeamsResponse$/);
      expect(depth(teams.data.RolePrivileges, 'prvAssignRole')).to.equal('Global');
      expect(depth(teams.data.RolePrivileges, 'prvReadAccount')).to.equal('Global');
      expect((await admin().get(`systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUsersPrivilegesThroughTeams(ExcludeOrgDisabledPrivileges=false)`)).status).to.equal(400);
    });

    it('uses the real depth for its own checks: System Administrator through a team may assign any role', async () => {
      emulator.grantConsent(emulator.tenantId, APP);
      const caller = (await control(emulator).post('orgs/contoso/systemusers', { applicationId: APP })).data.systemuserid as string;
      await control(emulator).post('orgs/contoso/teams', { name: 'Admins', kind: 'entra-group', roles: [DEFAULT_IDS.systemAdministratorRole], members: [caller] });
      const target = (await control(emulator).post('orgs/contoso/systemusers', { applicationId: OTHER })).data.systemuserid as string;
      const asApp = webApi(emulator.orgUrl, await appToken(emulator, emulator.apps.find((a) => a.clientId === APP) as EmulatorApp));
      const assigned = await asApp.post(`systemusers(${target})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.systemAdministratorRole})` });
      expect(assigned.status, JSON.stringify(assigned.data)).to.equal(204);
    });

    it('accepts teams in the seed', async () => {
      const seed = (await import('../../src/emulator/index.js')).defaultSeed();
      seed.orgs[0]!.teams = [{ id: TEAM, name: 'Seeded', roles: [DEFAULT_IDS.basicUserRole], members: [DEFAULT_IDS.adminSystemUser] }];
      await withEmulator({ seed }, async (e) => {
        expect(e.state.data.orgs[0]!.teams).to.deep.equal([{ teamid: TEAM, name: 'Seeded', teamtype: 0, _businessunitid_value: DEFAULT_IDS.rootBusinessUnit }]);
        expect(e.state.data.orgs[0]!.teammemberships).to.deep.equal([{ teamid: TEAM, systemuserid: DEFAULT_IDS.adminSystemUser }]);
      });
    });
  });

  describe('#10 import result', () => {
    it('puts the error text in the root @status and answers RetrieveSolutionImportResult', async () => {
      const bad = { ...ROLE, privileges: [{ name: 'prvReadSolution', level: 'Basic' }] };
      const jobId = '66666666-0000-4000-8000-000000000001';
      const failed = await admin().post('ImportSolution', { CustomizationFile: await solutionZip({ roles: [bad] }), ImportJobId: jobId });
      expect(failed.status).to.equal(400);
      const data = (await admin().get(`importjobs(${jobId})`, { params: { $select: 'data' } })).data.data as string;
      expect(data).to.match(/^<importexportxml [^>]*succeeded="failure" status="0x80048058: The privilege prvReadSolution with id = [0-9a-f-]{36} can't have depth = Basic/);
      const result = await admin().get(`RetrieveSolutionImportResult(ImportJobId=${jobId})`);
      expect(result.status).to.equal(200);
      expect(result.data.SolutionOperationResult.Status).to.equal('Failed');
      expect(result.data.SolutionOperationResult.ErrorMessages[0]).to.match(/^0x80048058: The privilege prvReadSolution/);
      const okId = '66666666-0000-4000-8000-000000000002';
      expect((await admin().post('ImportSolution', { CustomizationFile: await solutionZip({ roles: [ROLE] }), ImportJobId: okId })).status).to.equal(204);
      expect((await admin().get('RetrieveSolutionImportResult(ImportJobId=@j)', { params: { '@j': okId } })).data.SolutionOperationResult).to.deep.equal({ Status: 'Passed', ErrorMessages: [], WarningMessages: [] });
      expect((await admin().get(`RetrieveSolutionImportResult(ImportJobId=${DEFAULT_IDS.organization})`)).status).to.equal(404);
    });
  });

  describe('#11 accessmode and #18 the # prefix', () => {
    it('stores accessmode as sent (0 when absent) and prefixes the app user full name with "# "', async () => {
      const sent = await createAppUser(APP, { accessmode: 4 });
      const absent = await createAppUser(OTHER);
      const row = async (id: string) => (await admin().get(`systemusers(${id})`, { params: { $select: 'accessmode,fullname' } })).data;
      expect(await row(sent)).to.include({ accessmode: 4, fullname: `# ${emulator.apps.find((a) => a.clientId === APP)?.name ?? ''}` });
      expect((await row(absent)).accessmode).to.equal(0);
      expect((await admin().post('systemusers', { applicationid: LIMITED, 'businessunitid@odata.bind': BU, accessmode: 'app' })).status).to.equal(400);
    });
  });

  describe('#13 privilege columns', () => {
    it('serves canbeentityreference and canbeparententityreference', async () => {
      const response = await admin().get('privileges', { params: { $select: 'name,canbeentityreference,canbeparententityreference', $filter: "name eq 'prvReadAccount'" } });
      expect(response.data.value[0]).to.include({ canbeentityreference: false, canbeparententityreference: false });
    });
  });

  describe('#14 0x80048d3b, assigning and removing', () => {
    async function limitedCaller(): Promise<{ api: ReturnType<typeof webApi>; target: string }> {
      await control(emulator).post('orgs/contoso/roles', { id: LIMITED, name: 'Assigner', privileges: ['prvAssignRole', 'prvReadRole', 'prvReadUser'].map((name) => ({ name, level: 'Global' })) });
      emulator.grantConsent(emulator.tenantId, APP);
      await control(emulator).post('orgs/contoso/systemusers', { applicationId: APP, roles: [LIMITED] });
      const target = (await control(emulator).post('orgs/contoso/systemusers', { applicationId: OTHER })).data.systemuserid as string;
      return { api: webApi(emulator.orgUrl, await appToken(emulator, emulator.apps.find((a) => a.clientId === APP) as EmulatorApp)), target };
    }

    it('uses the official template when assigning', async () => {
      const { api, target } = await limitedCaller();
      const refused = await api.post(`systemusers(${target})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.basicUserRole})` });
      expect(refused.status).to.equal(403);
      expect(refused.data.error.code).to.equal('0x80048d3b');
      expect(refused.data.error.message).to.match(/^Assigning or Removing a role of User\/Team requires the calling user to have all the privilege\(s\) of a role being assigned\/removed\. /);
      expect(refused.data.error.message).to.match(/First \d+ missed role privilege\(s\) in format PrivilegeName\(PrivilegeId\)\/Depth\/BusinessUnitId are: prvRead\w+\([0-9a-f-]{36}\)\/(Basic|Global)\/00000000-0000-4000-8000-0000000000c2/);
    });

    it('applies to removing a role too, status configurable', async () => {
      const { api, target } = await limitedCaller();
      await control(emulator).post(`orgs/contoso/systemusers/${target}/roles`, { roleId: DEFAULT_IDS.basicUserRole });
      const removed = await api.delete(`systemusers(${target})/systemuserroles_association(${DEFAULT_IDS.basicUserRole})/$ref`);
      expect(removed.status).to.equal(403);
      expect(removed.data.error.code).to.equal('0x80048d3b');
      await withEmulator({ statuses: { assignRoleValidation: 400 } }, async (e) => {
        await control(e).post('orgs/contoso/roles', { id: LIMITED, name: 'Assigner', privileges: ['prvAssignRole', 'prvReadRole'].map((name) => ({ name, level: 'Global' })) });
        e.grantConsent(e.tenantId, APP);
        await control(e).post('orgs/contoso/systemusers', { applicationId: APP, roles: [LIMITED] });
        const other = (await control(e).post('orgs/contoso/systemusers', { applicationId: OTHER })).data.systemuserid as string;
        const api400 = webApi(e.orgUrl, await appToken(e, e.apps.find((a) => a.clientId === APP) as EmulatorApp));
        expect((await api400.post(`systemusers(${other})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.basicUserRole})` })).status).to.equal(400);
      });
    });
  });

  describe('#16 DeleteAndPromoteAsync', () => {
    it('returns AsyncOperationId and promotes in an async operation polled like an import', async () => {
      await admin().post('ImportSolution', { CustomizationFile: await solutionZip({ roles: [ROLE], version: '1.0.0.0' }) });
      await admin().post('ImportSolution', { CustomizationFile: await solutionZip({ roles: [ROLE], version: '2.0.0.0' }), HoldingSolution: true });
      const started = await admin().post('DeleteAndPromoteAsync', { UniqueName: 'ContosoSecurityRoles' });
      expect(started.status).to.equal(200);
      expect(started.data['@odata.context']).to.match(/#Microsoft\.Dynamics\.CRM\.DeleteAndPromoteAsyncResponse$/);
      const op = await waitFor(async () => {
        const r = await admin().get(`asyncoperations(${started.data.AsyncOperationId as string})`);
        return r.data.statecode === 3 ? r.data : undefined;
      });
      expect(op.statuscode).to.equal(30);
      const names = (await admin().get('solutions', { params: { $select: 'uniquename,version', $filter: "uniquename ne 'AppModuleWebResources' and uniquename ne 'AuthorizationCore' and uniquename ne 'BaseCustomControlsCore' and uniquename ne 'SettingDefinitionsData'" } })).data.value;
      expect(names).to.deep.equal([{ solutionid: names[0].solutionid, uniquename: 'ContosoSecurityRoles', version: '2.0.0.0' }]);
      const again = await admin().post('DeleteAndPromoteAsync', { UniqueName: 'ContosoSecurityRoles' });
      const failed = await waitFor(async () => {
        const r = await admin().get(`asyncoperations(${again.data.AsyncOperationId as string})`);
        return r.data.statecode === 3 ? r.data : undefined;
      });
      expect(failed.statuscode).to.equal(31);
      expect(failed.message).to.match(/^0x8004853B: /i);
    });
  });
});
