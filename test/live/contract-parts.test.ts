/** The contract's own plumbing: challenge parsing, the environment variables, certificates and the comparison. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createSelfSignedCertificate } from '../../src/emulator/index.js';
import { certificateCredential, disagreementTable, disagreements, liveTargetFromEnv, parseBearerChallenge, type Observation } from './contract.js';

const TENANT = '00000000-0000-4000-8000-0000000000b1';
const CLIENT = '11111111-2222-4333-8444-555555555555';

describe('live contract plumbing', () => {
  it('parses a Bearer challenge with keys in any case, quoted or not', () => {
    const parsed = parseBearerChallenge(`Bearer Authorization_Uri="http://127.0.0.1:1/${TENANT}/oauth2/authorize", RESOURCE_ID=http://127.0.0.1:1/orgs/contoso/`);
    expect(parsed?.scheme).to.equal('Bearer');
    expect(parsed?.params).to.deep.equal({ authorization_uri: `http://127.0.0.1:1/${TENANT}/oauth2/authorize`, resource_id: 'http://127.0.0.1:1/orgs/contoso/' });
  });

  it('is off without DVPKG_LIVE_ORG_URL, and names every missing Azure SDK variable when it is set', () => {
    expect(liveTargetFromEnv({})).to.equal(undefined);
    expect(() => liveTargetFromEnv({ DVPKG_LIVE_ORG_URL: 'http://127.0.0.1:1/orgs/contoso' })).to.throw(/AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH/);
    expect(() => liveTargetFromEnv({ DVPKG_LIVE_ORG_URL: 'http://192.0.2.1/', AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 'x' })).to.throw(/https:\/\//);
  });

  it('takes the org URL without /api/data/v9.2 and the authority host from AZURE_AUTHORITY_HOST', () => {
    const target = liveTargetFromEnv({ DVPKG_LIVE_ORG_URL: 'http://127.0.0.1:7071/orgs/contoso/api/data/v9.2/', AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 's', AZURE_AUTHORITY_HOST: 'http://127.0.0.1:7071/' });
    expect(target).to.include({ kind: 'org', orgUrl: 'http://127.0.0.1:7071/orgs/contoso', tenant: TENANT, authorityHost: 'http://127.0.0.1:7071', clientId: CLIENT });
    expect(target?.credential).to.deep.equal({ kind: 'secret', secret: 's' });
  });

  it('reads AZURE_CLIENT_CERTIFICATE_PATH as one PEM with the private key and the certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvpkg-live-'));
    try {
      const cert = createSelfSignedCertificate({ commonName: 'dvpkg live contract' });
      const path = join(dir, 'app.pem');
      writeFileSync(path, `${cert.privateKeyPem}\n${cert.certificatePem}\n`);
      const credential = certificateCredential(path);
      expect(credential.kind).to.equal('certificate');
      if (credential.kind === 'certificate') expect(credential.thumbprintSha256).to.equal(cert.thumbprintSha256.toLowerCase());
      writeFileSync(path, cert.certificatePem);
      expect(() => certificateCredential(path)).to.throw(/PRIVATE KEY and a CERTIFICATE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists only the checks whose status, code or shape differ, with both answers', () => {
    const org: Observation[] = [
      { check: 'a', status: 200, shape: '{x}' },
      { check: 'b', status: 400, code: '0x8006088a', shape: '{error}', note: 'ignored' },
    ];
    const emulator: Observation[] = [
      { check: 'a', status: 200, shape: '{x}', note: 'notes are not compared' },
      { check: 'b', status: 200, shape: '{RolePrivileges}', violation: 'the bound form answered 200' },
    ];
    const diff = disagreements(org, emulator);
    expect(diff.map((d) => d.check)).to.deep.equal(['b']);
    const table = disagreementTable(diff);
    expect(table).to.contain('400 0x8006088a {error}').and.contain('200 {RolePrivileges}  [breaks contract: the bound form answered 200]');
    expect(disagreementTable([])).to.match(/agree on every check/);
  });
});
