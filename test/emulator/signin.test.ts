import { createHash, randomBytes } from 'node:crypto';
import { PublicClientApplication } from '@azure/msal-node';
import axios from 'axios';
import { expect } from 'chai';
import { emulatorMsalAuthority, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { control } from './helpers.js';

const ISV = '00000000-0000-4000-8000-0000000000a1';
const CONTOSO = '00000000-0000-4000-8000-0000000000b1';
const NATIVE = '33333333-3333-4333-8333-333333333333';
const WEB = '44444444-4444-4444-8444-444444444444';
const BARE = '55555555-5555-4555-8555-555555555555';

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Hidden inputs of a form_post page, read as a plain HTTP client would. */
function hiddenFields(html: string): Record<string, string> {
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)" \/>/g)].map((m) => [unescape(m[1] ?? ''), unescape(m[2] ?? '')]));
}

function formAction(html: string): string {
  return /<form method="POST"[^>]* action="([^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('emulator: browser sign-in (authorize endpoint, authorization_code grant)', () => {
  let emulator: RunningEmulator;
  const http = axios.create({ validateStatus: () => true, maxRedirects: 0 });

  before(async () => {
    emulator = await startEmulator({
      seed: {
        tenants: [
          { id: ISV, name: 'ISV', domain: 'isv.example', kind: 'isv' },
          { id: CONTOSO, name: 'Contoso', domain: 'contoso.example', kind: 'subscriber' },
        ],
        apps: [
          { clientId: NATIVE, name: 'Fabrikam Desktop', homeTenantId: ISV, multiTenant: true, redirectUris: ['http://localhost', 'http://127.0.0.1/cb'] },
          { clientId: WEB, name: 'Fabrikam Web', homeTenantId: ISV, multiTenant: true, redirectUris: ['https://isv.example/signin'], secret: 'web-secret' },
          { clientId: BARE, name: 'No redirect', homeTenantId: ISV, multiTenant: true },
        ],
        servicePrincipals: [],
        users: [
          { objectId: '00000000-0000-4000-8000-0000000000e2', tenantId: CONTOSO, upn: 'admin@contoso.example', displayName: 'Contoso Admin' },
          { objectId: '00000000-0000-4000-8000-0000000000e3', tenantId: ISV, upn: 'dev@isv.example', displayName: 'ISV Dev' },
        ],
        orgs: [
          {
            name: 'contoso',
            tenantId: CONTOSO,
            organizationId: '00000000-0000-4000-8000-0000000000c1',
            businessUnit: { id: '00000000-0000-4000-8000-0000000000c2', name: 'contoso' },
            roles: [{ id: '00000000-0000-4000-8000-0000000000d1', name: 'System Administrator', privileges: 'all' }],
            users: [{ id: '00000000-0000-4000-8000-0000000000e1', fullName: 'Admin', entraObjectId: '00000000-0000-4000-8000-0000000000e2', roles: ['00000000-0000-4000-8000-0000000000d1'] }],
          },
        ],
        admin: { upn: 'admin@contoso.example' },
      },
      authorizationCodeLifetimeSeconds: 2,
    });
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  function authorizeUrl(params: Record<string, string>, tenant = 'organizations'): string {
    return `${emulator.url}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams(params).toString()}`;
  }

  function codeRequest(extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce();
    const params = { client_id: NATIVE, response_type: 'code', redirect_uri: 'http://localhost:5123', scope: `openid offline_access ${emulator.orgUrl}/user_impersonation`, state: 'st&"<x>', code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'form_post', nonce: 'n-1', ...extra };
    return { verifier, params };
  }

  async function code(extra: Record<string, string> = {}, tenant = 'organizations'): Promise<{ code: string; verifier: string; redirect: string }> {
    const { verifier, params } = codeRequest(extra);
    const page = await http.get(authorizeUrl(params, tenant));
    expect(page.status).to.equal(200);
    return { code: hiddenFields(page.data as string).code ?? '', verifier, redirect: params.redirect_uri };
  }

  function redeem(fields: Record<string, string>, tenant = 'organizations') {
    return http.post(`${emulator.url}/${tenant}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'authorization_code', client_id: NATIVE, scope: `${emulator.orgUrl}/user_impersonation`, ...fields }));
  }

  it('signs the admin in with real msal-node acquireTokenInteractive (loopback form_post, PKCE), then refreshes silently for another scope', async () => {
    const pca = new PublicClientApplication({ auth: { clientId: emulator.adminClientId, ...emulatorMsalAuthority(emulator.authorityHost, 'organizations') } });
    let opened = '';
    const result = await pca.acquireTokenInteractive({
      scopes: [`${emulator.orgUrl}/user_impersonation`],
      openBrowser: async (url) => {
        opened = url;
        // What the browser does with the emulator's form_post page: submit the form to the loopback server.
        const page = await http.get(url);
        expect(page.headers['content-type']).to.match(/^text\/html/);
        const html = page.data as string;
        expect(html).to.contain('document.forms[0].submit()').and.to.contain('<noscript>');
        await http.post(formAction(html), new URLSearchParams(hiddenFields(html)).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      },
    });
    const sent = new URL(opened).searchParams;
    expect(sent.get('response_mode')).to.equal('form_post');
    expect(sent.get('code_challenge_method')).to.equal('S256');
    expect(claims(result.accessToken)).to.include({ aud: emulator.orgUrl, upn: 'admin@contoso.example', scp: 'user_impersonation', appid: emulator.adminClientId });
    expect(result.account?.username).to.equal('admin@contoso.example');
    // The device-code rule "Allow public client flows" does not govern this refresh token.
    await control(emulator).patch(`apps/${emulator.adminClientId}`, { publicClient: false });
    const silent = await pca.acquireTokenSilent({ account: result.account ?? (undefined as never), scopes: [`${emulator.orgUrl}/.default`], forceRefresh: true });
    expect(claims(silent.accessToken)).to.include({ aud: emulator.orgUrl, upn: 'admin@contoso.example' });
    expect(emulator.log().map((e) => `${e.method} ${e.path}`)).to.include('GET /organizations/oauth2/v2.0/authorize');
  });

  it('delivers form_post with the state echoed exactly and HTML-escaped, session_state and client_info; the code redeems once', async () => {
    const { verifier, params } = codeRequest({ client_info: '1' });
    const page = await http.get(authorizeUrl(params));
    const html = page.data as string;
    expect(formAction(html)).to.equal('http://localhost:5123');
    expect(html).to.contain('value="st&amp;&quot;&lt;x&gt;"');
    const fields = hiddenFields(html);
    expect(fields).to.have.keys('code', 'client_info', 'state', 'session_state');
    expect(fields.state).to.equal('st&"<x>');
    expect(JSON.parse(Buffer.from(fields.client_info ?? '', 'base64url').toString('utf8'))).to.deep.equal({ uid: '00000000-0000-4000-8000-0000000000e2', utid: CONTOSO });
    const token = await redeem({ code: fields.code ?? '', redirect_uri: params.redirect_uri, code_verifier: verifier });
    expect(token.status).to.equal(200);
    expect(claims(token.data.id_token as string)).to.include({ nonce: 'n-1', aud: NATIVE });
    expect(claims(token.data.access_token as string)).to.include({ scp: 'user_impersonation', upn: 'admin@contoso.example' });
    expect(token.data).to.include.keys('refresh_token', 'client_info');
    const again = await redeem({ code: fields.code ?? '', redirect_uri: params.redirect_uri, code_verifier: verifier });
    expect(again.data.error_codes).to.deep.equal([54005]);
    const logged = JSON.stringify(emulator.log());
    expect(logged).to.not.contain(fields.code).and.to.not.contain(verifier);
  });

  it('redirects with response_mode=query (302, trailing slash, params)', async () => {
    const { params } = codeRequest({ response_mode: 'query', redirect_uri: 'http://localhost' });
    const response = await http.get(authorizeUrl(params));
    expect(response.status).to.equal(302);
    const location = new URL(response.headers.location as string);
    expect(`${location.origin}${location.pathname}`).to.equal('http://localhost/');
    expect(location.searchParams.get('state')).to.equal('st&"<x>');
    expect(location.searchParams.get('code')).to.have.length.greaterThan(20);
  });

  it('refuses a wrong code_verifier with AADSTS501481, a missing one with 50148, and a plain challenge works', async () => {
    const issued = await code();
    const wrong = await redeem({ code: issued.code, redirect_uri: issued.redirect, code_verifier: pkce().verifier });
    expect(wrong.status).to.equal(400);
    expect(wrong.data).to.include({ error: 'invalid_grant' });
    expect(wrong.data.error_codes).to.deep.equal([501481]);
    expect(wrong.data.error_description).to.match(/^AADSTS501481: The Code_Verifier doesn't match the code_challenge supplied in the authorization request\./);
    const missing = await redeem({ code: (await code()).code, redirect_uri: issued.redirect });
    expect(missing.data.error_codes).to.deep.equal([50148]);
    const verifier = randomBytes(40).toString('base64url');
    const plain = await code({ code_challenge: verifier, code_challenge_method: 'plain' });
    expect((await redeem({ code: plain.code, redirect_uri: plain.redirect, code_verifier: verifier })).status).to.equal(200);
  });

  it('binds the code to client, redirect_uri, tenant and lifetime', async () => {
    const issued = await code();
    expect((await redeem({ code: issued.code, redirect_uri: 'http://localhost:9999/other', code_verifier: issued.verifier })).data.error_codes).to.deep.equal([500112]);
    expect((await redeem({ code: issued.code, redirect_uri: issued.redirect, code_verifier: issued.verifier, client_id: emulator.adminClientId })).data.error_codes).to.deep.equal([9002313]);
    expect((await redeem({ code: issued.code, redirect_uri: issued.redirect, code_verifier: issued.verifier }, CONTOSO)).data.error_codes).to.deep.equal([700005]);
    expect((await redeem({ code: 'not-a-code', redirect_uri: issued.redirect })).data.error_codes).to.deep.equal([9002313]);
    expect((await redeem({ code: issued.code, redirect_uri: issued.redirect, code_verifier: issued.verifier, client_secret: 's' })).data.error_codes).to.deep.equal([700025]);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await redeem({ code: issued.code, redirect_uri: issued.redirect, code_verifier: issued.verifier })).data.error_codes).to.deep.equal([70008]);
  });

  it('needs the secret of a web (non-loopback) redirect', async () => {
    const { verifier, params } = codeRequest({ client_id: WEB, redirect_uri: 'https://isv.example/signin' });
    const fields = hiddenFields((await http.get(authorizeUrl(params))).data as string);
    const base = { client_id: WEB, code: fields.code ?? '', redirect_uri: params.redirect_uri, code_verifier: verifier };
    expect((await redeem(base)).data.error_codes).to.deep.equal([7000218]);
    expect((await redeem({ ...base, client_secret: 'web-secret' })).status).to.equal(200);
  });

  it('shows page errors with status 400 and never redirects: 700016, 50011, 500113, 90002, 900144', async () => {
    const cases: Array<[Record<string, string>, string, number]> = [
      [{ client_id: '99999999-9999-4999-8999-999999999999', redirect_uri: 'http://localhost' }, 'organizations', 700016],
      [{ client_id: NATIVE, redirect_uri: 'https://evil.example/cb' }, 'organizations', 50011],
      [{ client_id: NATIVE, redirect_uri: 'http://localhost/other-path' }, 'organizations', 50011],
      [{ client_id: NATIVE, redirect_uri: 'http://127.0.0.1:4000' }, 'organizations', 50011],
      [{ client_id: BARE, redirect_uri: 'http://localhost' }, 'organizations', 500113],
      [{ client_id: NATIVE, redirect_uri: 'http://localhost' }, 'nowhere.example', 90002],
      [{ redirect_uri: 'http://localhost' }, 'organizations', 900144],
    ];
    for (const [params, tenant, expected] of cases) {
      const response = await http.get(authorizeUrl({ response_type: 'code', response_mode: 'form_post', ...params }, tenant));
      expect(response.status, String(expected)).to.equal(400);
      expect(response.headers.location).to.equal(undefined);
      expect(response.headers['content-type']).to.match(/^text\/html/);
      expect(response.data as string).to.contain(`AADSTS${expected}:`).and.to.contain(`data-code="${expected}"`);
    }
    // 127.0.0.1 matches a registration naming it, any port.
    expect((await http.get(authorizeUrl({ ...codeRequest().params, redirect_uri: 'http://127.0.0.1:4000/cb' }))).status).to.equal(200);
  });

  it('delivers a user from another tenant (50020) and consent policies (65001, 90094) as errors to the redirect', async () => {
    const tenantMismatch = hiddenFields((await http.get(authorizeUrl(codeRequest().params, ISV))).data as string);
    expect(tenantMismatch.error).to.equal('access_denied');
    expect(tenantMismatch.error_description).to.match(/^AADSTS50020: User account 'admin@contoso.example'/);
    expect(tenantMismatch.state).to.equal('st&"<x>');
    await control(emulator).put(`tenants/${CONTOSO}/policies`, { userConsent: 'deny', blockDeviceCode: true, requireMfa: true });
    const denied = hiddenFields((await http.get(authorizeUrl(codeRequest().params))).data as string);
    expect(denied.error).to.equal('consent_required');
    expect(denied.error_description).to.match(/^AADSTS65001:/);
    await control(emulator).put(`tenants/${CONTOSO}/policies`, { userConsent: 'admin-approval' });
    expect(hiddenFields((await http.get(authorizeUrl(codeRequest().params))).data as string).error_description).to.match(/^AADSTS90094:/);
    // blockDeviceCode and requireMfa do not stop the browser flow once consent exists.
    emulator.grantConsent(CONTOSO, NATIVE);
    const issued = await code();
    const token = await redeem({ code: issued.code, redirect_uri: issued.redirect, code_verifier: issued.verifier });
    expect(token.status).to.equal(200);
    expect(claims(token.data.access_token as string).amr).to.include('mfa');
  });

  it('shows a sign-in form when auto-approval is off (settable at run time): unknown account, then sign-in, and Cancel', async () => {
    expect((await control(emulator).patch('settings', { autoApproveBrowserSignIn: 'no' })).status).to.equal(400);
    expect((await control(emulator).patch('settings', { autoApproveBrowserSignIn: false })).data).to.deep.equal({ autoApproveBrowserSignIn: false });
    const { verifier, params } = codeRequest({ login_hint: 'nobody@contoso.example' });
    const form = (await http.get(authorizeUrl(params))).data as string;
    expect(form).to.contain('<input id="account" name="account" type="text" autocomplete="username" value="nobody@contoso.example" />');
    expect(form).to.contain('<button id="signin" type="submit" name="action" value="signin">Sign in</button>').and.to.contain('id="cancel"');
    const action = formAction(form);
    expect(action).to.equal(`${emulator.url}/organizations/login`);
    const flow = hiddenFields(form).flow ?? '';
    const post = (fields: Record<string, string>) => http.post(action, new URLSearchParams(fields).toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const again = (await post({ flow, account: 'nobody@contoso.example', action: 'signin' })).data as string;
    expect(again).to.contain('id="error"').and.to.contain('AADSTS50034');
    const signedIn = hiddenFields((await post({ flow, account: 'Admin@Contoso.example', action: 'signin' })).data as string);
    expect(signedIn.state).to.equal('st&"<x>');
    expect((await redeem({ code: signedIn.code ?? '', redirect_uri: params.redirect_uri, code_verifier: verifier })).status).to.equal(200);
    // The pending request is single use.
    expect(((await post({ flow, account: 'admin@contoso.example', action: 'signin' })).data as string)).to.contain('AADSTS50089');
    const cancelForm = (await http.get(authorizeUrl(codeRequest().params))).data as string;
    const cancelled = hiddenFields((await post({ flow: hiddenFields(cancelForm).flow ?? '', account: '', action: 'cancel' })).data as string);
    expect(cancelled).to.include({ error: 'access_denied', error_subcode: 'cancel', state: 'st&"<x>' });
    // A registration change while the form is open is seen: the redirect URI is validated again.
    const openForm = (await http.get(authorizeUrl(codeRequest().params))).data as string;
    await control(emulator).patch(`apps/${NATIVE}`, { redirectUris: ['https://isv.example/other'] });
    const stale = await post({ flow: hiddenFields(openForm).flow ?? '', account: 'admin@contoso.example', action: 'signin' });
    expect(stale.status).to.equal(400);
    expect(stale.data as string).to.contain('AADSTS50011');
    emulator.reset();
    expect((await control(emulator).get('settings')).data).to.deep.equal({ autoApproveBrowserSignIn: true });
  });

  it('honours the autoApproveBrowserSignIn option, and prompt=none without a session answers login_required', async () => {
    const manual = await startEmulator({ autoApproveBrowserSignIn: false });
    try {
      const { challenge } = pkce();
      const base = { client_id: manual.adminClientId, response_type: 'code', redirect_uri: 'http://localhost:7000', scope: `${manual.orgUrl}/user_impersonation`, code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'form_post' };
      const form = (await http.get(`${manual.url}/organizations/oauth2/v2.0/authorize?${new URLSearchParams(base).toString()}`)).data as string;
      expect(form).to.contain('id="account"');
      const silent = (await http.get(`${manual.url}/organizations/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, prompt: 'none' }).toString()}`)).data as string;
      expect(hiddenFields(silent).error).to.equal('login_required');
    } finally {
      await manual.close();
    }
  });

  it('keeps device-code refresh tokens under "Allow public client flows" (7000218)', async () => {
    const device = await http.post(`${emulator.url}/organizations/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: emulator.adminClientId, scope: `${emulator.orgUrl}/user_impersonation` }));
    const token = await http.post(`${emulator.url}/organizations/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'device_code', client_id: emulator.adminClientId, device_code: device.data.device_code as string }));
    expect(token.status).to.equal(200);
    await control(emulator).patch(`apps/${emulator.adminClientId}`, { publicClient: false });
    const refreshed = await http.post(`${emulator.url}/organizations/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'refresh_token', client_id: emulator.adminClientId, refresh_token: token.data.refresh_token as string, scope: `${emulator.orgUrl}/user_impersonation` }));
    expect(refreshed.data.error_codes).to.deep.equal([7000218]);
  });
});
