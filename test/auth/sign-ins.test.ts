import { expect } from 'chai';
import { CLOUDS } from '../../src/auth/clouds.js';
import { connect } from '../../src/auth/connect.js';
import { SignIns } from '../../src/auth/sign-ins.js';
import { defaultSeed, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { followSignIn, type FollowResult } from '../support/browser-sign-in.js';

/**
 * Issue 12, item 6: one sign-in per tenant per run. Two orgs of one tenant, in one process: the admin
 * signs in through the browser once, and the second org's token comes from the same sign-in (msal's
 * refresh token, asked for the other org's scope), which the emulator's log shows.
 */
describe('sign-ins: one per tenant, reused for every org of that tenant', function () {
  this.timeout(30_000);
  let emulator: RunningEmulator;

  before(async () => {
    const seed = defaultSeed();
    const first = seed.orgs[0]!;
    seed.orgs.push({ ...structuredClone(first), name: 'contosotest', organizationId: '00000000-0000-4000-8000-00000000f002' });
    emulator = await startEmulator({ seed });
  });
  after(async () => emulator.close());

  it('signs the admin in once in the browser for two orgs of the same tenant', async () => {
    const pages: Array<Promise<FollowResult>> = [];
    const signIns = new SignIns(() => ({ kind: 'browser', clientId: emulator.adminClientId, openBrowser: false }), {
      cloud: CLOUDS.public,
      hooks: { clock: systemClock },
      onBrowserSignIn: (url) => pages.push(followSignIn(url)),
    });
    const authority = { host: emulator.authorityHost, source: 'flag' as const };
    const urls = emulator.orgs.map((o) => o.url);
    expect(urls).to.have.length(2);
    const identities: string[] = [];
    for (const orgUrl of urls) {
      const session = await connect({ orgUrl, signIns, authority, clock: systemClock });
      const me = await session.client.get<{ UserId: string }>('WhoAmI');
      expect(me.UserId).to.be.a('string');
      identities.push(`${session.tenant} ${session.tokens.identity()}`);
    }
    await Promise.all(pages);
    expect(pages, 'interactive sign-ins').to.have.length(1);
    expect(identities).to.deep.equal([`${emulator.tenantId} admin@contoso.example`, `${emulator.tenantId} admin@contoso.example`]);
    const entra = emulator.log().filter((e) => e.kind === 'entra');
    expect(entra.filter((e) => e.path.endsWith('/authorize')), 'authorize requests').to.have.length(1);
    // The second org's token: a refresh-token request, no new sign-in.
    const tokens = entra.filter((e) => e.path.endsWith('/oauth2/v2.0/token') && e.status === 200);
    expect(tokens).to.have.length(2);
  });
});
