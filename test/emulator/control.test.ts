import { expect } from 'chai';
import { DEFAULT_IDS, FIRST_PARTY_SOLUTIONS, startEmulator, type EmulatorApp, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, appToken, control, webApi } from './helpers.js';

const APP = '13131313-1313-4131-8131-131313131313';

describe('emulator: control API and request log', () => {
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({ apps: [APP] });
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  it('serves the state without secrets', async () => {
    const response = await control(emulator).get('state');
    expect(response.status).to.equal(200);
    expect(response.data.orgs[0].name).to.equal('contoso');
    expect(response.data.tenants.map((t: { id: string }) => t.id)).to.have.members([DEFAULT_IDS.isvTenant, DEFAULT_IDS.subscriberTenant]);
    const text = JSON.stringify(response.data);
    const app = emulator.apps[0] as EmulatorApp;
    expect(text).to.not.contain(app.clientSecret);
    expect(text).to.not.contain('PRIVATE KEY');
  });

  it('grants and revokes consent', async () => {
    const app = emulator.apps[0] as EmulatorApp;
    expect((await control(emulator).post('consent', { tenantId: emulator.tenantId, clientId: APP })).status).to.equal(200);
    expect(await appToken(emulator, app)).to.be.a('string');
    expect((await control(emulator).delete('consent', { params: { tenantId: emulator.tenantId, clientId: APP } })).status).to.equal(204);
    expect(emulator.state.servicePrincipal(emulator.tenantId, APP)).to.equal(undefined);
    expect((await control(emulator).delete('consent', { params: { tenantId: emulator.tenantId, clientId: APP } })).status).to.equal(404);
  });

  it('resets to the seed', async () => {
    const seeded = FIRST_PARTY_SOLUTIONS.length;
    await control(emulator).post('orgs/contoso/solutions', { uniqueName: 'Tampered', version: '9.9.9.9', managed: true });
    expect(emulator.state.org('contoso')?.solutions).to.have.length(seeded + 1);
    expect((await control(emulator).post('reset')).status).to.equal(204);
    expect(emulator.state.org('contoso')?.solutions).to.have.length(seeded);
  });

  it('logs every request with method, path, query, status, caller and duration, and clears the log', async () => {
    await control(emulator).delete('log');
    const token = (await adminSignIn(emulator)).accessToken;
    await webApi(emulator.orgUrl, token).get('roles', { params: { $select: 'name', $top: 1 } });
    const log = (await control(emulator).get('log')).data as Array<Record<string, unknown>>;
    const kinds = log.map((e) => `${e.kind as string} ${e.method as string} ${e.status as number}`);
    expect(kinds).to.deep.equal(['control 204', 'entra POST 200', 'entra POST 200', 'dataverse GET 200'].map((k) => (k === 'control 204' ? 'control DELETE 204' : k)));
    const last = log.at(-1) as Record<string, unknown>;
    expect(last).to.include({ path: '/orgs/contoso/api/data/v9.2/roles', org: 'contoso' });
    expect(last.query).to.deep.equal({ $select: 'name', $top: '1' });
    expect(last.seq).to.be.a('number');
    expect(last.durationMs).to.be.a('number');
    expect(JSON.stringify(log)).to.not.contain(token);
    expect(JSON.stringify(log)).to.not.match(/device_code=|"deviceCode"/);
  });

  it('tampers with roles, users and solutions', async () => {
    const token = (await adminSignIn(emulator)).accessToken;
    const api = webApi(emulator.orgUrl, token);
    expect((await control(emulator).delete(`orgs/contoso/roles/${DEFAULT_IDS.systemAdministratorRole}/privileges/prvReadSolution`)).status).to.equal(204);
    expect((await api.get('solutions')).status).to.equal(403);
    expect((await control(emulator).post(`orgs/contoso/roles/${DEFAULT_IDS.systemAdministratorRole}/privileges`, { name: 'prvReadSolution', level: 'Global' })).status).to.equal(204);
    expect((await control(emulator).post('orgs/contoso/solutions', { uniqueName: 'ContosoSecurityRoles', version: '3.0.0.0', managed: true })).status).to.equal(200);
    expect((await api.get('solutions', { params: { $select: 'uniquename,version,ismanaged', $filter: "uniquename eq 'ContosoSecurityRoles'" } })).data.value[0]).to.include({ uniquename: 'ContosoSecurityRoles', version: '3.0.0.0', ismanaged: true });

    emulator.grantConsent(emulator.tenantId, APP);
    const user = await control(emulator).post('orgs/contoso/systemusers', { applicationId: APP, businessUnitId: DEFAULT_IDS.childBusinessUnit });
    expect(user.status).to.equal(201);
    expect((await control(emulator).post(`orgs/contoso/systemusers/${user.data.systemuserid as string}/roles`, { roleId: DEFAULT_IDS.systemAdministratorRole })).status).to.equal(204);
    const appApi = webApi(emulator.orgUrl, await appToken(emulator, emulator.apps[0] as EmulatorApp));
    expect((await appApi.get('solutions')).status).to.equal(200);
    expect((await control(emulator).patch(`orgs/contoso/systemusers/${user.data.systemuserid as string}`, { isdisabled: true })).status).to.equal(200);
    expect((await appApi.get('WhoAmI')).data.error.code).to.equal('0x80040225');
    expect((await control(emulator).post('orgs/contoso/roles/nope/privileges', { name: 'prvReadSolution', level: 'Global' })).status).to.equal(404);
    expect((await control(emulator).post(`orgs/contoso/roles/${DEFAULT_IDS.basicUserRole}/privileges`, { name: 'prvNope', level: 'Global' })).status).to.equal(400);
  });

  it('approves device codes by user code and 404s unknown ones', async () => {
    expect((await control(emulator).post('device-codes/approve', { userCode: 'NOPE' })).status).to.equal(404);
    expect((await control(emulator).post('device-codes/approve', {})).status).to.equal(400);
  });

  it('answers unknown control routes with 501', async () => {
    expect((await control(emulator).get('nothing')).status).to.equal(501);
  });
});
