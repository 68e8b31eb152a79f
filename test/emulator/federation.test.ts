import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { promisify } from 'node:util';
import { ConfidentialClientApplication } from '@azure/msal-node';
import axios from 'axios';
import { expect } from 'chai';
import { emulatorMsalAuthority, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { control } from './helpers.js';
import { fakeAzDir, type FakeAzDir } from './support/fake-az.js';

const APP = '11111111-1111-4111-8111-111111111111';
const SUBJECT = 'repo:fabrikam/connector:environment:prod';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('emulator: workload identity federation and its OIDC issuer', () => {
  let emulator: RunningEmulator;
  const http = axios.create({ validateStatus: () => true });

  before(async () => {
    emulator = await startEmulator({ apps: [APP] });
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  async function oidcToken(subject = SUBJECT, audience?: string): Promise<string> {
    const response = await http.post(`${emulator.oidc.issuer}/token`, { subject, ...(audience ? { audience } : {}) });
    expect(response.status).to.equal(200);
    return response.data.token as string;
  }

  function exchange(assertion: string, tenant = emulator.isvTenantId) {
    return http.post(`${emulator.url}/${tenant}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'client_credentials', client_id: APP, scope: `${emulator.orgUrl}/.default`, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }));
  }

  it('publishes a discovery document and JWKS of its own key, and signs RS256 tokens with iss, sub, aud, iat, nbf, exp, jti', async () => {
    const discovery = (await http.get(`${emulator.oidc.issuer}/.well-known/openid-configuration`)).data as Record<string, unknown>;
    expect(discovery).to.include({ issuer: `${emulator.url}/_emulator/oidc`, jwks_uri: `${emulator.url}/_emulator/oidc/keys` });
    expect(discovery).to.include.keys('id_token_signing_alg_values_supported', 'subject_types_supported', 'response_types_supported', 'claims_supported');
    const token = await oidcToken();
    const [h, p, s] = token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string; kid: string };
    expect(header.alg).to.equal('RS256');
    const keys = (await http.get(discovery.jwks_uri as string)).data.keys as Array<{ kid: string }>;
    const jwk = keys.find((k) => k.kid === header.kid);
    expect(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(s, 'base64url'))).to.equal(true);
    const entraKeys = (await http.get(`${emulator.url}/${emulator.tenantId}/discovery/v2.0/keys`)).data.keys as Array<{ kid: string }>;
    expect(entraKeys.map((k) => k.kid)).to.not.include(header.kid);
    const c = claims(token);
    expect(c).to.include({ iss: emulator.oidc.issuer, sub: SUBJECT, aud: 'api://AzureADTokenExchange' });
    expect((c.exp as number) - (c.iat as number)).to.equal(600);
    expect(c).to.include.keys('nbf', 'jti');
    expect((await http.post(`${emulator.oidc.issuer}/token`, { audience: 'x' })).data.error).to.contain('"subject"');
  });

  it('answers the GitHub Actions token request with {count, value} only for the right bearer', async () => {
    const url = `${emulator.oidc.actionsRequestUrl}?subject=${encodeURIComponent(SUBJECT)}`;
    expect((await http.get(`${url}&audience=api://AzureADTokenExchange`)).status).to.equal(401);
    expect((await http.get(url, { headers: { Authorization: 'Bearer wrong' } })).status).to.equal(403);
    const info = (await control(emulator).get('oidc')).data as { actionsRequestToken: string };
    expect(info.actionsRequestToken).to.equal(emulator.oidc.actionsRequestToken);
    const response = await http.get(`${url}&audience=api://AzureADTokenExchangeUSGov`, { headers: { Authorization: `Bearer ${info.actionsRequestToken}` } });
    expect(response.data.count).to.equal(1);
    expect(claims(response.data.value as string)).to.include({ sub: SUBJECT, aud: 'api://AzureADTokenExchangeUSGov' });
  });

  it('exchanges a federated assertion through real msal-node (clientAssertion callback) once the credential exists', async () => {
    const cca = new ConfidentialClientApplication({ auth: { clientId: APP, ...emulatorMsalAuthority(emulator.authorityHost, emulator.isvTenantId), clientAssertion: () => oidcToken() } });
    const before = await exchange(await oidcToken());
    expect(before.data.error_codes).to.deep.equal([700211]);
    expect(before.status).to.equal(401);
    const created = await control(emulator).post(`apps/${APP}/federated-credentials`, { subject: SUBJECT });
    expect(created.status).to.equal(201);
    expect(created.data).to.deep.equal({ issuer: emulator.oidc.issuer, subject: SUBJECT, audiences: ['api://AzureADTokenExchange'] });
    const result = await cca.acquireTokenByClientCredential({ scopes: [`${emulator.orgUrl}/.default`] });
    expect(claims(result?.accessToken ?? '')).to.include({ appid: APP, appidacr: '2', idtyp: 'app', tid: emulator.isvTenantId });
    // The service-principal rule applies as for any credential.
    expect((await exchange(await oidcToken(), emulator.tenantId)).data.error_codes).to.deep.equal([7000229]);
  });

  it('refuses audience (700212), subject (700213), issuer with a trailing slash (700211), an unverifiable key (7000272) and an expired assertion (700024)', async () => {
    await control(emulator).post(`apps/${APP}/federated-credentials`, { subject: SUBJECT });
    expect((await exchange(await oidcToken(SUBJECT, 'api://other'))).data.error_codes).to.deep.equal([700212]);
    const subject = await exchange(await oidcToken('repo:fabrikam/connector:ref:refs/heads/main'));
    expect(subject.data.error_codes).to.deep.equal([700213]);
    expect(subject.data.error_description).to.contain("presented assertion subject 'repo:fabrikam/connector:ref:refs/heads/main'");
    await control(emulator).post(`apps/${APP}/federated-credentials`, { subject: SUBJECT, issuer: 'https://token.actions.githubusercontent.com' });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { signJwt } = await import('../../src/emulator/jwt.js');
    const now = Math.floor(Date.now() / 1000);
    const github = signJwt({ iss: 'https://token.actions.githubusercontent.com', sub: SUBJECT, aud: 'api://AzureADTokenExchange', iat: now, exp: now + 300 }, privateKey, { kid: 'gh-key' });
    expect((await exchange(github)).data.error_codes).to.deep.equal([7000272]);
    const slash = signJwt({ iss: 'https://token.actions.githubusercontent.com/', sub: SUBJECT, aud: 'api://AzureADTokenExchange', iat: now, exp: now + 300 }, privateKey);
    expect((await exchange(slash)).data.error_codes).to.deep.equal([700211]);
    const forged = signJwt({ iss: emulator.oidc.issuer, sub: SUBJECT, aud: 'api://AzureADTokenExchange', iat: now, exp: now + 300 }, privateKey, { kid: 'forged' });
    expect((await exchange(forged)).data.error_codes).to.deep.equal([7000272]);
    const ownToken = await oidcToken();
    const header = JSON.parse(Buffer.from(ownToken.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string };
    const badSignature = signJwt({ iss: emulator.oidc.issuer, sub: SUBJECT, aud: 'api://AzureADTokenExchange', iat: now, exp: now + 300 }, privateKey, { kid: header.kid });
    expect((await exchange(badSignature)).data.error_codes).to.deep.equal([7000272]);
    const expired = (await http.post(`${emulator.oidc.issuer}/token`, { subject: SUBJECT, lifetimeSeconds: -600 })).data.token as string;
    expect((await exchange(expired)).data.error_codes).to.deep.equal([700024]);
    expect(JSON.stringify(emulator.log())).to.not.contain(ownToken.slice(-20));
  });

  it('answers 70021 while a new credential propagates (option), then succeeds on retry; seeds carry credentials; the body is validated', async () => {
    const lagging = await startEmulator({
      federatedCredentialPropagationSeconds: 1,
      federatedSubjectMismatchCode: 70021,
      apps: [APP],
    });
    try {
      await control(lagging).post(`apps/${APP}/federated-credentials`, { subject: SUBJECT });
      const token = (await http.post(`${lagging.oidc.issuer}/token`, { subject: SUBJECT })).data.token as string;
      const send = (assertion: string) => http.post(`${lagging.url}/${lagging.isvTenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'client_credentials', client_id: APP, scope: `${lagging.orgUrl}/.default`, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }));
      const first = await send(token);
      expect(first.data.error_codes).to.deep.equal([70021]);
      expect(first.data.error_description).to.contain(`Assertion Issuer: '${lagging.oidc.issuer}'. Assertion Subject: '${SUBJECT}'. Assertion Audience: 'api://AzureADTokenExchange'.`);
      const other = (await http.post(`${lagging.oidc.issuer}/token`, { subject: 'repo:x/y:pull_request' })).data.token as string;
      expect((await send(other)).data.error_codes).to.deep.equal([70021]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await send(token)).status).to.equal(200);
    } finally {
      await lagging.close();
    }
    expect((await control(emulator).post(`apps/${APP}/federated-credentials`, {})).data.error).to.contain('"subject"');
    expect((await control(emulator).post(`apps/${APP}/federated-credentials`, { subject: 's', issuer: 'not a url' })).data.error).to.contain('"issuer"');
    expect((await control(emulator).post(`apps/${APP}/federated-credentials`, { subject: 's', audiences: ['x'] })).status).to.equal(400);
    expect((await control(emulator).post('apps/99999999-9999-4999-8999-999999999999/federated-credentials', { subject: 's' })).status).to.equal(404);
    const seeded = await startEmulator({
      seed: { ...(await import('../../src/emulator/index.js')).defaultSeed(), apps: [{ clientId: APP, name: 'Seeded', homeTenantId: '00000000-0000-4000-8000-0000000000a1', multiTenant: true, federatedCredentials: [{ subject: SUBJECT }] }] },
    });
    try {
      const token = (await http.post(`${seeded.oidc.issuer}/token`, { subject: SUBJECT })).data.token as string;
      const ok = await http.post(`${seeded.url}/${seeded.isvTenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'client_credentials', client_id: APP, scope: `${seeded.orgUrl}/.default`, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: token }));
      expect(ok.status).to.equal(200);
    } finally {
      await seeded.close();
    }
  });
});

describe('emulator: Azure CLI token source and the test `az`', () => {
  let emulator: RunningEmulator;
  let az: FakeAzDir;
  const run = promisify(execFile);

  before(async () => {
    emulator = await startEmulator();
    az = await fakeAzDir();
  });
  afterEach(() => emulator.reset());
  after(async () => {
    await az.remove();
    await emulator.close();
  });

  async function azCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('az', args, { env: az.env(emulator.url) });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('prints az\'s JSON for `az account get-access-token --resource <org>` found first on PATH', async () => {
    const result = await azCli(['account', 'get-access-token', '--resource', emulator.orgUrl, '--output', 'json']);
    expect(result.code).to.equal(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).to.have.keys('accessToken', 'expiresOn', 'expires_on', 'subscription', 'tenant', 'tokenType');
    expect(json.tokenType).to.equal('Bearer');
    expect(json.tenant).to.equal(emulator.tenantId);
    expect(json.expiresOn).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(Math.abs((json.expires_on as number) - (Date.now() / 1000 + 3599))).to.be.lessThan(5);
    expect(new Date((json.expiresOn as string).replace(' ', 'T')).getTime() / 1000).to.be.closeTo(json.expires_on as number, 1);
    expect(claims(json.accessToken as string)).to.include({ aud: emulator.orgUrl, upn: emulator.adminUsername, appid: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' });
    const withTenant = await azCli(['account', 'get-access-token', '--resource', `${emulator.orgUrl}/`, '--tenant', 'contoso.example']);
    expect(withTenant.code).to.equal(0);
  });

  it('fails like az: logged out, unknown resource (AADSTS500011), another tenant (AADSTS50020)', async () => {
    const unknown = await azCli(['account', 'get-access-token', '--resource', 'https://nowhere.crm.dynamics.com']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/^ERROR: AADSTS500011: The resource principal named https:\/\/nowhere\.crm\.dynamics\.com was not found/);
    expect((await azCli(['account', 'get-access-token', '--resource', emulator.orgUrl, '--tenant', emulator.isvTenantId])).stderr).to.contain('AADSTS50020');
    expect((await control(emulator).put('azure-cli', { upn: 'ghost@contoso.example' })).status).to.equal(400);
    expect((await control(emulator).put('azure-cli', { upn: null })).data).to.deep.equal({ upn: null });
    const out = await azCli(['account', 'get-access-token', '--resource', emulator.orgUrl]);
    expect(out).to.include({ code: 1, stdout: '' });
    expect(out.stderr).to.equal("ERROR: Please run 'az login' to setup account.\n");
    const direct = await axios.get(`${emulator.azureCliTokenUrl}?resource=${encodeURIComponent(emulator.orgUrl)}`, { validateStatus: () => true });
    expect(direct.status).to.equal(401);
    await control(emulator).put('azure-cli', { upn: 'ADMIN@contoso.example' });
    expect((await azCli(['account', 'get-access-token', '--resource', emulator.orgUrl])).code).to.equal(0);
  });
});
