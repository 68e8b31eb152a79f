import { expect } from 'chai';
import { checkIncludedSolutions } from '../../../src/spec/included/check-included.js';
import type { IncludedSolution } from '../../../src/spec/included/model.js';
import { readSolutionZip } from '../../../src/spec/included/read-solution-zip.js';
import type { PrivilegeGrant, RoleModel } from '../../../src/spec/model.js';
import { removeTempDirs } from '../../support/tmp.js';
import { BASE_ZIP, KUDOS_ZIP, unmanagedCopy } from './fixtures.js';

function role(privileges: PrivilegeGrant[]): RoleModel {
  return { id: '6a0c1f2e-3b4d-4c5e-8f60-718293a4b5c6', name: 'Kudos Integration', description: '', customizable: true, privileges };
}

describe('checkIncludedSolutions', function () {
  this.timeout(20000);
  let base: IncludedSolution;
  let kudos: IncludedSolution;
  before(async () => {
    [base, kudos] = await Promise.all([readSolutionZip(BASE_ZIP), readSolutionZip(KUDOS_ZIP)]);
  });
  after(removeTempDirs);

  it('passes the Kudos pair in order, and returns the first-party solutions the target org needs', () => {
    const result = checkIncludedSolutions([base, kudos], [role([{ name: 'prvReadmpa_eelocalization', level: 'Global' }, { name: 'prvReadmpa_kudo', level: 'Basic' }])]);
    expect(result.problems).to.deep.equal([]);
    expect(result.order).to.deep.equal(['mpa_EmployeeExperienceBase', 'mpa_Kudos']);
    expect(result.targetRequirements).to.deep.equal([
      { uniqueName: 'AppModuleWebResources', minVersion: '2.5', requiredBy: ['mpa_EmployeeExperienceBase'] },
      { uniqueName: 'AuthorizationCore', minVersion: '1.97.0.0', requiredBy: ['mpa_Kudos'] },
      { uniqueName: 'BaseCustomControlsCore', minVersion: '9.0.2309.3020', requiredBy: ['mpa_Kudos'] },
      { uniqueName: 'SettingDefinitionsData', minVersion: '9.1.23094.230918001', requiredBy: ['mpa_Kudos'] },
    ]);
  });

  it('refuses the wrong order, naming both and giving the right one', () => {
    const { problems, order } = checkIncludedSolutions([kudos, base], []);
    expect(order).to.deep.equal(['mpa_EmployeeExperienceBase', 'mpa_Kudos']);
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({
      severity: 'error',
      path: 'import order',
      value: 'mpa_Kudos, mpa_EmployeeExperienceBase',
      expected: 'mpa_Kudos after mpa_EmployeeExperienceBase, which it requires',
      hint: 'list them in this order: mpa_EmployeeExperienceBase, mpa_Kudos',
    });
  });

  it('refuses the same unique name twice, naming the other file, or saying the one file is listed twice', () => {
    const copy = { ...base, file: '/elsewhere/copy_managed.zip' };
    expect(checkIncludedSolutions([base, copy], []).problems.map((p) => p.expected)).to.deep.equal([`each solution once (${base.file} is mpa_EmployeeExperienceBase 1.0.0.16 too)`]);
    expect(checkIncludedSolutions([base, base], []).problems.map((p) => p.expected)).to.deep.equal(['each solution once (this file is listed twice)']);
  });

  it('refuses a required solution older than the version required', () => {
    const { problems } = checkIncludedSolutions([{ ...base, version: '1.0.0.10' }, kudos], []);
    expect(problems.map((p) => [p.value, p.expected])).to.deep.equal([
      ['mpa_EmployeeExperienceBase 1.0.0.10', 'mpa_EmployeeExperienceBase 1.0.0.15 or later, which mpa_Kudos requires (Employee Experience Localization, needed by canvas app Kudos App)'],
    ]);
  });

  it('refuses an unmanaged solution, naming the file', async () => {
    const unmanaged = await readSolutionZip(await unmanagedCopy());
    const { problems } = checkIncludedSolutions([unmanaged], []);
    expect(problems).to.have.length(1);
    expect(problems[0]!.file).to.contain('unmanaged.zip');
    expect(problems[0]!.expected).to.equal('a managed solution (<Managed>1</Managed>): an unmanaged import cannot be upgraded or uninstalled in the subscriber org');
  });

  it('refuses a misspelled custom privilege with a suggestion', () => {
    const { problems } = checkIncludedSolutions([base, kudos], [role([{ name: 'prvReadmpa_kduo', level: 'Global' }, { name: 'prvReadmpa_eelocalisation', level: 'Global' }])]);
    expect(problems.map((p) => [p.path, p.expected, p.hint])).to.deep.equal([
      ['privileges.prvReadmpa_kduo', 'a privilege of a table an included solution defines', 'did you mean prvReadmpa_kudo?'],
      ['privileges.prvReadmpa_eelocalisation', 'a privilege of a table an included solution defines', 'did you mean prvReadmpa_eelocalization?'],
    ]);
    expect(problems[0]!.file).to.equal('role "Kudos Integration"');
  });

  it('leaves out-of-box and other publishers\' privileges to the spec validator', () => {
    const { problems } = checkIncludedSolutions([base, kudos], [role([{ name: 'prvReadAccount', level: 'Global' }, { name: 'prvReadmsdyn_richtextfile', level: 'Basic' }])]);
    expect(problems).to.deep.equal([]);
  });
});
