import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { buildSamplePackage, orgRequests, SAMPLE_CLIENT_ID, startSampleEmulator, type BuiltPackage } from '../support/deploy-harness.js';
import { runInProcess } from '../support/runner-harness.js';
import { CONNECTOR_PREFIX as API, kudosSettings, KUDOS_REFERENCES, SAP_REFERENCE, SAP_VARIABLE, sapSpec, settingsFile } from '../support/settings-package.js';
import { removeTempDirs, tempDir } from '../support/tmp.js';
import { BASE_ZIP, buildWholeApp, KUDOS_ZIP } from '../support/whole-app-package.js';

/** Deployment settings at deploy time (issue 16): --settings and --set, checked before any write, applied at import or with the Web API. */

const build = (src: string): Promise<BuiltPackage> => buildSamplePackage({ src });

describe('deploy: deployment settings (in-process, against the emulator)', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  afterEach(async () => {
    await emulator?.close();
  });
  after(removeTempDirs);

  const org = () => emulator.state.data.orgs[0]!;
  const connectionOf = (logicalName: string) => org().connectionreferences.find((r) => r.connectionreferencelogicalname === logicalName)?.connectionid;
  const valueOf = (schemaName: string) => {
    const definition = org().environmentvariabledefinitions.find((d) => d.schemaname === schemaName);
    return org().environmentvariablevalues.find((v) => v._environmentvariabledefinitionid_value === definition?.environmentvariabledefinitionid)?.value;
  };
  const writes = () => orgRequests(emulator.log()).writes.map((e) => `${e.method} ${e.path.replace(/^.*\/api\/data\/v[0-9.]+\//, '').replace(/\(.*\)/, '(…)')}`);

  async function start(): Promise<void> {
    emulator = await startSampleEmulator();
    emulator.grantConsent(emulator.tenantId, SAMPLE_CLIENT_ID);
  }

  it('Kudos: a settings file gives its three connection references at import; a re-run makes no writes; a changed one is shown and written', async () => {
    const pkg = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    await start();
    const { file, connections } = await kudosSettings(emulator);
    const first = await runInProcess(pkg, emulator, ['--yes', '--settings', file]);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    expect(first.stdout).to.contain(`mpa_KudosO365 (Kudos - O365; connection reference, shared_office365users): (no connection) -> "${connections['mpa_KudosO365']}" from --settings, set by the import of mpa_Kudos`);
    for (const name of Object.keys(KUDOS_REFERENCES)) expect(connectionOf(name), name).to.equal(connections[name]);
    expect(writes().filter((w) => w.startsWith('PATCH')), 'given at import, not written afterwards').to.deep.equal([]);

    emulator.clearLog();
    const again = await runInProcess(pkg, emulator, ['--yes', '--settings', file]);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout).to.contain(`"${connections['mpa_KudosO365']}" (from --settings; the org has it already)`);
    expect(writes()).to.deep.equal([]);

    const other = emulator.createConnection('contoso', { connectorId: `${API}shared_office365users`, name: 'another O365 connection' });
    emulator.clearLog();
    const changed = await runInProcess(pkg, emulator, ['--yes', '--settings', file, '--set', `mpa_KudosO365=${other}`]);
    expect(changed.code, changed.stdout + changed.stderr).to.equal(0);
    expect(changed.stdout).to.contain(`mpa_KudosO365 (Kudos - O365; connection reference, shared_office365users): "${connections['mpa_KudosO365']}" -> "${other}" from --set, written now`);
    expect(connectionOf('mpa_KudosO365')).to.equal(other);
    expect(writes()).to.deep.equal(['PATCH connectionreferences(…)']);
  });

  it('Kudos: references left without a connection are listed at the end with the flows that stay off and where to set them', async () => {
    const pkg = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    await start();
    const result = await runInProcess(pkg, emulator, ['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const tail = result.stdout.slice(result.stdout.lastIndexOf('Confirming'));
    expect(tail).to.match(/connection reference mpa_KudosOutlook \(Kudos - Outlook\) has no connection; the flows "[^"]+" stay off until it has one\. Set it in the maker portal: Solutions > [^>]+ > Connection References/);
  });

  it('a fleet run refuses connection references (a connection belongs to one environment), before any request', async () => {
    const pkg = await buildWholeApp([BASE_ZIP, KUDOS_ZIP]);
    await start();
    const orgs = path.join(await tempDir(), 'orgs.txt');
    await writeFile(orgs, `${emulator.orgUrl}\n`);
    emulator.clearLog();
    const result = await runInProcess(pkg, emulator, ['--orgs', orgs, '--yes', '--set', 'mpa_KudosO365=0123456789abcdef0123456789abcdef'], {}, { fleet: true });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain(
      'connection references cannot be set for many orgs at once (mpa_KudosO365): a connection id belongs to one environment. Give only environment variables with --orgs or --all-environments, and set connection references per org: deploy.mjs --org <url> --settings <file>',
    );
    expect(emulator.log()).to.deep.equal([]);
  });

  it('SAP: a required environment variable missing from the settings stops the run before any write, naming it and its description', async () => {
    const pkg = await build(await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true } }));
    await start();
    const result = await runInProcess(pkg, emulator, ['--yes']);
    expect(result.code, result.stdout + result.stderr).to.equal(5);
    expect(result.stderr).to.contain('preflight found 1 problem; nothing was changed').and.contain(`${SAP_VARIABLE} (SAP ERP Connection String) is required: The SAP ERP connection string (JSON); give it in --settings <file>`);
    expect(writes()).to.deep.equal([]);
  });

  it('SAP: an unknown name, a value breaking the rule and a wrong connector id are each named, before any write', async () => {
    const pkg = await build(await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', pattern: '\\{.*\\}' } }));
    await start();
    const office = emulator.createConnection('contoso', { connectorId: `${API}shared_office365` });
    const file = await settingsFile({ EnvironmentVariables: [{ SchemaName: 'mpa_SAPERPConnectionStrng', Value: '{}' }], ConnectionReferences: [{ LogicalName: SAP_REFERENCE, ConnectionId: office, ConnectorId: `${API}shared_office365` }] });
    const result = await runInProcess(pkg, emulator, ['--yes', '--settings', file, '--set', `${SAP_VARIABLE}=host=sap.example.invalid`]);
    expect(result.code, result.stdout + result.stderr).to.equal(5);
    expect(result.stderr)
      .to.contain(`--settings ${file}: EnvironmentVariables[0]: mpa_SAPERPConnectionStrng: the package has no environment variable of that name (it has ${SAP_VARIABLE})`)
      .and.contain(`--set ${SAP_VARIABLE}: ${SAP_VARIABLE} (SAP ERP Connection String): "host=sap.example.invalid" is not a value matching \\{.*\\} (The SAP ERP connection string (JSON))`)
      .and.contain(`--settings ${file}: ConnectionReferences[0]: ${SAP_REFERENCE} (SAP ERP Account assistant): ConnectorId ${API}shared_office365 is not this connection reference's connector, ${API}shared_saperp`);
    expect(writes()).to.deep.equal([]);
  });

  it('SAP: a connection the org does not have fails the import, naming the reference and the connection id', async () => {
    const pkg = await build(await sapSpec(undefined));
    await start();
    const missing = '0123456789abcdef0123456789abcdef';
    const result = await runInProcess(pkg, emulator, ['--yes', '--set', `${SAP_REFERENCE}=${missing}`]);
    expect(result.code, result.stdout + result.stderr).to.equal(6);
    expect(result.stderr).to.contain(`the import of mpa_AccountassistantforSAP 1.0.0.0 failed, and nothing after it was changed: the org has no connection ${missing} of connector shared_saperp for connection reference ${SAP_REFERENCE} (SAP ERP Account assistant, --set ${SAP_REFERENCE})`);
  });

  it('SAP: a settings write with no clear answer is read again: a PATCH answered 503 is sent again, a POST whose answer was lost is not (one value row)', async () => {
    const pkg = await build(await sapSpec(undefined));
    await start();
    expect((await runInProcess(pkg, emulator, ['--yes'])).code).to.equal(0);
    const connection = emulator.createConnection('contoso', { connectorId: `${API}shared_saperp` });
    emulator.clearLog();
    emulator.setFaults('drop@1,route=POST */environmentvariablevalues,phase=response;503@1,route=PATCH */connectionreferences(*)');
    const result = await runInProcess(pkg, emulator, ['--yes', '--set', `${SAP_VARIABLE}={"a":1}`, '--set', `${SAP_REFERENCE}=${connection}`]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain(`ok set ${SAP_VARIABLE}, ${SAP_REFERENCE}`);
    expect(writes()).to.deep.equal(['POST environmentvariablevalues', 'PATCH connectionreferences(…)', 'PATCH connectionreferences(…)']);
    const definition = org().environmentvariabledefinitions.find((d) => d.schemaname === SAP_VARIABLE)!;
    expect(org().environmentvariablevalues.filter((v) => v._environmentvariabledefinitionid_value === definition.environmentvariabledefinitionid).map((v) => v.value)).to.deep.equal(['{"a":1}']);
    expect(connectionOf(SAP_REFERENCE)).to.equal(connection);
  });

  it('SAP: a secret value goes in and is shown only as "(secret, set)", in no output or report', async () => {
    const pkg = await build(await sapSpec({ [SAP_VARIABLE]: { description: 'The SAP ERP connection string (JSON)', required: true, secret: true } }));
    await start();
    const secret = '{"AppServerHost":"sap.example.invalid","Password":"s3cr3t-Value-9f2"}';
    const dir = await tempDir();
    const valueFile = path.join(dir, 'value.txt');
    await writeFile(valueFile, `${secret}\n`);
    const report = path.join(dir, 'report.json');
    const result = await runInProcess(pkg, emulator, ['--yes', '--json', '--report', report, '--set', `${SAP_VARIABLE}=@${valueFile}`]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(valueOf(SAP_VARIABLE)).to.equal(secret);
    const text = await runInProcess(pkg, emulator, ['--plan', '--set', `${SAP_VARIABLE}=@${valueFile}`]);
    expect(text.stdout).to.contain(`${SAP_VARIABLE} (SAP ERP Connection String; environment variable, required): (secret, set) (from --set; the org has it already)`);
    for (const output of [result.stdout, result.stderr, text.stdout, text.stderr, await readFile(report, 'utf8')]) expect(output).to.not.contain('s3cr3t-Value-9f2');
  });
});
