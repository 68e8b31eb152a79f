import { expect } from 'chai';
import { DEFAULT_IDS, startEmulator, type EmulatorApp, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, appToken, control, webApi } from './helpers.js';

const APP = '33333333-3333-4333-8333-333333333333';
const OTHER_APP = '44444444-4444-4444-8444-444444444444';
const READER_ROLE = '55555555-5555-4555-8555-555555555555';

describe('emulator: Dataverse Web API', () => {
  let emulator: RunningEmulator;
  let app: EmulatorApp;
  let adminToken: string;
  const admin = () => webApi(emulator.orgUrl, adminToken);

  before(async () => {
    emulator = await startEmulator({ apps: [APP, OTHER_APP] });
    app = emulator.apps.find((a) => a.clientId === APP) as EmulatorApp;
    adminToken = (await adminSignIn(emulator)).accessToken;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  /** Consent, create the application user as the admin, and give it the role (the deploy flow). */
  async function provisionAppUser(roleId: string | undefined): Promise<string> {
    emulator.grantConsent(emulator.tenantId, APP);
    const created = await admin().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': `/businessunits(${DEFAULT_IDS.rootBusinessUnit})` });
    expect(created.status).to.equal(204);
    const userId = /systemusers\(([^)]+)\)/.exec(created.headers['odata-entityid'] as string)?.[1] ?? '';
    if (roleId) {
      const associated = await admin().post(`systemusers(${userId})/systemuserroles_association/$ref`, { '@odata.id': `${emulator.orgUrl}/api/data/v9.2/roles(${roleId})` });
      expect(associated.status).to.equal(204);
    }
    return userId;
  }

  async function readerRole(privileges: Array<{ name: string; level: string }>): Promise<void> {
    const response = await control(emulator).post('orgs/contoso/roles', { id: READER_ROLE, name: 'Reader', privileges });
    expect(response.status).to.equal(201);
  }

  it('answers 401 with the bearer challenge clients use for tenant discovery', async () => {
    for (const path of ['', 'WhoAmI']) {
      const response = await webApi(emulator.orgUrl).get(path);
      expect(response.status).to.equal(401);
      expect(response.headers['www-authenticate']).to.equal(`Bearer authorization_uri=${emulator.authorityHost}/${emulator.tenantId}/oauth2/authorize, resource_id=${emulator.orgUrl}/`);
    }
    const forged = `${adminToken.slice(0, adminToken.lastIndexOf('.'))}.AAAA`;
    expect((await webApi(emulator.orgUrl, forged).get('WhoAmI')).status).to.equal(401);
  });

  it('maps the admin device-code token to the admin user in WhoAmI, with OData headers', async () => {
    const response = await admin().get('WhoAmI');
    expect(response.status).to.equal(200);
    expect(response.headers['odata-version']).to.equal('4.0');
    expect(response.headers['content-type']).to.equal('application/json; odata.metadata=minimal');
    expect(response.data).to.deep.equal({
      '@odata.context': `${emulator.orgUrl}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
      BusinessUnitId: DEFAULT_IDS.rootBusinessUnit,
      UserId: DEFAULT_IDS.adminSystemUser,
      OrganizationId: DEFAULT_IDS.organization,
    });
    expect((await admin().get('WhoAmI()')).status).to.equal(200);
    const entry = emulator.log().at(-1);
    expect(entry).to.include({ kind: 'dataverse', method: 'GET', status: 200, org: 'contoso' });
    expect(entry?.caller).to.deep.equal({ appId: emulator.adminClientId, upn: 'admin@contoso.example', userId: DEFAULT_IDS.adminSystemUser });
  });

  it('answers 403 0x80072560 to an app token with no application user in the org', async () => {
    emulator.grantConsent(emulator.tenantId, APP);
    const response = await webApi(emulator.orgUrl, await appToken(emulator, app)).get('WhoAmI');
    expect(response.status).to.equal(403);
    expect(response.data).to.deep.equal({ error: { code: '0x80072560', message: 'The user is not a member of the organization.' } });
  });

  it('refuses a token from another tenant with 403 0x80072560 (tenant isolation)', async () => {
    const userId = await provisionAppUser(DEFAULT_IDS.systemAdministratorRole);
    expect(userId).to.match(/^[0-9a-f-]{36}$/);
    const isvToken = await appToken(emulator, app, emulator.isvTenantId);
    const response = await webApi(emulator.orgUrl, isvToken).get('WhoAmI');
    expect(response.status).to.equal(403);
    expect(response.data.error.code).to.equal('0x80072560');
  });

  it('creates the application user after consent: 204 + OData-EntityId, auto-filled columns, WhoAmI as the app', async () => {
    const userId = await provisionAppUser(undefined);
    const token = await appToken(emulator, app);
    const who = await webApi(emulator.orgUrl, token).get('WhoAmI');
    expect(who.status).to.equal(200);
    expect(who.data.UserId).to.equal(userId);
    const row = await admin().get(`systemusers(${userId})`, { params: { $select: 'fullname,applicationid,isdisabled,accessmode,azureactivedirectoryobjectid,_businessunitid_value' } });
    expect(row.status).to.equal(200);
    expect(row.data).to.include({ systemuserid: userId, fullname: `# ${app.name}`, applicationid: APP, isdisabled: false, accessmode: 0, _businessunitid_value: DEFAULT_IDS.rootBusinessUnit });
    expect(row.data.azureactivedirectoryobjectid).to.equal(emulator.state.servicePrincipal(emulator.tenantId, APP)?.objectId);
    expect(row.data['@odata.context']).to.match(/\$metadata#systemusers\(fullname,.*\)\/\$entity$/);
  });

  it('creates with Prefer: return=representation (201) and accepts an absolute businessunit bind', async () => {
    emulator.grantConsent(emulator.tenantId, APP);
    const response = await admin().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': `${emulator.orgUrl}/api/data/v9.2/businessunits(${DEFAULT_IDS.rootBusinessUnit})` }, { headers: { Prefer: 'return=representation' } });
    expect(response.status).to.equal(201);
    expect(response.data).to.include({ applicationid: APP, isdisabled: false, deletedstate: 0 });
    expect(response.headers).to.not.have.property('odata-entityid');
    expect(response.headers).to.not.have.property('location');
  });

  it('refuses an app user without a service principal in the org tenant: 0x8004F510, status 400', async () => {
    const response = await admin().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': `/businessunits(${DEFAULT_IDS.rootBusinessUnit})` });
    expect(response.status).to.equal(400);
    expect(response.data.error.code).to.equal('0x8004f510');
    expect(response.data.error.message).to.contain(`We didn't find that application ID ${APP} in your Azure Active Directory`);
  });

  it('refuses a second application user for the same app with 0x80040237', async () => {
    await provisionAppUser(undefined);
    const response = await admin().post('systemusers', { applicationid: APP, 'businessunitid@odata.bind': `/businessunits(${DEFAULT_IDS.rootBusinessUnit})` });
    expect(response.status).to.equal(412);
    expect(response.data).to.deep.equal({ error: { code: '0x80040237', message: 'A record with matching key values already exists.' } });
  });

  it('queries systemusers by applicationid with $select and $expand=systemuserroles_association($select=…)', async () => {
    const userId = await provisionAppUser(DEFAULT_IDS.systemAdministratorRole);
    const response = await admin().get('systemusers', {
      params: { $select: 'systemuserid,applicationid,isdisabled', $filter: `applicationid eq ${APP}`, $expand: 'systemuserroles_association($select=roleid,name,_parentrootroleid_value)' },
    });
    expect(response.status).to.equal(200);
    expect(response.data.value).to.deep.equal([
      {
        systemuserid: userId,
        applicationid: APP,
        isdisabled: false,
        systemuserroles_association: [{ roleid: DEFAULT_IDS.systemAdministratorRole, name: 'System Administrator', _parentrootroleid_value: DEFAULT_IDS.systemAdministratorRole }],
      },
    ]);
    const nav = await admin().get(`systemusers(${userId})/systemuserroles_association`, { params: { $select: 'roleid,name', $filter: `roleid eq ${DEFAULT_IDS.systemAdministratorRole}` } });
    expect(nav.data.value).to.deep.equal([{ roleid: DEFAULT_IDS.systemAdministratorRole, name: 'System Administrator' }]);
    const none = await admin().get(`systemusers(${userId})/systemuserroles_association`, { params: { $filter: `roleid eq ${DEFAULT_IDS.basicUserRole}` } });
    expect(none.data.value).to.deep.equal([]);
  });

  it('refuses a duplicate role association with 0x80040237 (412) and a role of another business unit with 0x80041409', async () => {
    const userId = await provisionAppUser(DEFAULT_IDS.basicUserRole);
    const again = await admin().post(`systemusers(${userId})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.basicUserRole})` });
    expect(again.status).to.equal(412);
    expect(again.data.error.code).to.equal('0x80040237');
    const copies = await admin().get('roles', { params: { $filter: `_parentrootroleid_value eq ${DEFAULT_IDS.basicUserRole} and _businessunitid_value eq ${DEFAULT_IDS.childBusinessUnit}` } });
    const childCopy = copies.data.value[0].roleid as string;
    const wrongBu = await admin().post(`systemusers(${userId})/systemuserroles_association/$ref`, { '@odata.id': `${emulator.orgUrl}/api/data/v9.2/roles(${childCopy})` });
    expect(wrongBu.status).to.equal(400);
    expect(wrongBu.data.error.code).to.equal('0x80041409');
    expect(wrongBu.data.error.message).to.contain(`roleBU=${DEFAULT_IDS.childBusinessUnit}`);
  });

  it('refuses to let a caller assign a role with privileges it does not hold itself (0x80048d3b)', async () => {
    await readerRole(['prvAssignRole', 'prvReadRole', 'prvReadUser'].map((name) => ({ name, level: 'Global' })));
    await provisionAppUser(READER_ROLE);
    const target = (await control(emulator).post('orgs/contoso/systemusers', { applicationId: OTHER_APP })).data.systemuserid as string;
    emulator.grantConsent(emulator.tenantId, OTHER_APP);
    const asApp = webApi(emulator.orgUrl, await appToken(emulator, app));
    const refused = await asApp.post(`systemusers(${target})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.systemAdministratorRole})` });
    expect(refused.status).to.equal(403);
    expect(refused.data.error.code).to.equal('0x80048d3b');
    const allowed = await asApp.post(`systemusers(${target})/systemuserroles_association/$ref`, { '@odata.id': `roles(${READER_ROLE})` });
    expect(allowed.status).to.equal(204);
  });

  it('disassociates in both forms', async () => {
    const userId = await provisionAppUser(DEFAULT_IDS.basicUserRole);
    expect((await admin().delete(`systemusers(${userId})/systemuserroles_association(${DEFAULT_IDS.basicUserRole})/$ref`)).status).to.equal(204);
    expect((await admin().get(`systemusers(${userId})/systemuserroles_association`)).data.value).to.deep.equal([]);
    await admin().post(`systemusers(${userId})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.basicUserRole})` });
    const byId = await admin().delete(`systemusers(${userId})/systemuserroles_association/$ref`, { params: { $id: `${emulator.orgUrl}/api/data/v9.2/roles(${DEFAULT_IDS.basicUserRole})` } });
    expect(byId.status).to.equal(204);
    expect((await admin().get(`systemusers(${userId})/systemuserroles_association`)).data.value).to.deep.equal([]);
  });

  it('serves business units (root = no parent) and roles with child-BU copies pointing at the root', async () => {
    const root = await admin().get('businessunits', { params: { $select: 'businessunitid,name', $filter: '_parentbusinessunitid_value eq null' } });
    expect(root.data.value).to.deep.equal([{ businessunitid: DEFAULT_IDS.rootBusinessUnit, name: 'contoso' }]);
    const roles = await admin().get('roles', { params: { $select: 'roleid,name,_businessunitid_value,_parentrootroleid_value', $filter: "name eq 'system administrator'" } });
    expect(roles.data.value).to.have.length(2);
    const [rootCopy, childCopy] = [...roles.data.value].sort((a: { _businessunitid_value: string }) => (a._businessunitid_value === DEFAULT_IDS.rootBusinessUnit ? -1 : 1));
    expect(rootCopy).to.include({ roleid: DEFAULT_IDS.systemAdministratorRole, _parentrootroleid_value: DEFAULT_IDS.systemAdministratorRole });
    expect(childCopy).to.include({ _businessunitid_value: DEFAULT_IDS.childBusinessUnit, _parentrootroleid_value: DEFAULT_IDS.systemAdministratorRole });
    expect(childCopy.roleid).to.not.equal(DEFAULT_IDS.systemAdministratorRole);
    const top = await admin().get('roles', { params: { $top: 1, $filter: `(name eq 'Basic User' or name eq 'System Administrator') and _businessunitid_value eq ${DEFAULT_IDS.rootBusinessUnit}`, $count: 'true' } });
    expect(top.data.value).to.have.length(1);
    expect(top.data['@odata.count']).to.equal(2);
    const byId = await admin().get(`roles(${DEFAULT_IDS.basicUserRole})`, { params: { $select: 'name' } });
    expect(byId.data).to.include({ name: 'Basic User', roleid: DEFAULT_IDS.basicUserRole });
    const notRoot = await admin().get('roles', { params: { $filter: `_businessunitid_value ne ${DEFAULT_IDS.rootBusinessUnit}`, $select: 'roleid' } });
    expect(notRoot.data.value).to.have.length(2);
  });

  it('serves privileges by name with their allowed depths, from the catalog plus seeded custom tables', async () => {
    const response = await admin().get('privileges', { params: { $select: 'name,canbebasic,canbelocal,canbedeep,canbeglobal', $filter: "name eq 'prvReadUser' or name eq 'prvReadSolution'", $orderby: 'name asc' } });
    expect(response.data.value.map((p: { name: string; canbebasic: boolean; canbeglobal: boolean }) => [p.name, p.canbebasic, p.canbeglobal])).to.deep.equal([
      ['prvReadSolution', false, true],
      ['prvReadUser', false, true],
    ]);
    const custom = await startEmulator({
      seed: { ...(await import('../../src/emulator/index.js')).defaultSeed(), orgs: [{ ...(await import('../../src/emulator/index.js')).defaultSeed().orgs[0]!, customTables: [{ schemaName: 'fab_Widget', ownership: 'organization' }] }] },
    });
    try {
      const token = (await adminSignIn(custom)).accessToken;
      const widget = await webApi(custom.orgUrl, token).get('privileges', { params: { $filter: "name eq 'prvReadfab_Widget'" } });
      expect(widget.data.value[0]).to.include({ canbebasic: false, canbelocal: false, canbedeep: false, canbeglobal: true });
      expect((await webApi(custom.orgUrl, token).get('privileges', { params: { $filter: "name eq 'prvAssignfab_Widget'" } })).data.value).to.deep.equal([]);
    } finally {
      await custom.close();
    }
  });

  it('RetrieveRolePrivilegesRole and RetrieveUserPrivileges return depths, ids and business unit', async () => {
    const basic = await admin().get(`RetrieveRolePrivilegesRole(RoleId=${DEFAULT_IDS.basicUserRole})`);
    expect(basic.status).to.equal(200);
    expect(basic.data['@odata.context']).to.match(/#Microsoft\.Dynamics\.CRM\.RetrieveRolePrivilegesRoleResponse$/);
    const readAccount = basic.data.RolePrivileges.find((p: { PrivilegeName: string }) => p.PrivilegeName === 'prvReadAccount');
    expect(readAccount).to.include({ Depth: 'Basic', BusinessUnitId: DEFAULT_IDS.rootBusinessUnit });
    expect(readAccount.PrivilegeId).to.match(/^[0-9a-f-]{36}$/);
    const userId = await provisionAppUser(DEFAULT_IDS.basicUserRole);
    const mine = await admin().get(`systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`);
    expect(mine.status).to.equal(200);
    expect(mine.data.RolePrivileges.map((p: { PrivilegeName: string }) => p.PrivilegeName)).to.have.members(['prvReadAccount', 'prvReadBusinessUnit', 'prvReadContact', 'prvReadNote', 'prvReadUser']);
    expect((await admin().get(`systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`)).status).to.equal(200);
  });

  it('enforces privileges for an application user and names the missing privilege (403 0x80040220)', async () => {
    await readerRole([{ name: 'prvReadAccount', level: 'Global' }]);
    await provisionAppUser(READER_ROLE);
    const api = webApi(emulator.orgUrl, await appToken(emulator, app));
    expect((await api.get('accounts', { params: { $select: 'name', $top: 1 } })).data.value).to.have.length(1);
    const cases: Array<[string, string]> = [
      ['solutions', 'prvReadSolution'],
      ['roles', 'prvReadRole'],
      ['privileges', 'prvReadRole'],
      ['systemusers', 'prvReadUser'],
      ['businessunits', 'prvReadBusinessUnit'],
      ['contacts', 'prvReadContact'],
      ['annotations', 'prvReadNote'],
      [`importjobs(${DEFAULT_IDS.organization})`, 'prvReadImportJob'],
      [`asyncoperations(${DEFAULT_IDS.organization})`, 'prvReadAsyncOperation'],
      [`RetrieveRolePrivilegesRole(RoleId=${DEFAULT_IDS.basicUserRole})`, 'prvReadRole'],
    ];
    for (const [path, privilege] of cases) {
      const response = await api.get(path);
      expect(response.status, path).to.equal(403);
      expect(response.data.error.code).to.equal('0x80040220');
      expect(response.data.error.message).to.contain(`missing ${privilege} privilege`);
    }
    const create = await api.post('systemusers', { applicationid: OTHER_APP, 'businessunitid@odata.bind': `/businessunits(${DEFAULT_IDS.rootBusinessUnit})` });
    expect(create.data.error.message).to.contain('missing prvCreateUser privilege');
    const who = await api.get('WhoAmI');
    const assign = await api.post(`systemusers(${who.data.UserId as string})/systemuserroles_association/$ref`, { '@odata.id': `roles(${DEFAULT_IDS.systemAdministratorRole})` });
    expect(assign.data.error.message).to.contain('missing prvAssignRole privilege');
    const importing = await api.post('ImportSolution', { CustomizationFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==', OverwriteUnmanagedCustomizations: false, PublishWorkflows: false });
    expect(importing.data.error.message).to.contain('missing prvImportCustomization privilege');
  });

  it('lets a role change through the control API take effect on the next request', async () => {
    await readerRole([]);
    await provisionAppUser(READER_ROLE);
    const api = webApi(emulator.orgUrl, await appToken(emulator, app));
    expect((await api.get('solutions')).status).to.equal(403);
    expect((await control(emulator).post(`orgs/contoso/roles/${READER_ROLE}/privileges`, { name: 'prvReadSolution', level: 'Global' })).status).to.equal(204);
    const solutions = await api.get('solutions', { params: { $filter: "uniquename eq 'Nothing'", $select: 'solutionid,version' } });
    expect(solutions.status).to.equal(200);
    expect(solutions.data.value).to.deep.equal([]);
  });

  it('answers a disabled caller with 403 0x80040225, and PATCH isdisabled re-enables it', async () => {
    const userId = await provisionAppUser(DEFAULT_IDS.basicUserRole);
    const token = await appToken(emulator, app);
    expect((await admin().patch(`systemusers(${userId})`, { isdisabled: true })).status).to.equal(204);
    const refused = await webApi(emulator.orgUrl, token).get('WhoAmI');
    expect(refused.status).to.equal(403);
    expect(refused.data.error.code).to.equal('0x80040225');
    expect(refused.data.error.message).to.contain(`SystemUserId=${userId}`);
    expect((await admin().patch(`systemusers(${userId})`, { isdisabled: false })).status).to.equal(204);
    expect((await webApi(emulator.orgUrl, token).get('WhoAmI')).status).to.equal(200);
  });

  it('keeps creating failing with 0x8004F510 for consentLagMs after consent', async () => {
    const lagging = await startEmulator({ apps: [APP], consentLagMs: 300 });
    try {
      const token = (await adminSignIn(lagging)).accessToken;
      lagging.grantConsent(lagging.tenantId, APP);
      const body = { applicationid: APP, 'businessunitid@odata.bind': `/businessunits(${DEFAULT_IDS.rootBusinessUnit})` };
      expect((await webApi(lagging.orgUrl, token).post('systemusers', body)).data.error.code).to.equal('0x8004f510');
      await new Promise((r) => setTimeout(r, 320));
      expect((await webApi(lagging.orgUrl, token).post('systemusers', body)).status).to.equal(204);
    } finally {
      await lagging.close();
    }
  });

  it('returns 404 0x80040217 for a missing record and a loud 501 for a column it does not emulate, never a fake 400', async () => {
    const missing = await admin().get(`roles(${DEFAULT_IDS.organization})`);
    expect(missing.status).to.equal(404);
    expect(missing.data.error).to.deep.equal({ code: '0x80040217', message: `Entity 'role' With Id = ${DEFAULT_IDS.organization} Does Not Exist` });
    for (const [set, column] of [['roles', 'nosuchcolumn'], ['systemusers', 'jobtitle']]) {
      const response = await admin().get(set as string, { params: { $select: column } });
      expect(response.status, column).to.equal(501);
      expect(response.data.error.message).to.contain(`does not emulate the column '${column}'`);
      expect(response.data.error.message).to.not.contain('Could not find a property');
    }
    const filtered = await admin().get('systemusers', { params: { $filter: 'nosuch eq 1' } });
    expect(filtered.status).to.equal(501);
  });

  it('answers anything unsupported with a loud 501 naming the route', async () => {
    const cases = [
      () => admin().get('EntityDefinitions'),
      () => admin().delete(`roles(${DEFAULT_IDS.basicUserRole})`),
      () => admin().get('roles', { params: { $filter: "contains(name,'Admin')" } }),
      () => admin().get('roles', { params: { $apply: 'groupby((name))' } }),
      () => admin().get('roles', { params: { $expand: 'nosuchnav' } }),
    ];
    for (const call of cases) {
      const response = await call();
      expect(response.status).to.equal(501);
      expect(response.data.error.message).to.match(/emulator/i);
    }
    const route = await admin().get('EntityDefinitions');
    expect(route.data.error.message).to.contain('GET /orgs/contoso/api/data/v9.2/EntityDefinitions');
  });

  it('serves the read-probe sets accounts, contacts and annotations', async () => {
    for (const [set, key] of [['accounts', 'accountid'], ['contacts', 'contactid'], ['annotations', 'annotationid']] as const) {
      const response = await admin().get(set);
      expect(response.status).to.equal(200);
      expect(response.data.value.length).to.be.greaterThan(0);
      expect(response.data.value[0]).to.have.property(key);
    }
  });

  it('answers an unknown org with 404', async () => {
    const response = await webApi(`${emulator.url}/orgs/nowhere`, adminToken).get('WhoAmI');
    expect(response.status).to.equal(404);
  });
});
