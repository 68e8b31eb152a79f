import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { EmulatorConfigError, startEmulator, type EmulatorApp, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { appToken, webApi } from './helpers.js';

const T1 = '00000000-0000-4000-8000-000000000101';
const T2 = '00000000-0000-4000-8000-000000000102';
const ISV = '00000000-0000-4000-8000-000000000100';
const APP = '15151515-1515-4151-8151-151515151515';
const ROLE = '00000000-0000-4000-8000-000000000301';

function org(name: string, tenantId: string, n: number): Seed['orgs'][number] {
  const bu = `00000000-0000-4000-8000-0000000002${n}0`;
  return {
    name,
    tenantId,
    organizationId: `00000000-0000-4000-8000-0000000002${n}1`,
    businessUnit: { id: bu, name },
    customTables: [{ schemaName: 'fab_Widget', ownership: 'user' }],
    roles: [{ id: ROLE, name: 'Widget Reader', privileges: [{ name: 'prvReadfab_Widget', level: 'Basic' }, { name: 'prvReadAccount', level: 'Global' }] }],
    users: [{ id: `00000000-0000-4000-8000-0000000002${n}2`, fullName: 'Fabrikam Sync', applicationId: APP, roles: [ROLE] }],
  };
}

describe('emulator: seed files with several tenants and orgs', () => {
  let dir: string;
  let emulator: RunningEmulator;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dvpkg-emulator-'));
    const seed: Seed = {
      tenants: [
        { id: ISV, name: 'ISV', domain: 'isv.example', kind: 'isv' },
        { id: T1, name: 'Alpha', domain: 'alpha.example', kind: 'subscriber' },
        { id: T2, name: 'Beta', domain: 'beta.example', kind: 'subscriber' },
      ],
      apps: [{ clientId: APP, name: 'Fabrikam Sync', homeTenantId: ISV, multiTenant: true }],
      servicePrincipals: [{ tenantId: T1, appId: APP }, { tenantId: T2, appId: APP }],
      users: [{ objectId: '00000000-0000-4000-8000-000000000401', tenantId: T1, upn: 'admin@alpha.example', displayName: 'Alpha Admin' }],
      orgs: [org('alpha', T1, 1), org('beta', T2, 2)],
      admin: { upn: 'admin@alpha.example' },
    };
    const path = join(dir, 'seed.json');
    await writeFile(path, JSON.stringify(seed));
    emulator = await startEmulator({ seed: path });
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves each org to its own tenant and refuses the other tenant with 403 0x80072560', async () => {
    const app = emulator.apps[0] as EmulatorApp;
    const [alpha, beta] = emulator.orgs as unknown as [{ url: string }, { url: string }];
    expect(emulator.tenantId).to.equal(T1);
    const alphaToken = await appToken(emulator, app, T1, 'secret', alpha.url);
    expect((await webApi(alpha.url, alphaToken).get('accounts')).status).to.equal(200);
    const crossTenant = await appToken(emulator, app, T1, 'secret', beta.url);
    const refused = await webApi(beta.url, crossTenant).get('WhoAmI');
    expect(refused.status).to.equal(403);
    expect(refused.data.error.code).to.equal('0x80072560');
    const wrongAudience = await webApi(beta.url, alphaToken).get('WhoAmI');
    expect(wrongAudience.status).to.equal(401);
    const betaToken = await appToken(emulator, app, 'beta.example', 'secret', beta.url);
    expect((await webApi(beta.url, betaToken).get('WhoAmI')).status).to.equal(200);
  });

  it('adds the privileges of seeded custom tables', async () => {
    const app = emulator.apps[0] as EmulatorApp;
    const [alpha] = emulator.orgs as unknown as [{ url: string }];
    const widget = emulator.state.org('alpha')?.privileges.find((p) => p.name === 'prvReadfab_Widget');
    expect(widget).to.include({ canbebasic: true, canbeglobal: true });
    expect(emulator.state.org('alpha')?.privileges.some((p) => p.name === 'prvSharefab_Widget')).to.equal(true);
    const token = await appToken(emulator, app, T1, 'certificate', alpha.url);
    expect((await webApi(alpha.url, token).get('WhoAmI')).status).to.equal(200);
  });

  it('rejects an invalid seed with every problem named', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ tenants: [{ id: 'nope', name: 'x', domain: 'x', kind: 'other' }], orgs: [], admin: { upn: 'nobody' } }));
    const error = await startEmulator({ seed: path }).then(() => undefined, (e: Error & { code?: string }) => e);
    expect(error).to.be.instanceOf(EmulatorConfigError);
    expect(error?.code).to.equal('EMULATOR_SEED_INVALID');
    expect(error?.message).to.contain('tenants[0].id: expected a GUID');
    expect(error?.message).to.contain('tenants[0].kind');
    expect(error?.message).to.contain('admin.upn');
  });
});
