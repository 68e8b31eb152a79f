import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import axios from 'axios';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { emulatorMsalAuthority as msalAuthorityConfig } from '../../src/emulator/index.js';

const APP = '14141414-1414-4141-8141-141414141414';

describe('emulator: `dvpkg emulator` command', () => {
  it('prints exactly one JSON line, answers msal-node, and exits 0 on SIGTERM', async function () {
    this.timeout(20000);
    const script = `import('./src/programs/cli/commands/emulator.ts').then((m) => m.runEmulatorCommand({ app: ['${APP}'] })).then((code) => process.exit(code))`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: string[] = [];
    const lines = createInterface({ input: child.stdout });
    const first = new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        stdout.push(line);
        if (stdout.length === 1) resolve(line);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${String(code)}`)));
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const ready = JSON.parse(await first) as Record<string, unknown> & { apps: Array<{ clientId: string; clientSecret: string }> };
      expect(ready).to.include.keys('authorityHost', 'orgUrl', 'tenantId', 'adminUsername', 'adminClientId', 'isvTenantId', 'apps', 'controlUrl');
      expect(ready.authorityHost).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.orgUrl).to.equal(`${ready.authorityHost as string}/orgs/contoso`);
      const oidc = ready.oidc as { issuer: string; actionsRequestUrl: string; actionsRequestToken: string };
      expect(oidc.issuer).to.equal(`${ready.authorityHost as string}/_emulator/oidc`);
      expect(oidc.actionsRequestUrl).to.equal(`${oidc.issuer}/actions`);
      expect(oidc.actionsRequestToken).to.have.length.greaterThan(20);
      expect(ready.apps).to.have.length(1);
      const app = ready.apps[0] as { clientId: string; clientSecret: string };
      expect(app.clientId).to.equal(APP);
      const cca = new ConfidentialClientApplication({ auth: { clientId: APP, clientSecret: app.clientSecret, ...msalAuthorityConfig(ready.authorityHost as string, ready.isvTenantId as string) } });
      const result = await cca.acquireTokenByClientCredential({ scopes: [`${ready.orgUrl as string}/.default`] });
      expect(result?.accessToken).to.be.a('string');
      const log = await axios.get(`${ready.controlUrl as string}/log`);
      expect(log.data.some((e: { path: string }) => e.path.endsWith('/oauth2/v2.0/token'))).to.equal(true);
    } finally {
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exit).to.equal(0);
    }
    expect(stdout).to.have.length(1);
    expect(stderr).to.contain('listening on');
  });

  it('exits non-zero with a message for an unreadable seed file', async () => {
    const script = `import('./src/programs/cli/commands/emulator.ts').then((m) => m.runEmulatorCommand({ state: '/nonexistent/seed.json' })).then((code) => process.exit(code))`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.not.equal(0);
    expect(stdout).to.equal('');
    expect(stderr).to.contain('seed file');
  });
});
