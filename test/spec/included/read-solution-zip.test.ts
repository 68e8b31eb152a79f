import { expect } from 'chai';
import { open, readFile } from 'node:fs/promises';
import JSZip from 'jszip';
import { isDvpkgError, type Problem } from '../../../src/errors.js';
import { MAX_SOLUTION_BYTES, MAX_XML_ENTRY_BYTES } from '../../../src/spec/included/limits.js';
import { readSolutionZip } from '../../../src/spec/included/read-solution-zip.js';
import { removeTempDirs } from '../../support/tmp.js';
import { BASE_ZIP, KUDOS_ZIP, rawZip, SAP_ZIP, unmanagedCopy, writeTemp } from './fixtures.js';

async function problemsOf(file: string): Promise<Problem[]> {
  let error: unknown;
  try {
    readSolutionZip(file);
  } catch (e) {
    error = e;
  }
  if (!isDvpkgError(error)) throw new Error(`expected a DvpkgError, got ${String(error)}`);
  return [...error.problems];
}

describe('readSolutionZip', function () {
  this.timeout(20000);
  after(removeTempDirs);

  it('reads mpa_EmployeeExperienceBase: identity, its one user-owned table with eight privileges, its roles', async () => {
    const solution = await readSolutionZip(BASE_ZIP);
    expect(solution).to.include({ uniqueName: 'mpa_EmployeeExperienceBase', version: '1.0.0.16', displayName: 'Employee Experience Base', managed: true });
    expect(solution.publisher).to.deep.equal({ uniqueName: 'PowerAccelerator', displayName: 'Microsoft Power Accelerator', prefix: 'mpa' });
    expect(solution.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(solution.rootComponents).to.have.length(7);
    expect(solution.tables.map((t) => [t.schemaName, t.ownership])).to.deep.equal([['mpa_eelocalization', 'user']]);
    const table = solution.tables[0]!;
    expect(table.privileges.map((p) => p.name)).to.deep.equal([
      'prvCreatempa_eelocalization', 'prvReadmpa_eelocalization', 'prvWritempa_eelocalization', 'prvDeletempa_eelocalization',
      'prvAppendmpa_eelocalization', 'prvAppendTompa_eelocalization', 'prvAssignmpa_eelocalization', 'prvSharempa_eelocalization',
    ]);
    expect(table.privileges[0]!.depths).to.deep.equal(['Basic', 'Local', 'Deep', 'Global']);
    expect(table.inferred).to.equal(true);
    expect(solution.roles.map((r) => r.name)).to.deep.equal(['Employee Experience Localization Reader', 'Employee Experience Localizer']);
    expect(solution.roles[0]!.id).to.equal('b798943f-3df0-ed11-8849-0022480492d7');
    expect(solution.roles[0]!.privileges).to.deep.include({ name: 'prvReadmpa_eelocalization', level: 'Global' });
    expect(solution.requires.map((r) => [r.uniqueName, r.minVersion])).to.deep.equal([['AppModuleWebResources', '2.5']]);
    expect(solution.requiresUnmanaged).to.deep.equal([]);
  });

  it('reads mpa_Kudos: three defined tables (not the referenced SystemUser), three roles, and what it requires', async () => {
    const solution = await readSolutionZip(KUDOS_ZIP);
    expect(solution).to.include({ uniqueName: 'mpa_Kudos', version: '1.0.0.36', managed: true });
    expect(solution.tables.map((t) => [t.schemaName, t.displayName, t.ownership])).to.deep.equal([
      ['mpa_Badge', 'Badge', 'user'],
      ['mpa_kudo', 'Kudo', 'user'],
      ['mpa_optoutuser', 'Opt-out User', 'user'],
    ]);
    expect(solution.roles.map((r) => [r.name, r.privileges.length])).to.deep.equal([
      ['Kudos - Employee', 87],
      ['Kudos - Manager', 85],
      ['Kudos - Program Admin', 462],
    ]);
    expect(solution.roles[0]!.privileges).to.deep.include({ name: 'prvReadmpa_eelocalization', level: 'Global' });
    expect(solution.requires.map((r) => [r.uniqueName, r.minVersion])).to.deep.equal([
      ['mpa_EmployeeExperienceBase', '1.0.0.15'],
      ['AuthorizationCore', '1.97.0.0'],
      ['BaseCustomControlsCore', '9.0.2309.3020'],
      ['SettingDefinitionsData', '9.1.23094.230918001'],
    ]);
    expect(solution.requires[0]!.components).to.deep.equal([{ type: '1', name: 'mpa_eelocalization', displayName: 'Employee Experience Localization', neededBy: 'canvas app Kudos App' }]);
  });

  it('reads a solution without tables or roles (Account assistant for SAP)', async () => {
    const solution = await readSolutionZip(SAP_ZIP);
    expect(solution).to.include({ uniqueName: 'mpa_AccountassistantforSAP', version: '1.0.0.0', managed: true });
    expect(solution.tables).to.deep.equal([]);
    expect(solution.roles).to.deep.equal([]);
  });

  it('reads an unmanaged export as managed: false (the check refuses it)', async () => {
    expect((await readSolutionZip(await unmanagedCopy())).managed).to.equal(false);
  });

  it('refuses a truncated zip, naming the file', async () => {
    const data = await readFile(KUDOS_ZIP);
    const file = await writeTemp('cut.zip', data.subarray(0, Math.floor(data.length / 2)));
    const [problem, ...rest] = await problemsOf(file);
    expect(rest).to.deep.equal([]);
    expect(problem!.file).to.contain('cut.zip');
    expect(problem!.expected).to.contain('no end-of-central-directory record; is the file cut short?');
  });

  it('refuses a zip with an entry that climbs out (../)', async () => {
    const zip = await JSZip.loadAsync(await readFile(BASE_ZIP));
    zip.file('../../evil.txt', 'x');
    const file = await writeTemp('slip.zip', await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    const [problem] = await problemsOf(file);
    expect(problem!.expected).to.contain('entry "../../evil.txt" points outside the zip');
  });

  it('refuses a zip without customizations.xml', async () => {
    const zip = await JSZip.loadAsync(await readFile(BASE_ZIP));
    zip.remove('customizations.xml');
    const file = await writeTemp('partial.zip', await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
    const [problem] = await problemsOf(file);
    expect(problem!.expected).to.equal('a solution zip with solution.xml and customizations.xml at its root (customizations.xml missing; is this an exported solution?)');
  });

  describe('a zip bomb: customizations.xml of 40 MB of spaces, compressed to kilobytes', () => {
    const spaces = Buffer.alloc(40 * 1024 * 1024, 0x20);
    let solutionXml: Buffer;
    before(async () => {
      solutionXml = await (await JSZip.loadAsync(await readFile(BASE_ZIP))).file('solution.xml')!.async('nodebuffer');
    });

    it('is refused from its declared size before inflating', async () => {
      const bomb = rawZip([{ name: 'solution.xml', data: solutionXml }, { name: 'customizations.xml', data: spaces }]);
      expect(bomb.length).to.be.below(256 * 1024);
      const [problem] = await problemsOf(await writeTemp('bomb.zip', bomb));
      expect(problem!.expected).to.equal(`a readable solution zip: customizations.xml expands to more than ${MAX_XML_ENTRY_BYTES} bytes, the most dvpkg reads (a zip bomb?)`);
    });

    it('is refused while inflating when its headers claim 100 bytes', async () => {
      const liar = rawZip([{ name: 'solution.xml', data: solutionXml }, { name: 'customizations.xml', data: spaces, claimedSize: 100 }]);
      const [problem] = await problemsOf(await writeTemp('liar.zip', liar));
      expect(problem!.expected).to.contain('customizations.xml expands to more than');
    });
  });

  it('refuses a 96 MB file before reading it, with the Dataverse limit as the reason', async () => {
    const file = await writeTemp('big.zip', '');
    const handle = await open(file, 'r+');
    await handle.truncate(96 * 1024 * 1024);
    await handle.close();
    expect(96 * 1024 * 1024).to.be.above(MAX_SOLUTION_BYTES);
    const [problem] = await problemsOf(file);
    expect(problem!.value).to.equal(`${96 * 1024 * 1024} bytes`);
    expect(problem!.expected).to.equal('at most 95.0 MB: The maximum size of a solution file is 95 MB (Microsoft Learn, "Import solutions")');
  });
});
