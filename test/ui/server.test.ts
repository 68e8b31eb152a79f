import { expect } from 'chai';
import { CONTENT_SECURITY_POLICY, cookieToken, hostAllowed, newToken, originAllowed, sameToken } from '../../src/programs/runner/ui/security.js';
import { startUiServer, type UiServer } from '../../src/programs/runner/ui/server.js';
import { send, UiClient } from '../support/ui-client.js';

/** Issue 17: the --ui page server refuses every request that is not the printed page's own. */
describe('deploy.mjs --ui: the page server', () => {
  let server: UiServer;
  let token: string;
  const decisions: unknown[] = [];

  beforeEach(async () => {
    token = newToken();
    decisions.length = 0;
    server = await startUiServer(
      { port: 0, token },
      {
        html: '<!doctype html><title>t</title>',
        script: 'console.log(1)',
        styles: 'body{}',
        events: (res) => res.end('event: session\ndata: {}\n\n'),
        decide: (body) => (decisions.push(body), { status: 202, message: 'ok' }),
      },
    );
  });
  afterEach(async () => server.close());

  const base = () => `http://127.0.0.1:${server.port}`;

  it('binds 127.0.0.1, with a token of 256 random bits in the URL it gives', () => {
    expect(server.url).to.match(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?t=[A-Za-z0-9_-]{43}$`));
    expect(newToken()).to.not.equal(newToken());
  });

  it('refuses every path without the token (403), and a wrong token', async () => {
    for (const path of ['/', '/app.js', '/app.css', '/api/events', '/nope']) expect((await send(`${base()}${path}`)).status, path).to.equal(403);
    expect((await send(`${base()}/?t=${'A'.repeat(43)}`)).status).to.equal(403);
    expect((await send(`${base()}/?t=short`)).status).to.equal(403);
    expect((await send(`${base()}/api/events`, { headers: { Cookie: `dvpkg_ui_${server.port}=${'A'.repeat(43)}` } })).status).to.equal(403);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie of this port, and sends the page out of the token URL', async () => {
    const client = new UiClient(server.url);
    const opened = await client.open();
    expect(opened.status).to.equal(303);
    expect(opened.headers.location).to.equal('/');
    expect(opened.headers['set-cookie']![0]).to.equal(`dvpkg_ui_${server.port}=${token}; Path=/; HttpOnly; SameSite=Strict`);
    const page = await client.get('/');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect((await client.get('/app.js')).headers['content-type']).to.match(/^text\/javascript/);
    expect((await client.get('/app.css')).body).to.equal('body{}');
  });

  it('sends the strict CSP (and no-store, nosniff, no framing) with every answer, refusals included', async () => {
    const client = new UiClient(server.url);
    await client.open();
    for (const answer of [await send(`${base()}/`), await client.get('/'), await client.get('/app.js'), await client.get('/missing'), await client.decide('apply', { Origin: 'http://evil.example' })]) {
      expect(answer.headers['content-security-policy']).to.equal(CONTENT_SECURITY_POLICY);
      expect(answer.headers).to.include({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    }
    expect(CONTENT_SECURITY_POLICY).to.contain("default-src 'none'").and.contain("script-src 'self'").and.contain("style-src 'self'").and.contain("connect-src 'self'").and.contain("img-src 'self' data:");
    expect(CONTENT_SECURITY_POLICY).to.not.contain('unsafe-inline').and.not.contain('http');
  });

  it('refuses a foreign Host (DNS rebinding), even with the token and the cookie', async () => {
    const client = new UiClient(server.url);
    await client.open();
    for (const host of [`evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '127.0.0.1', `localhost.evil.example:${server.port}`]) {
      expect((await send(`${base()}/?t=${token}`, { headers: { Host: host } })).status, host).to.equal(403);
      expect((await client.get('/api/events', { Host: host })).status, host).to.equal(403);
    }
    expect((await send(`${base()}/?t=${token}`, { headers: { Host: `localhost:${server.port}` } })).status).to.equal(303);
  });

  it('refuses a POST from another origin, or without one, and takes the page\'s own', async () => {
    const client = new UiClient(server.url);
    await client.open();
    expect((await client.decide('apply', { Origin: 'http://evil.example' })).status).to.equal(403);
    expect((await client.decide('apply', { Origin: `http://localhost:${server.port}` })).status, 'localhost Origin on a 127.0.0.1 Host').to.equal(403);
    expect((await client.decide('apply', { Origin: 'null' })).status).to.equal(403);
    expect((await send(`${base()}/api/decision`, { method: 'POST', headers: { Cookie: client.cookie, 'Content-Type': 'application/json' }, body: '{"action":"apply"}' })).status, 'no Origin').to.equal(403);
    expect((await client.decide('apply', { 'Content-Type': 'text/plain' })).status, 'a form-like body').to.equal(415);
    expect(decisions).to.deep.equal([]);
    expect((await client.decide('apply')).status).to.equal(202);
    expect(decisions).to.deep.equal([{ action: 'apply' }]);
  });

  it('pure checks: hosts, origins, cookies and tokens', () => {
    expect(hostAllowed('LOCALHOST:80', 80)).to.equal(true);
    expect(hostAllowed(undefined, 80)).to.equal(false);
    expect(originAllowed('http://127.0.0.1:80', '127.0.0.1:80', 80)).to.equal(true);
    expect(originAllowed('https://127.0.0.1:80', '127.0.0.1:80', 80)).to.equal(false);
    expect(cookieToken('a=1; dvpkg_ui_81=x; dvpkg_ui_80=tok', 80)).to.equal('tok');
    expect(sameToken('abc', 'abcd')).to.equal(false);
    expect(sameToken(undefined, 'abcd')).to.equal(false);
  });
});
