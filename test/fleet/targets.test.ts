import { expect } from 'chai';
import { CLOUDS } from '../../src/auth/clouds.js';
import { isDvpkgError } from '../../src/errors.js';
import { environmentTargets, globMatcher } from '../../src/fleet/discover.js';
import { inShard, parseShard } from '../../src/fleet/shard.js';
import { parseTargets } from '../../src/fleet/targets.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isDvpkgError(error)) return `${error.exitCode} ${error.message}`;
    throw error;
  }
  return expect.fail('should be refused');
}

describe('fleet targets: --orgs files, shards, environment filters', () => {
  it('reads one org a line with optional tenant and cloud columns, comments, and names each org uniquely', () => {
    const targets = parseTargets('orgs.txt', [
      '# production',
      'https://contoso.crm.dynamics.com',
      'https://contoso.crm4.dynamics.com  contoso.onmicrosoft.com   # EMEA',
      '',
      'https://fabrikam.crm.microsoftdynamics.us, 11111111-2222-4333-8444-555555555555, usgovhigh',
      'https://contoso.crm9.dynamics.com - usgov',
    ].join('\n'));
    expect(targets.map((t) => [t.name, t.url, t.tenant ?? '', t.cloud.name])).to.deep.equal([
      ['contoso', 'https://contoso.crm.dynamics.com', '', 'public'],
      ['contoso-2', 'https://contoso.crm4.dynamics.com', 'contoso.onmicrosoft.com', 'public'],
      ['fabrikam', 'https://fabrikam.crm.microsoftdynamics.us', '11111111-2222-4333-8444-555555555555', 'usgovhigh'],
      ['contoso-3', 'https://contoso.crm9.dynamics.com', '', 'usgov'],
    ]);
  });

  it('reads a JSON list with names, and refuses what it cannot use, naming the file and the line or entry', () => {
    expect(parseTargets('orgs.json', JSON.stringify([{ url: 'https://contoso.crm.dynamics.com/api/data/v9.2/', name: 'prod' }]))).to.deep.equal([{ url: 'https://contoso.crm.dynamics.com', cloud: CLOUDS.public, name: 'prod' }]);
    expect(refusal(() => parseTargets('orgs.txt', 'https://contoso.crm.dynamics.com\nhttps://CONTOSO.crm.dynamics.com/'))).to.equal('2 orgs.txt line 2: https://contoso.crm.dynamics.com is already listed (orgs.txt line 1)');
    expect(refusal(() => parseTargets('orgs.txt', 'contoso'))).to.match(/^2 orgs\.txt line 1: contoso: expected a URL/);
    expect(refusal(() => parseTargets('orgs.txt', 'https://contoso.crm.dynamics.com a b c'))).to.equal('2 orgs.txt line 1: "https://contoso.crm.dynamics.com a b c": expected an org URL, then optionally a tenant and a cloud');
    expect(refusal(() => parseTargets('orgs.txt', 'https://contoso.crm.dynamics.com - mars'))).to.equal('2 orgs.txt line 1: cloud mars: expected one of public, usgov, usgovhigh, dod, china');
    expect(refusal(() => parseTargets('orgs.txt', 'https://contoso.crm.dynamics.com - usgovhigh'))).to.match(/^2 orgs\.txt line 1: https:\/\/contoso\.crm\.dynamics\.com: this org is in the public cloud/);
    expect(refusal(() => parseTargets('orgs.txt', '# nothing yet\n'))).to.equal('2 orgs.txt: lists no org (one org URL a line, or a JSON list)');
    expect(refusal(() => parseTargets('orgs.json', '[{"url": "https://contoso.crm.dynamics.com", "region": "NA"}]'))).to.equal('2 orgs.json [0].region: no such field (allowed: url, tenant, cloud, name)');
    expect(refusal(() => parseTargets('orgs.json', '[{"url": 5}]'))).to.equal('2 orgs.json [0]: url: expected an org URL such as https://contoso.crm.dynamics.com');
    expect(refusal(() => parseTargets('orgs.json', '[{"url": "https://contoso.crm.dynamics.com", "tenant": "a/b"}]'))).to.equal('2 orgs.json [0]: tenant a/b: expected a tenant id (GUID) or domain such as contoso.onmicrosoft.com');
  });

  it('puts every org in exactly one shard, whatever the order, and refuses a shard that does not exist', () => {
    const urls = Array.from({ length: 300 }, (_, i) => `https://org${i}.crm.dynamics.com`);
    const shards = [1, 2, 3, 4].map((index) => urls.filter((u) => inShard(u, { index, count: 4 })));
    expect(shards.flat().sort()).to.deep.equal([...urls].sort());
    for (const shard of shards) expect(shard.length).to.be.within(40, 110);
    expect(inShard('https://ORG7.crm.dynamics.com/', { index: 1, count: 4 })).to.equal(inShard('https://org7.crm.dynamics.com', { index: 1, count: 4 }));
    expect(parseShard('--shard', '2/4')).to.deep.equal({ index: 2, count: 4 });
    for (const bad of ['0/3', '4/3', '1/0', 'two', '1/300']) expect(refusal(() => parseShard('--shard', bad))).to.match(new RegExp(`^2 --shard ${bad.replace('/', '\\/')}: expected i/n`));
  });

  it('keeps enabled environments whose unique or friendly name matches --match', () => {
    const environments = [
      { url: 'https://a.crm.dynamics.com', uniqueName: 'unq1', friendlyName: 'Contoso Prod', urlName: 'contoso', tenantId: 'T', state: 0 },
      { url: 'https://b.crm.dynamics.com', uniqueName: 'unq2', friendlyName: 'Contoso Test', urlName: 'contosotest', tenantId: 'T', state: 0 },
      { url: 'https://c.crm.dynamics.com', uniqueName: 'unq3', friendlyName: 'Contoso Old', urlName: 'contosoold', tenantId: 'T', state: 1 },
    ];
    const { targets, found, disabled } = environmentTargets(environments, CLOUDS.public, 'contoso *');
    expect({ found, disabled, names: targets.map((t) => t.name) }).to.deep.equal({ found: 3, disabled: 1, names: ['contoso', 'contosotest'] });
    expect(environmentTargets(environments, CLOUDS.public, 'UNQ2').targets.map((t) => t.name)).to.deep.equal(['contosotest']);
    expect(globMatcher('contoso-?')('Contoso-1')).to.equal(true);
    expect(globMatcher('a.b')('aXb')).to.equal(false);
  });
});
