import axios from 'axios';
import { expect } from 'chai';
import { parseFaultSpec, startEmulator, type EmulatorApp, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, appToken, control, webApi } from './helpers.js';

const APP = '12121212-1212-4121-8121-121212121212';

describe('emulator: fault injection', () => {
  let emulator: RunningEmulator;
  let token: string;
  const api = () => webApi(emulator.orgUrl, token);

  before(async () => {
    emulator = await startEmulator({ apps: [APP] });
    token = (await adminSignIn(emulator)).accessToken;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  it('parses the compact form', () => {
    expect(parseFaultSpec('429:0.3,retryAfter=1,route=/orgs/*;503@3;drop:0.02;latency:1,ms=50;seed=7')).to.deep.equal({
      rules: [
        { kind: '429', rate: 0.3, retryAfter: 1, route: '/orgs/*' },
        { kind: '503', nth: 3 },
        { kind: 'drop', rate: 0.02 },
        { kind: 'latency', rate: 1, ms: 50 },
      ],
      seed: 7,
    });
    expect(() => parseFaultSpec('418:1')).to.throw(/Invalid fault spec/);
    expect(() => parseFaultSpec('429:2')).to.throw(/between 0 and 1/);
  });

  it('answers 429 with Retry-After and the service-protection body on Dataverse routes', async () => {
    emulator.setFaults('429,retryAfter=2,route=GET /orgs/*/WhoAmI');
    const response = await api().get('WhoAmI');
    expect(response.status).to.equal(429);
    expect(response.headers['retry-after']).to.equal('2');
    expect(response.data.error.code).to.equal('0x80072322');
    expect((await api().get('roles', { params: { $top: 1 } })).status).to.equal(200);
    expect(emulator.log().at(-2)).to.include({ status: 429, fault: '429' });
  });

  it('fires on the Nth matching request only (503@2)', async () => {
    emulator.setFaults('503@2,route=/orgs/*');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await api().get('WhoAmI')).status);
    expect(statuses).to.deep.equal([200, 503, 200, 200]);
  });

  it('drops the connection without a response', async () => {
    emulator.setFaults({ rules: [{ kind: 'drop', route: '/orgs/*' }] });
    const error = await api().get('WhoAmI').then(() => undefined, (e: { code?: string }) => e);
    expect(error?.code).to.be.oneOf(['ECONNRESET', 'ERR_BAD_RESPONSE', 'ECONNABORTED']);
    expect(emulator.log().at(-1)).to.include({ status: 0, fault: 'drop' });
  });

  it('adds latency', async () => {
    emulator.setFaults('latency,ms=120,route=/orgs/*');
    const started = Date.now();
    expect((await api().get('WhoAmI')).status).to.equal(200);
    expect(Date.now() - started).to.be.at.least(110);
  });

  it('repeats the same sequence for the same seed', async () => {
    const run = async () => {
      emulator.setFaults('503:0.5,route=/orgs/*;seed=42');
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await api().get('WhoAmI')).status);
      return statuses;
    };
    const first = await run();
    expect(first).to.include(503);
    expect(first).to.include(200);
    expect(await run()).to.deep.equal(first);
  });

  it('applies to Entra routes (msal sees the throttling error), never to the control API', async () => {
    emulator.setFaults('429,retryAfter=1,route=POST */oauth2/v2.0/token');
    const app = emulator.apps.find((a) => a.clientId === APP) as EmulatorApp;
    const error = await appToken(emulator, app, emulator.isvTenantId).then(() => undefined, (e: { errorCode?: string; status?: number }) => e);
    expect(error).to.not.equal(undefined);
    const raw = await axios.post(`${emulator.authorityHost}/${emulator.isvTenantId}/oauth2/v2.0/token`, 'grant_type=client_credentials', { validateStatus: () => true });
    expect(raw.status).to.equal(429);
    expect(raw.data.error_codes).to.deep.equal([90055]);
    emulator.setFaults('503,route=*');
    expect((await control(emulator).get('state')).status).to.equal(200);
  });

  it('is configurable through the control API (PUT /faults) and from start options', async () => {
    expect((await control(emulator).put('faults', '503@1,route=/orgs/*', { headers: { 'Content-Type': 'text/plain' } })).status).to.equal(204);
    expect((await control(emulator).get('faults')).data.rules).to.deep.equal([{ kind: '503', nth: 1, route: '/orgs/*' }]);
    expect((await api().get('WhoAmI')).status).to.equal(503);
    expect((await control(emulator).put('faults', { rules: [{ kind: 'bogus' }] })).status).to.equal(400);
    const faulty = await startEmulator({ faults: '429@1,retryAfter=3' });
    try {
      const response = await axios.get(`${faulty.authorityHost}/${faulty.tenantId}/v2.0/.well-known/openid-configuration`, { validateStatus: () => true });
      expect(response.status).to.equal(429);
      expect(response.headers['retry-after']).to.equal('3');
    } finally {
      await faulty.close();
    }
  });
});
