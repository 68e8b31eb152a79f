import { expect } from 'chai';
import { importAction, privilegeProblems, requiredCallerPrivileges } from '../../src/deploy/decide.js';
import { matchRoles, missingGrants, unboundRoles } from '../../src/core/org-roles.js';
import { parseRetryAfter, retryDelayMs, DEFAULT_RETRY } from '../../src/http/retry.js';
import { parseBearerChallenge } from '../../src/dataverse/discover-tenant.js';
import { readImportResult } from '../../src/deploy/import-result.js';
import type { ManifestRole } from '../../src/package/manifest.js';

const role: ManifestRole = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Reader',
  description: '',
  privileges: [
    { name: 'prvReadAccount', level: 'Global' },
    { name: 'prvReadUser', level: 'Local' },
  ],
};

describe('deploy decisions', () => {
  it('chooses install, upgrade, skip, or refuses a downgrade or an unmanaged install', () => {
    expect(importAction(undefined, '1.0.0.0')).to.equal('install');
    expect(importAction({ solutionid: 'x', uniquename: 'S', version: '1.0.0.9', ismanaged: true }, '1.0.1.0')).to.equal('upgrade');
    expect(importAction({ solutionid: 'x', uniquename: 'S', version: '1.0.10.0', ismanaged: true }, '1.0.9.0')).to.equal('downgrade');
    expect(importAction({ solutionid: 'x', uniquename: 'S', version: '2.0.0.0', ismanaged: true }, '2.0.0.0')).to.equal('skip');
    expect(importAction({ solutionid: 'x', uniquename: 'S', version: '1.0.0.0', ismanaged: false }, '2.0.0.0')).to.equal('unmanaged-installed');
  });

  it('asks the caller only for the privileges the pending writes need', () => {
    expect(requiredCallerPrivileges({ importing: false, creatingUser: false, binding: false })).to.deep.equal([]);
    expect(requiredCallerPrivileges({ importing: true, creatingUser: false, binding: true })).to.deep.equal(['prvImportCustomization', 'prvWriteRole', 'prvAssignRole', 'prvReadRole']);
  });

  it('lists every privilege the org lacks or cannot grant at the declared depth', () => {
    const problems = privilegeProblems([role], [{ name: 'prvReadAccount', privilegeid: 'a', canbebasic: true, canbelocal: true, canbedeep: true, canbeglobal: false }]);
    expect(problems).to.deep.equal([
      'role "Reader": prvReadAccount cannot be granted at Global in this org (allowed: Basic, Local, Deep)',
      'role "Reader": prvReadUser does not exist in this org',
    ]);
  });

  it('finds the root-BU copy of a role by id, or by name when it is its own root', () => {
    const rows = [
      { roleid: 'child', name: 'Reader', _businessunitid_value: 'bu2', _parentrootroleid_value: 'other' },
      { roleid: 'root', name: 'Reader', _businessunitid_value: 'bu1', _parentrootroleid_value: 'root' },
    ];
    expect(matchRoles([role], rows).get(role.id)?.roleid).to.equal('root');
    expect(matchRoles([role], [...rows, { roleid: role.id, name: 'Renamed', _businessunitid_value: 'bu1', _parentrootroleid_value: role.id }]).get(role.id)?.roleid).to.equal(role.id);
  });

  it('counts a deeper grant as holding a shallower one', () => {
    expect(missingGrants([role], [{ PrivilegeName: 'prvReadAccount', Depth: 'Global' }, { PrivilegeName: 'prvReadUser', Depth: 'Deep' }])).to.deep.equal([]);
    expect(missingGrants([role], [{ PrivilegeName: 'prvReadAccount', Depth: 'Deep' }])).to.deep.equal(['prvReadAccount at Global', 'prvReadUser at Local']);
  });

  it('waits what Retry-After says, else backs off exponentially with jitter under a cap', () => {
    expect(parseRetryAfter('3')).to.equal(3000);
    expect(parseRetryAfter('0.5')).to.equal(500);
    expect(parseRetryAfter(new Date(Date.now() + 4000).toUTCString())).to.be.within(2000, 4000);
    expect(parseRetryAfter(undefined)).to.equal(undefined);
    expect(retryDelayMs(1, DEFAULT_RETRY, 7000, () => 0)).to.equal(7000);
    expect(retryDelayMs(1, DEFAULT_RETRY, undefined, () => 0)).to.equal(250);
    expect(retryDelayMs(3, DEFAULT_RETRY, undefined, () => 1)).to.equal(2000);
    expect(retryDelayMs(30, DEFAULT_RETRY, undefined, () => 1)).to.equal(DEFAULT_RETRY.maxDelayMs);
  });

  it('reads the tenant from the org\'s bearer challenge', () => {
    expect(parseBearerChallenge('Bearer authorization_uri=https://login.microsoftonline.com/0a1b2c3d-0000-4000-8000-000000000001/oauth2/authorize, resource_id=https://x.crm.dynamics.com/')).to.deep.equal({
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: '0a1b2c3d-0000-4000-8000-000000000001',
      resourceId: 'https://x.crm.dynamics.com/',
    });
    expect(parseBearerChallenge('Bearer realm=""')).to.equal(undefined);
    // ServiceClient's AuthorityResolver: `common` or `organizations` in a challenge names no tenant (fidelity-audit #17).
    expect(parseBearerChallenge('Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, resource_id=https://x.crm.dynamics.com/')).to.deep.equal({
      authorityHost: 'https://login.microsoftonline.com',
      resourceId: 'https://x.crm.dynamics.com/',
    });
  });

  it('names the failing component and its error text from an import job log', () => {
    const xml = `<importexportxml><solutionManifests><solutionManifest><UniqueName>S</UniqueName><result result="success" errorcode="0" errortext="" /></solutionManifest></solutionManifests><securityroles><securityrole id="{r}" name="Reader"><result result="failure" errorcode="0x80048033" errortext="The privilege prvReadX with id = 1 can't have depth = Basic" /></securityrole></securityroles></importexportxml>`;
    expect(readImportResult(xml).failures).to.deep.equal([{ component: 'securityrole "Reader"', code: '0x80048033', text: "The privilege prvReadX with id = 1 can't have depth = Basic" }]);
  });

  it('reads the root @succeeded and @status of an import job log, as ServiceClient does (fidelity-audit #10)', () => {
    const failed = readImportResult('<importexportxml succeeded="failure" status="The import of solution: S failed."><solutionManifests /></importexportxml>');
    expect(failed).to.deep.equal({ succeeded: false, status: 'The import of solution: S failed.', failures: [] });
    expect(readImportResult('<importexportxml succeeded="success" status=""></importexportxml>')).to.deep.equal({ succeeded: true, failures: [] });
  });
});

describe('deploy decisions: bound roles', () => {
  const user = (roles: Array<{ roleid: string; name: string }>) => ({ systemuserid: 'u', applicationid: 'a', isdisabled: false, _businessunitid_value: 'bu', systemuserroles_association: roles });
  it('counts a role as bound by its solution GUID or, where the org gave it another id, by name', () => {
    const none = new Map<string, string>();
    expect(unboundRoles([role], user([{ roleid: role.id, name: 'Renamed' }]), none)).to.deep.equal([]);
    expect(unboundRoles([role], user([{ roleid: 'other-id', name: 'Reader' }]), none)).to.deep.equal([]);
    expect(unboundRoles([role], user([{ roleid: 'other-id', name: 'System Administrator' }]), none)).to.deep.equal([role]);
    expect(unboundRoles([role], undefined, none)).to.deep.equal([role]);
    // The org gave the role another id: the user's binding to that id counts.
    expect(unboundRoles([role], user([{ roleid: 'org-id', name: 'Renamed' }]), new Map([[role.id, 'org-id']]))).to.deep.equal([]);
  });
});
