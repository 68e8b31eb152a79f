import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import JSZip from 'jszip';
import { readPdPackage } from '../../../src/spec/included/read-pd-package.js';
import { readSolutionZip } from '../../../src/spec/included/read-solution-zip.js';
import { removeTempDirs } from '../../support/tmp.js';
import { KUDOS_ZIP, PDPKG, SAP_ZIP, writeTemp } from './fixtures.js';

/** Deployment settings as the real zips declare them (issue 16): environment variables and connection references. */
describe('included solutions: the deployment settings they declare', function () {
  this.timeout(20000);
  after(removeTempDirs);

  it('the SAP zip: its environment variable definition with its default, and its connection reference with the flows using it', async () => {
    const sap = await readSolutionZip(SAP_ZIP);
    expect(sap.environmentVariables).to.deep.equal([
      { schemaName: 'mpa_SAPERPConnectionString', displayName: 'SAP ERP Connection String', description: 'The connection string for the SAP ERP Connector.', type: 100000000, defaultValue: '{}' },
    ]);
    expect(sap.connectionReferences).to.deep.equal([
      { logicalName: 'mpa_SAPERPAccountAssistance', displayName: 'SAP ERP Account assistant', connectorId: '/providers/Microsoft.PowerApps/apis/shared_saperp', flows: ['UnlockUser', 'ReadUser'] },
    ]);
  });

  it('the Kudos zip: three connection references, each with the cloud flows that use it, and no environment variable', async () => {
    const kudos = await readSolutionZip(KUDOS_ZIP);
    expect(kudos.environmentVariables).to.deep.equal([]);
    expect(kudos.connectionReferences.map((r) => [r.logicalName, r.displayName, r.connectorId.split('/').at(-1), r.flows.length > 0])).to.deep.equal([
      ['mpa_KudosDataverse', 'Kudos - Dataverse', 'shared_commondataserviceforapps', true],
      ['mpa_KudosO365', 'Kudos - O365', 'shared_office365users', true],
      ['mpa_KudosOutlook', 'Kudos - Outlook', 'shared_office365', true],
    ]);
  });

  it('a definition without a default and of type Secret reads as such; a label stands in for a missing @default', async () => {
    const zip = await JSZip.loadAsync(await readFile(SAP_ZIP));
    zip.file('environmentvariabledefinitions/mpa_ApiKey/environmentvariabledefinition.xml', '<environmentvariabledefinition schemaname="mpa_ApiKey"><displayname><label description="API key" languagecode="1033" /></displayname><type>100000005</type></environmentvariabledefinition>');
    const file = await writeTemp('secret.zip', await zip.generateAsync({ type: 'nodebuffer' }));
    const read = await readSolutionZip(file);
    expect(read.environmentVariables.find((v) => v.schemaName === 'mpa_ApiKey')).to.deep.equal({ schemaName: 'mpa_ApiKey', displayName: 'API key', description: '', type: 100000005 });
  });

  it('the built package: its solutionParameters by solution, checked against the zips (none left over)', async () => {
    const pkg = await readPdPackage(PDPKG);
    expect(pkg.solutionParameters).to.deep.equal({
      mpa_EmployeeExperienceBase: [],
      mpa_Kudos: ['mpa_KudosDataverse', 'mpa_KudosO365', 'mpa_KudosOutlook'].map((name) => ({ type: 'connectionreference', name })),
    });
    expect(pkg.warnings).to.deep.equal([]);
    expect(pkg.solutions[1]!.solution.connectionReferences.map((r) => r.logicalName)).to.deep.equal(['mpa_KudosDataverse', 'mpa_KudosO365', 'mpa_KudosOutlook']);
  });
});
