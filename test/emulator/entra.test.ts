import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import axios from 'axios';
import { expect } from 'chai';
import { emulatorMsalAuthority as msalAuthorityConfig } from '../../src/emulator/index.js';
import { startEmulator, type EmulatorApp, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, appToken, confidentialClient, control } from './helpers.js';

const APP = '11111111-1111-4111-8111-111111111111';
const SINGLE = '22222222-2222-4222-8222-222222222222';
const UNKNOWN = '99999999-9999-4999-8999-999999999999';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function msalError(promise: Promise<unknown>): Promise<{ errorCode: string; errorNo?: string; status?: number; errorMessage: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { errorCode: string; errorNo?: unknown; status?: number; errorMessage: string };
    return { errorCode: e.errorCode, errorMessage: e.errorMessage, ...(e.status === undefined ? {} : { status: e.status }), ...(e.errorNo === undefined ? {} : { errorNo: String(e.errorNo) }) };
  }
  throw new Error('expected msal to fail');
}

describe('emulator: Entra ID endpoints with real msal-node', () => {
  let emulator: RunningEmulator;
  let app: EmulatorApp;

  before(async () => {
    emulator = await startEmulator({
      seed: {
        tenants: [
          { id: '00000000-0000-4000-8000-0000000000a1', name: 'ISV', domain: 'isv.example', kind: 'isv' },
          { id: '00000000-0000-4000-8000-0000000000b1', name: 'Contoso', domain: 'contoso.example', kind: 'subscriber' },
        ],
        apps: [
          { clientId: APP, name: 'Fabrikam Sync', homeTenantId: '00000000-0000-4000-8000-0000000000a1', multiTenant: true, redirectUris: ['https://isv.example/consent'] },
          { clientId: SINGLE, name: 'Single tenant', homeTenantId: '00000000-0000-4000-8000-0000000000a1', multiTenant: false },
        ],
        servicePrincipals: [],
        users: [{ objectId: '00000000-0000-4000-8000-0000000000e2', tenantId: '00000000-0000-4000-8000-0000000000b1', upn: 'admin@contoso.example', displayName: 'Contoso Admin' }],
        orgs: [
          {
            name: 'contoso',
            tenantId: '00000000-0000-4000-8000-0000000000b1',
            organizationId: '00000000-0000-4000-8000-0000000000c1',
            businessUnit: { id: '00000000-0000-4000-8000-0000000000c2', name: 'contoso' },
            roles: [{ id: '00000000-0000-4000-8000-0000000000d1', name: 'System Administrator', privileges: 'all' }],
            users: [{ id: '00000000-0000-4000-8000-0000000000e1', fullName: 'Admin', entraObjectId: '00000000-0000-4000-8000-0000000000e2', roles: ['00000000-0000-4000-8000-0000000000d1'] }],
          },
        ],
        admin: { upn: 'admin@contoso.example' },
      },
    });
    const found = emulator.apps.find((a) => a.clientId === APP);
    if (!found) throw new Error('app missing');
    app = found;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  it('issues certificates that node:crypto parses, with the sha256 thumbprint msal expects', () => {
    const certificate = new X509Certificate(app.certificatePem);
    expect(certificate.subject).to.contain('CN=Fabrikam Sync');
    expect(certificate.fingerprint256.replace(/:/g, '').toLowerCase()).to.equal(app.thumbprintSha256);
    expect(certificate.verify(certificate.publicKey)).to.equal(true);
  });

  it('gives a client-credentials token for a client secret in the app home tenant, reaching the emulator', async () => {
    emulator.clearLog();
    const token = await appToken(emulator, app, emulator.isvTenantId, 'secret', emulator.orgUrl);
    const c = claims(token);
    expect(c).to.include({ aud: emulator.orgUrl, tid: emulator.isvTenantId, appid: APP, azp: APP, idtyp: 'app' });
    expect(c).to.not.have.property('scp');
    expect(typeof c.oid).to.equal('string');
    expect((c.exp as number) - (c.iat as number)).to.equal(3599);
    const entries = emulator.log().filter((e) => e.kind === 'entra');
    expect(entries.map((e) => `${e.method} ${e.path}`)).to.deep.equal([`POST /${emulator.isvTenantId}/oauth2/v2.0/token`]);
    expect(entries[0]?.caller).to.deep.equal({ appId: APP });
    expect(JSON.stringify(emulator.log())).to.not.contain(app.clientSecret);
  });

  it('signs access tokens with RS256 and publishes the key in the tenant JWKS and discovery document', async () => {
    const token = await appToken(emulator, app, emulator.isvTenantId);
    const [h, p, s] = token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string; kid: string };
    expect(header.alg).to.equal('RS256');
    const discovery = await axios.get(`${emulator.authorityHost}/${emulator.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(discovery.data.token_endpoint).to.equal(`${emulator.authorityHost}/${emulator.tenantId}/oauth2/v2.0/token`);
    expect(discovery.data.issuer).to.equal(`${emulator.authorityHost}/${emulator.tenantId}/v2.0`);
    const keys = await axios.get(discovery.data.jwks_uri as string);
    const jwk = (keys.data.keys as Array<{ kid: string }>).find((k) => k.kid === header.kid);
    expect(jwk).to.not.equal(undefined);
    const key = createPublicKey({ key: jwk as never, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).to.equal(true);
  });

  /** A client-credentials token for APP, signed with the given key under the given certificate thumbprint. */
  function certificateToken(thumbprintSha256: string, privateKey: string) {
    const cca = new ConfidentialClientApplication({
      auth: { clientId: APP, ...msalAuthorityConfig(emulator.authorityHost, emulator.isvTenantId), clientCertificate: { thumbprintSha256, privateKey } },
    });
    return cca.acquireTokenByClientCredential({ scopes: [`${emulator.orgUrl}/.default`] });
  }

  it('accepts a certificate assertion (PS256 + x5t#S256) from msal-node', async () => {
    const token = await appToken(emulator, app, emulator.isvTenantId, 'certificate');
    expect(claims(token)).to.include({ appid: APP, appidacr: '2' });
  });

  it('rejects an assertion signed by another key with AADSTS700027', async () => {
    const other = emulator.apps.find((a) => a.clientId === SINGLE) as EmulatorApp;
    const error = await msalError(certificateToken(app.thumbprintSha256, other.privateKeyPem));
    expect(error.errorCode).to.equal('invalid_client');
    expect(error.errorNo).to.equal('700027');
  });

  it('rejects an assertion for an unregistered certificate with AADSTS700027 naming the key', async () => {
    const other = emulator.apps.find((a) => a.clientId === SINGLE) as EmulatorApp;
    const error = await msalError(certificateToken(other.thumbprintSha256, other.privateKeyPem));
    expect(error.errorNo).to.equal('700027');
    expect(error.errorMessage).to.contain('The key was not found');
  });

  it('answers a bad secret with AADSTS7000215 (401 invalid_client)', async () => {
    const cca = new ConfidentialClientApplication({ auth: { clientId: APP, ...msalAuthorityConfig(emulator.authorityHost, emulator.isvTenantId), clientSecret: 'wrong' } });
    const error = await msalError(cca.acquireTokenByClientCredential({ scopes: [`${emulator.orgUrl}/.default`] }));
    expect(error).to.include({ errorCode: 'invalid_client', errorNo: '7000215', status: 401 });
  });

  it('answers AADSTS7000229 (401) for a multi-tenant app with no service principal in the tenant, then succeeds after consent', async () => {
    const error = await msalError(appToken(emulator, app, emulator.tenantId));
    expect(error).to.include({ errorCode: 'invalid_client', errorNo: '7000229', status: 401 });
    expect(error.errorMessage).to.contain(`missing service principal in the tenant ${emulator.tenantId}`);
    emulator.grantConsent(emulator.tenantId, APP);
    expect(claims(await appToken(emulator, app, emulator.tenantId))).to.include({ tid: emulator.tenantId });
    emulator.revokeConsent(emulator.tenantId, APP);
    expect((await msalError(appToken(emulator, app, emulator.tenantId))).errorNo).to.equal('7000229');
  });

  it('answers AADSTS700016 (400 unauthorized_client) for an unknown client id and for a single-tenant app elsewhere', async () => {
    const unknown = { ...app, clientId: UNKNOWN };
    const error = await msalError(appToken(emulator, unknown, emulator.tenantId));
    expect(error).to.include({ errorCode: 'unauthorized_client', errorNo: '700016', status: 400 });
    const single = emulator.apps.find((a) => a.clientId === SINGLE) as EmulatorApp;
    expect((await msalError(appToken(emulator, single, emulator.tenantId))).errorNo).to.equal('700016');
  });

  it('answers AADSTS90002 for an unknown tenant and accepts a tenant domain', async () => {
    const error = await msalError(appToken(emulator, app, '00000000-0000-4000-8000-00000000ffff'));
    expect(error.errorNo).to.equal('90002');
    expect(claims(await appToken(emulator, app, 'isv.example'))).to.include({ tid: emulator.isvTenantId });
  });

  it('answers AADSTS500011 for a resource that is not an org of the emulator', async () => {
    const error = await msalError(appToken(emulator, app, emulator.isvTenantId, 'secret', `${emulator.url}/orgs/nowhere`));
    expect(error.errorNo).to.equal('500011');
  });

  it('accepts the `{orgUrl}//.default` form; the audience stays the org URL', async () => {
    const result = await confidentialClient(emulator, app, emulator.isvTenantId).acquireTokenByClientCredential({ scopes: [`${emulator.orgUrl}//.default`] });
    expect(claims(result?.accessToken ?? '')).to.include({ aud: emulator.orgUrl });
  });

  it('sends the real AADSTS body shape', async () => {
    const response = await axios.post(`${emulator.authorityHost}/${emulator.isvTenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'client_credentials', client_id: APP, client_secret: 'bad', scope: `${emulator.orgUrl}/.default` }), { validateStatus: () => true });
    expect(response.status).to.equal(401);
    expect(response.data).to.have.keys('error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id', 'error_uri');
    expect(response.data.error_description).to.match(/^AADSTS7000215: .* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(response.data.error_codes).to.deep.equal([7000215]);
  });

  it('signs the admin in with device code (auto-approved), with scp, oid and an msal account', async () => {
    const result = await adminSignIn(emulator);
    const c = claims(result.accessToken);
    expect(c).to.include({ aud: emulator.orgUrl, scp: 'user_impersonation', upn: 'admin@contoso.example', tid: emulator.tenantId, appid: emulator.adminClientId });
    expect(result.account?.username).to.equal('admin@contoso.example');
    expect(result.account?.tenantId).to.equal(emulator.tenantId);
  });

  it('refuses a device-code sign-in at a tenant the user does not belong to (AADSTS50020)', async () => {
    const error = await msalError(adminSignIn(emulator, undefined, emulator.isvTenantId));
    expect(error.errorMessage).to.contain('invalid_grant');
    const issued = await axios.post(`${emulator.authorityHost}/${emulator.isvTenantId}/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: emulator.adminClientId, scope: `${emulator.orgUrl}/.default` }));
    const token = await axios.post(`${emulator.authorityHost}/${emulator.isvTenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'device_code', client_id: emulator.adminClientId, device_code: issued.data.device_code as string }), { validateStatus: () => true });
    expect(token.data.error_codes).to.deep.equal([50020]);
    const result = await adminSignIn(emulator, undefined, 'contoso.example');
    expect(result.account?.tenantId).to.equal(emulator.tenantId);
  });

  it('answers authorization_pending until the code is approved through the control API, for both grant_type spellings', async () => {
    const manual = await startEmulator({ autoApproveDeviceCodes: false });
    try {
      const codes: string[] = [];
      const signIn = adminSignIn(manual, (code) => {
        codes.push(code);
        setTimeout(() => void control(manual).post('device-codes/approve', { userCode: code }), 50);
      });
      const result = await signIn;
      expect(result.account?.username).to.equal('admin@contoso.example');
      const polls = manual.log().filter((e) => e.path.endsWith('/oauth2/v2.0/token'));
      expect(polls.map((p) => p.status)).to.deep.equal([400, 200]);

      const issued = await axios.post(`${manual.authorityHost}/organizations/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: manual.adminClientId, scope: `${manual.orgUrl}/.default openid profile offline_access` }));
      const poll = () =>
        axios.post(`${manual.authorityHost}/organizations/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: manual.adminClientId, device_code: issued.data.device_code as string }), { validateStatus: () => true });
      const pending = await poll();
      expect(pending.data).to.include({ error: 'authorization_pending' });
      expect(pending.data.error_codes).to.deep.equal([70016]);
      expect(issued.data).to.include({ interval: 1 });
      expect((await control(manual).post('device-codes/deny', { userCode: issued.data.user_code })).status).to.equal(204);
      expect((await poll()).data).to.include({ error: 'authorization_declined' });
      expect((await poll()).data).to.include({ error: 'bad_verification_code' });
    } finally {
      await manual.close();
    }
  });

  it('records admin consent (v1 and v2) and redirects with admin_consent=True, tenant and state', async () => {
    const v1 = await axios.get(`${emulator.authorityHost}/${emulator.tenantId}/adminconsent`, { params: { client_id: APP, state: 's1', redirect_uri: 'https://isv.example/consent' }, maxRedirects: 0, validateStatus: () => true });
    expect(v1.status).to.equal(302);
    const location = new URL(v1.headers.location as string);
    expect(location.origin + location.pathname).to.equal('https://isv.example/consent');
    expect(Object.fromEntries(location.searchParams)).to.deep.equal({ admin_consent: 'True', tenant: emulator.tenantId, state: 's1' });
    expect(claims(await appToken(emulator, app, emulator.tenantId))).to.include({ tid: emulator.tenantId });

    emulator.reset();
    const v2 = await axios.get(`${emulator.authorityHost}/organizations/v2.0/adminconsent`, { params: { client_id: APP, state: 's2', redirect_uri: 'https://isv.example/consent', scope: `${emulator.orgUrl}/.default` }, maxRedirects: 0, validateStatus: () => true });
    const params = new URL(v2.headers.location as string).searchParams;
    expect(params.get('tenant')).to.equal(emulator.tenantId);
    expect(params.get('scope')).to.equal(`${emulator.orgUrl}/.default`);
    expect(emulator.state.servicePrincipal(emulator.tenantId, APP)).to.not.equal(undefined);
  });

  it('redirects an unknown app consent with the real error', async () => {
    const response = await axios.get(`${emulator.authorityHost}/${emulator.tenantId}/adminconsent`, { params: { client_id: UNKNOWN, state: 'x', redirect_uri: 'https://isv.example/consent' }, maxRedirects: 0, validateStatus: () => true });
    expect(response.status).to.equal(302);
    const params = new URL(response.headers.location as string).searchParams;
    expect(params.get('error')).to.equal('unauthorized_client');
    expect(params.get('error_description')).to.match(/^AADSTS700016: /);
    expect(params.get('state')).to.equal('x');
  });
});
