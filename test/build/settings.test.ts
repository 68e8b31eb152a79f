import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { writeFile } from 'node:fs/promises';
import { buildSolution } from '../../src/build.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';
import { SAP_REFERENCE, SAP_VARIABLE, SAP_ZIP, sapSpec } from '../support/settings-package.js';

/** solution.json `settings` (issue 16): rules for the included solutions' environment variables and connection references. */

/** The SAP zip with a second environment variable that has no default value. */
async function sapWithoutDefault(): Promise<string> {
  const zip = await JSZip.loadAsync(await readFile(SAP_ZIP));
  zip.file('environmentvariabledefinitions/mpa_TenantCode/environmentvariabledefinition.xml', '<environmentvariabledefinition schemaname="mpa_TenantCode"><displayname default="Tenant code" /><type>100000000</type></environmentvariabledefinition>');
  const file = path.join(await tempDir(), 'mpa_AccountassistantforSAP_1_0_0_0_managed.zip');
  await writeFile(file, await zip.generateAsync({ type: 'nodebuffer' }));
  return file;
}

describe('build: deployment settings in the spec', function () {
  this.timeout(60_000);
  after(removeTempDirs);

  it('a setting naming nothing in the package fails with exit 2, naming the field, the value, the names the package has, and the nearest', async () => {
    const src = await sapSpec({ mpa_SAPERPConnectionStrng: { description: 'The SAP connection string' } });
    const run = await runCli(['build', '--src', src, '--out', await tempDir()]);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.contain(
      `error: ${path.join(src, 'solution.json')}: settings.mpa_SAPERPConnectionStrng: "mpa_SAPERPConnectionStrng": expected an environment variable or connection reference of the package's solutions (mpa_SAPERPConnectionString, mpa_SAPERPAccountAssistance) (did you mean "mpa_SAPERPConnectionString"?)`,
    );
  });

  it('rules of the wrong type, and value rules on a connection reference, are each named', async () => {
    const src = await sapSpec({ [SAP_VARIABLE]: { description: '', required: 'yes', pattern: '(' }, [SAP_REFERENCE]: { description: 'SAP connection', https: true } });
    const error = await buildSolution({ src, out: await tempDir() }).then(() => undefined, (e: { problems: Array<{ path: string }> }) => e);
    expect(error?.problems.map((p) => p.path)).to.include.members([`settings.${SAP_VARIABLE}.description`, `settings.${SAP_VARIABLE}.required`, `settings.${SAP_VARIABLE}.pattern`, `settings.${SAP_REFERENCE}.https`]);
  });

  it('an environment variable without a default and without a description warns; the manifest carries the settings and what each solution declares', async () => {
    const src = await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true }, [SAP_REFERENCE]: { description: 'A connection to SAP ERP', required: false } }, [await sapWithoutDefault()]);
    const out = await tempDir();
    const run = await runCli(['build', '--src', src, '--out', out]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.contain('settings.mpa_TenantCode: (missing): expected a description of environment variable mpa_TenantCode (Tenant code, in mpa_AccountassistantforSAP): it has no default value');
    const result = await buildSolution({ src, out: await tempDir() });
    const manifest = JSON.parse(await readFile(path.join(result.package!.dir, 'manifest.json'), 'utf8'));
    expect(manifest.settings).to.deep.equal({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true }, [SAP_REFERENCE]: { description: 'A connection to SAP ERP', required: false } });
    expect(manifest.solutions[0].environmentVariables.map((v: { schemaName: string }) => v.schemaName)).to.deep.equal([SAP_VARIABLE, 'mpa_TenantCode']);
    const readme = await readFile(path.join(result.package!.dir, 'README.md'), 'utf8');
    expect(readme).to.contain('## Settings: environment variables and connection references').and.contain(`| \`${SAP_VARIABLE}\` (SAP ERP Connection String) | Account assistant for SAP | yes | \`{}\` | The SAP ERP connection string (JSON) |`).and.contain('--settings settings.json');
    expect(manifest.solutions[0].connectionReferences).to.deep.equal([{ logicalName: SAP_REFERENCE, displayName: 'SAP ERP Account assistant', connectorId: '/providers/Microsoft.PowerApps/apis/shared_saperp', flows: ['UnlockUser', 'ReadUser'] }]);
  });

  it('--strict makes that warning an error', async () => {
    const src = await sapSpec(undefined, [await sapWithoutDefault()]);
    const run = await runCli(['check', '--src', src, '--strict']);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stderr).to.contain('error: ').and.contain('settings.mpa_TenantCode');
  });
});
