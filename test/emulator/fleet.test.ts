/** Fleet: a 1,000-org seed in 4 tenants, per-tenant admins, the Global Discovery Service, per-identity service protection across orgs. */
import { PublicClientApplication } from '@azure/msal-node';
import axios from 'axios';
import { expect } from 'chai';
import { emulatorMsalAuthority, fleetSeed, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ServiceProtection } from '../../src/emulator/service-protection.js';
import { control, webApi } from './helpers.js';

/** A device-code sign-in (auto-approved) at the tenant's authority, for one scope. */
async function signIn(emulator: RunningEmulator, tenantId: string, scope: string): Promise<{ accessToken: string; username: string }> {
  const pca = new PublicClientApplication({ auth: { clientId: emulator.adminClientId, ...emulatorMsalAuthority(emulator.authorityHost, tenantId) } });
  const result = await pca.acquireTokenByDeviceCode({ scopes: [scope], deviceCodeCallback: () => undefined });
  if (!result) throw new Error('msal returned no token');
  return { accessToken: result.accessToken, username: result.account?.username ?? '' };
}

function instances(emulator: RunningEmulator, token: string | undefined, path = 'Instances') {
  return axios.get(`${emulator.discoveryUrl}/api/discovery/v2.0/${path}`, { validateStatus: () => true, headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

describe('emulator: fleet', () => {
  describe('a 1,000-org seed in 4 tenants', () => {
    let emulator: RunningEmulator;
    let startMs: number;
    before(async () => {
      const started = performance.now();
      emulator = await startEmulator({ seed: fleetSeed({ tenants: 4, orgsPerTenant: 250 }) });
      startMs = performance.now() - started;
    });
    after(() => emulator.close());

    it('starts (sanity bound only) and serves WhoAmI in orgs of two tenants, each signed in as its own admin', async () => {
      expect(startMs).to.be.below(10_000);
      expect(emulator.orgs).to.have.length(1000);
      const t1 = emulator.orgs.find((o) => o.name === 't1-org1');
      const t3 = emulator.orgs.find((o) => o.name === 't3-org250');
      if (!t1 || !t3) throw new Error('missing fleet orgs');
      for (const [org, upn] of [[t1, 'admin@tenant1.example'], [t3, 'admin@tenant3.example']] as const) {
        const { accessToken, username } = await signIn(emulator, org.tenantId, `${org.url}/user_impersonation`);
        expect(username).to.equal(upn);
        const whoAmI = await webApi(org.url, accessToken).get('WhoAmI');
        expect(whoAmI.status).to.equal(200);
        expect(whoAmI.data.OrganizationId).to.equal(org.organizationId);
      }
    });

    it('discovery lists exactly the signed-in admin\'s tenant\'s orgs with the documented fields; $filter, keys and $select', async () => {
      const tenant2 = emulator.orgs.find((o) => o.name === 't2-org1')?.tenantId ?? '';
      const { accessToken } = await signIn(emulator, tenant2, `${emulator.discoveryUrl}/user_impersonation`);
      const all = await instances(emulator, accessToken);
      expect(all.status).to.equal(200);
      expect(all.data['@odata.context']).to.equal(`${emulator.discoveryUrl}/api/discovery/v2.0/$metadata#Instances`);
      const expected = emulator.orgs.filter((o) => o.tenantId === tenant2);
      expect(all.data.value.map((i: { UrlName: string }) => i.UrlName)).to.deep.equal(expected.map((o) => o.name));
      const first = all.data.value[0];
      expect(first).to.have.all.keys('ApiUrl', 'DatacenterId', 'DatacenterName', 'EnvironmentId', 'FriendlyName', 'Id', 'IsUserSysAdmin', 'LastUpdated', 'OrganizationType', 'Purpose', 'Region', 'SchemaType', 'State', 'StatusMessage', 'TenantId', 'TrialExpirationDate', 'UniqueName', 'UrlName', 'Version', 'Url');
      expect(first).to.include({ ApiUrl: expected[0]?.url, Url: expected[0]?.url, FriendlyName: 'Tenant 2 Org 1', Id: expected[0]?.organizationId, IsUserSysAdmin: true, State: 0, TenantId: tenant2, Region: 'NA', UrlName: 't2-org1' });
      expect(first.UniqueName).to.match(/^unq[0-9a-f]{32}$/).and.not.equal(first.UrlName);

      const filtered = await instances(emulator, accessToken, `Instances?$filter=UniqueName eq '${first.UniqueName}'&$select=ApiUrl,FriendlyName`);
      expect(filtered.status).to.equal(200);
      expect(filtered.data.value).to.deep.equal([{ ApiUrl: first.ApiUrl, FriendlyName: 'Tenant 2 Org 1' }]);
      expect(filtered.data['@odata.context']).to.match(/#Instances\(ApiUrl,FriendlyName\)$/);
      // Case-sensitive search strings (discovery-service.md).
      expect((await instances(emulator, accessToken, `Instances?$filter=UniqueName eq '${first.UniqueName.toUpperCase()}'`)).data.value).to.deep.equal([]);
      const byKey = await instances(emulator, accessToken, `Instances(UniqueName='${first.UniqueName}')`);
      expect(byKey.data.value.map((i: { Id: string }) => i.Id)).to.deep.equal([first.Id]);
      expect((await instances(emulator, accessToken, `Instances(${first.Id})`)).data.value).to.have.length(1);
      // Another tenant's org is not the user's.
      const other = await instances(emulator, accessToken, `Instances?$filter=UrlName eq 't1-org1'`);
      expect(other.data.value).to.deep.equal([]);
    });

    it('discovery refuses an org token (wrong audience) and no token with 401 and a bearer challenge', async () => {
      const org = emulator.orgs[0];
      if (!org) throw new Error('no org');
      const { accessToken } = await signIn(emulator, org.tenantId, `${org.url}/user_impersonation`);
      for (const token of [accessToken, undefined]) {
        const reply = await instances(emulator, token);
        expect(reply.status).to.equal(401);
        expect(reply.headers['www-authenticate']).to.equal(`Bearer authorization_uri=${emulator.url}/common/oauth2/authorize, resource_id=${emulator.discoveryUrl}/`);
      }
    });
  });

  describe('service protection across orgs', () => {
    let emulator: RunningEmulator;
    before(async () => {
      emulator = await startEmulator({ seed: fleetSeed({ tenants: 2, orgsPerTenant: 2 }), serviceProtection: { requests: 3, windowSeconds: 2 } });
    });
    after(() => emulator.close());

    it('one user\'s 4th request in the window, in another org, gets 429 0x80072322 with Retry-After; another user is not affected; the window drains', async () => {
      const [a1, a2, b1] = ['t1-org1', 't1-org2', 't2-org1'].map((name) => emulator.orgs.find((o) => o.name === name));
      if (!a1 || !a2 || !b1) throw new Error('missing fleet orgs');
      const tokenA1 = (await signIn(emulator, a1.tenantId, `${a1.url}/user_impersonation`)).accessToken;
      const tokenA2 = (await signIn(emulator, a2.tenantId, `${a2.url}/user_impersonation`)).accessToken;
      const tokenB = (await signIn(emulator, b1.tenantId, `${b1.url}/user_impersonation`)).accessToken;
      expect((await webApi(a1.url, tokenA1).get('WhoAmI')).status).to.equal(200);
      expect((await webApi(a2.url, tokenA2).get('WhoAmI')).status).to.equal(200);
      expect((await webApi(a1.url, tokenA1).get('WhoAmI')).status).to.equal(200);
      const refused = await webApi(a2.url, tokenA2).get('WhoAmI');
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 2);
      expect(refused.data.error).to.deep.equal({ code: '0x80072322', message: 'Number of requests exceeded the limit of 3 over time window of 2 seconds.' });
      expect((await webApi(b1.url, tokenB).get('WhoAmI')).status).to.equal(200);
      expect(emulator.log().filter((e) => e.throttle === 'requests').map((e) => [e.org, e.status])).to.deep.equal([['t1-org2', 429]]);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await webApi(a1.url, tokenA1).get('WhoAmI')).status).to.equal(200);
    });

    it('the control API reads and replaces the limits (null turns them off)', async () => {
      const api = control(emulator);
      expect((await api.get('service-protection')).data).to.deep.equal({ limits: { requests: 3, windowSeconds: 2 } });
      expect((await api.put('service-protection', 'null', { headers: { 'Content-Type': 'application/json' } })).status).to.equal(204);
      const org = emulator.orgs[0];
      if (!org) throw new Error('no org');
      const token = (await signIn(emulator, org.tenantId, `${org.url}/user_impersonation`)).accessToken;
      for (let i = 0; i < 5; i += 1) expect((await webApi(org.url, token).get('WhoAmI')).status).to.equal(200);
      expect((await api.put('service-protection', { requests: 'x' })).status).to.equal(400);
      expect((await api.put('service-protection', { requests: 1, windowSeconds: 300 })).status).to.equal(204);
      expect((await webApi(org.url, token).get('WhoAmI')).status).to.equal(200);
      expect((await webApi(org.url, token).get('WhoAmI')).status).to.equal(429);
      await api.post('reset');
      expect((await api.get('service-protection')).data).to.deep.equal({ limits: { requests: 3, windowSeconds: 2 } });
    });
  });

  // The emulator's handlers answer within one turn of the event loop, so concurrency is checked on the counter itself.
  it('the concurrent limit refuses while the identity has that many requests in flight (0x80072326, Retry-After 1)', () => {
    const protection = new ServiceProtection({ requests: 100, windowSeconds: 300, concurrent: 2 });
    const first = protection.admit('t/u');
    const second = protection.admit('t/u');
    const third = protection.admit('t/u');
    if (!('refused' in third) || 'refused' in first || 'refused' in second) throw new Error('expected the third to be refused');
    expect(third.kind).to.equal('concurrent');
    expect(third.refused.status).to.equal(429);
    expect(third.refused.headers).to.deep.equal({ 'Retry-After': '1' });
    expect(third.refused.body).to.deep.equal({ error: { code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 2.' } });
    expect('refused' in protection.admit('t/other')).to.equal(false);
    first.release();
    expect('refused' in protection.admit('t/u')).to.equal(false);
  });
});
