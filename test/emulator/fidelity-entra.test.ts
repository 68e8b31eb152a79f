/** The Entra side of ../shared/reference/fidelity-audit.md (#4, #5, #7, #8), with real msal-node and axios. */
import { PublicClientApplication } from '@azure/msal-node';
import axios from 'axios';
import { expect } from 'chai';
import { ADMIN_PUBLIC_CLIENT_ID, DEFAULT_IDS, defaultSeed, emulatorMsalAuthority, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { appToken, control, confidentialClient } from './helpers.js';

const ISV_APP = '71717171-7171-4717-8717-717171717171';
const PUBLIC_APP = '72727272-7272-4727-8727-727272727272';

async function msalError(promise: Promise<unknown>): Promise<{ errorNo?: string; errorCode: string; errorMessage: string }> {
  try {
    await promise;
  } catch (error) {
    // msal's device-code poller reports the AADSTS number only inside the message.
    const e = error as { errorNo?: unknown; errorCode: string; errorMessage: string };
    const errorNo = e.errorNo === undefined ? /AADSTS(\d+)/.exec(e.errorMessage)?.[1] : String(e.errorNo);
    return { errorCode: e.errorCode, errorMessage: e.errorMessage, ...(errorNo === undefined ? {} : { errorNo }) };
  }
  throw new Error('expected msal to fail');
}

function signIn(emulator: RunningEmulator, clientId: string, scope: string, tenant = 'organizations') {
  const pca = new PublicClientApplication({ auth: { clientId, ...emulatorMsalAuthority(emulator.authorityHost, tenant) } });
  return pca.acquireTokenByDeviceCode({ scopes: [scope], deviceCodeCallback: () => undefined });
}

/** The device-code flow over plain HTTP (msal's poller hides the AADSTS number): the token endpoint's answer. */
async function deviceCodeToken(emulator: RunningEmulator, clientId: string, scope: string): Promise<{ status: number; data: { error_codes?: number[]; error?: string; access_token?: string } }> {
  const base = `${emulator.authorityHost}/organizations/oauth2/v2.0`;
  const issued = await axios.post(`${base}/devicecode`, new URLSearchParams({ client_id: clientId, scope }));
  return axios.post(`${base}/token`, new URLSearchParams({ grant_type: 'device_code', client_id: clientId, device_code: issued.data.device_code as string }), { validateStatus: () => true });
}

async function deviceCodeError(emulator: RunningEmulator, clientId: string, scope: string): Promise<number | undefined> {
  return (await deviceCodeToken(emulator, clientId, scope)).data.error_codes?.[0];
}

function seedWithPublicApp(extra: { staticDataversePermission?: boolean } = {}) {
  const seed = defaultSeed();
  seed.apps.push({ clientId: PUBLIC_APP, name: 'Fabrikam Admin Tool', homeTenantId: DEFAULT_IDS.isvTenant, multiTenant: true, publicClient: true, ...extra });
  return seed;
}

describe('emulator: Entra behaviour as Microsoft documents it (fidelity audit)', () => {
  let emulator: RunningEmulator;
  const start = async (options: EmulatorOptions = {}) => {
    emulator = await startEmulator({ apps: [ISV_APP], ...options });
    return emulator;
  };
  afterEach(() => emulator.close());

  describe('#4 the admin public client', () => {
    it('is a registered multi-tenant public client with no service principal until the first sign-in consents', async () => {
      await start();
      expect(emulator.adminClientId).to.equal(ADMIN_PUBLIC_CLIENT_ID);
      expect(emulator.state.app(ADMIN_PUBLIC_CLIENT_ID)).to.include({ multiTenant: true, publicClient: true });
      expect(emulator.state.servicePrincipal(emulator.tenantId, ADMIN_PUBLIC_CLIENT_ID)).to.equal(undefined);
      const result = await signIn(emulator, ADMIN_PUBLIC_CLIENT_ID, `${emulator.orgUrl}/user_impersonation`);
      expect(result?.account?.tenantId).to.equal(emulator.tenantId);
      expect(emulator.state.servicePrincipal(emulator.tenantId, ADMIN_PUBLIC_CLIENT_ID)).to.not.equal(undefined);
    });

    it('refuses device code for an app without public client flows with 400 invalid_client AADSTS7000218', async () => {
      await start();
      const issued = await axios.post(`${emulator.authorityHost}/organizations/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: ISV_APP, scope: `${emulator.orgUrl}/user_impersonation` }));
      const token = await axios.post(`${emulator.authorityHost}/organizations/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'device_code', client_id: ISV_APP, device_code: issued.data.device_code as string }), { validateStatus: () => true });
      expect(token.status).to.equal(400);
      expect(token.data.error).to.equal('invalid_client');
      expect(token.data.error_codes).to.deep.equal([7000218]);
      expect((await control(emulator).patch(`apps/${ISV_APP}`, { publicClient: true })).status).to.equal(200);
      const again = await axios.post(`${emulator.authorityHost}/organizations/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: ISV_APP, scope: `${emulator.orgUrl}/user_impersonation` }));
      const ok = await axios.post(`${emulator.authorityHost}/organizations/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'device_code', client_id: ISV_APP, device_code: again.data.device_code as string }), { validateStatus: () => true });
      expect(ok.status).to.equal(200);
    });

    it('refuses the sign-in when user consent is disabled (65001) or needs admin approval (90094); admin consent lifts it', async () => {
      await start();
      const scope = `${emulator.orgUrl}/user_impersonation`;
      expect((await control(emulator).put(`tenants/${emulator.tenantId}/policies`, { userConsent: 'deny' })).status).to.equal(200);
      expect(await deviceCodeError(emulator, ADMIN_PUBLIC_CLIENT_ID, scope)).to.equal(65001);
      await control(emulator).put('tenants/contoso.example/policies', { userConsent: 'admin-approval' });
      expect(await deviceCodeError(emulator, ADMIN_PUBLIC_CLIENT_ID, scope)).to.equal(90094);
      emulator.grantConsent(emulator.tenantId, ADMIN_PUBLIC_CLIENT_ID);
      expect((await signIn(emulator, ADMIN_PUBLIC_CLIENT_ID, scope))?.accessToken).to.be.a('string');
      expect((await control(emulator).put(`tenants/${emulator.tenantId}/policies`, { userConsent: 'sometimes' })).status).to.equal(400);
    });

    it('blocks device code by Conditional Access (53003) and requires MFA (50076), from the control API or the seed', async () => {
      await start();
      const scope = `${emulator.orgUrl}/user_impersonation`;
      await control(emulator).put(`tenants/${emulator.tenantId}/policies`, { blockDeviceCode: true });
      expect(await deviceCodeError(emulator, ADMIN_PUBLIC_CLIENT_ID, scope)).to.equal(53003);
      await control(emulator).put(`tenants/${emulator.tenantId}/policies`, { blockDeviceCode: false, requireMfa: true });
      expect(await deviceCodeError(emulator, ADMIN_PUBLIC_CLIENT_ID, scope)).to.equal(50076);
      await emulator.close();
      const seed = defaultSeed();
      seed.tenants[1]!.policies = { blockDeviceCode: true };
      await start({ seed });
      expect(await deviceCodeError(emulator, ADMIN_PUBLIC_CLIENT_ID, `${emulator.orgUrl}/user_impersonation`)).to.equal(53003);
    });

    it('requires public client flows for refresh too', async () => {
      await start({ seed: seedWithPublicApp({ staticDataversePermission: true }) });
      const issued = await signIn(emulator, PUBLIC_APP, `${emulator.orgUrl}/user_impersonation`);
      expect(issued?.accessToken).to.be.a('string');
      const refreshToken = [...emulator.state.data.refreshTokens].find(([, r]) => r.clientId === PUBLIC_APP)?.[0] ?? '';
      await control(emulator).patch(`apps/${PUBLIC_APP}`, { publicClient: false });
      const refreshed = await axios.post(`${emulator.authorityHost}/organizations/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'refresh_token', client_id: PUBLIC_APP, refresh_token: refreshToken, scope: `${emulator.orgUrl}/user_impersonation` }), { validateStatus: () => true });
      expect(refreshed.data.error_codes).to.deep.equal([7000218]);
    });
  });

  describe('#5 delegated scopes', () => {
    it('gives a public client without a static Dataverse permission a token for user_impersonation, not for .default (650057)', async () => {
      await start({ seed: seedWithPublicApp() });
      expect((await signIn(emulator, PUBLIC_APP, `${emulator.orgUrl}/user_impersonation`))?.accessToken).to.be.a('string');
      const refused = await deviceCodeToken(emulator, PUBLIC_APP, `${emulator.orgUrl}/.default`);
      expect(refused.status).to.equal(400);
      expect(refused.data.error_codes).to.deep.equal([650057]);
      expect((await signIn(emulator, ADMIN_PUBLIC_CLIENT_ID, `${emulator.orgUrl}/.default`))?.accessToken).to.be.a('string');
    });

    it('answers 65001 instead when configured', async () => {
      await start({ seed: seedWithPublicApp(), defaultScopeWithoutPermissionCode: 65001 });
      expect(await deviceCodeError(emulator, PUBLIC_APP, `${emulator.orgUrl}/.default`)).to.equal(65001);
    });

    it('still wants exactly one /.default scope for client credentials', async () => {
      await start();
      emulator.grantConsent(emulator.tenantId, ISV_APP);
      const app = emulator.apps.find((a) => a.clientId === ISV_APP)!;
      const error = await msalError(confidentialClient(emulator, app, emulator.tenantId).acquireTokenByClientCredential({ scopes: [`${emulator.orgUrl}/user_impersonation`] }));
      expect(error.errorNo).to.equal('70011');
    });
  });

  describe('#7 admin consent redirect_uri', () => {
    const consent = (params: Record<string, string>) => axios.get(`${emulator.authorityHost}/${emulator.tenantId}/adminconsent`, { params: { client_id: ISV_APP, ...params }, maxRedirects: 0, validateStatus: () => true });

    it('records consent, then answers 500113 when the app has no reply address and none is sent', async () => {
      await start();
      const response = await consent({});
      expect(response.status).to.equal(400);
      expect(response.data.error_codes).to.deep.equal([500113]);
      expect(response.data.error_description).to.match(/^AADSTS500113: No reply address is registered for the application\./);
      expect(emulator.state.servicePrincipal(emulator.tenantId, ISV_APP)).to.not.equal(undefined);
    });

    it('refuses an unregistered redirect_uri with 50011: no consent, no redirect', async () => {
      await start();
      const response = await consent({ redirect_uri: 'https://evil.example/cb' });
      expect(response.status).to.equal(400);
      expect(response.headers.location).to.equal(undefined);
      expect(response.data.error_codes).to.deep.equal([50011]);
      expect(emulator.state.servicePrincipal(emulator.tenantId, ISV_APP)).to.equal(undefined);
    });

    it('redirects to a registered URI (given, or the first one when none is sent)', async () => {
      await start({ apps: [{ clientId: ISV_APP, redirectUris: ['https://isv.example/consent'] }] });
      const given = await consent({ redirect_uri: 'https://isv.example/consent', state: 's' });
      expect(given.status).to.equal(302);
      expect(new URL(given.headers.location as string).searchParams.get('admin_consent')).to.equal('True');
      emulator.revokeConsent(emulator.tenantId, ISV_APP);
      const omitted = await consent({});
      expect(omitted.status).to.equal(302);
      expect((omitted.headers.location as string).startsWith('https://isv.example/consent?')).to.equal(true);
    });
  });

  describe('#8 client-credentials check order', () => {
    const withoutCredential = () => axios.post(`${emulator.authorityHost}/${emulator.tenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'client_credentials', client_id: ISV_APP, scope: `${emulator.orgUrl}/.default` }), { validateStatus: () => true });

    it('by default checks the service principal first: 7000229 without a credential', async () => {
      await start();
      expect((await withoutCredential()).data.error_codes).to.deep.equal([7000229]);
      emulator.grantConsent(emulator.tenantId, ISV_APP);
      expect((await withoutCredential()).data.error_codes).to.deep.equal([7000218]);
    });

    it('with credential-first answers 7000218 even when the service principal is missing', async () => {
      await start({ clientCredentialsCheckOrder: 'credential-first' });
      expect((await withoutCredential()).data.error_codes).to.deep.equal([7000218]);
      const app = emulator.apps.find((a) => a.clientId === ISV_APP)!;
      expect((await msalError(appToken(emulator, app))).errorNo).to.equal('7000229');
    });
  });
});
