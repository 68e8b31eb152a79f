/**
 * Deployment settings: environment variable definitions and connection references a solution brings, the
 * ComponentParameters an import passes for them, the environmentvariabledefinitions / environmentvariablevalues /
 * connectionreferences entity sets, and connections from the control API. Real Microsoft zips are read at run
 * time from ../shared/fixtures/real (never copied into the repository).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import JSZip from 'jszip';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, control, solutionZip, waitFor, webApi } from './helpers.js';

const SOLUTIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/real/templates-for-power-platform/solutions');
const realZip = (name: string) => readFileSync(path.join(SOLUTIONS, name)).toString('base64');
const SAP = () => realZip('mpa_AccountassistantforSAP_1_0_0_0_managed.zip');
const BASE = () => realZip('mpa_EmployeeExperienceBase_managed.zip');
const KUDOS = () => realZip('mpa_Kudos_managed.zip');

const SAP_VARIABLE = 'mpa_SAPERPConnectionString';
const SAP_REFERENCE = 'mpa_SAPERPAccountAssistance';
const SAP_CONNECTOR = '/providers/Microsoft.PowerApps/apis/shared_saperp';

const variableParameter = (schemaname: string, value: string) => ({ '@odata.type': 'Microsoft.Dynamics.CRM.environmentvariablevalue', schemaname, value });
const referenceParameter = (logicalName: string, connectionid: string) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.connectionreference',
  connectionreferencelogicalname: logicalName,
  connectorid: SAP_CONNECTOR,
  connectionid,
});

/** A managed solution defining one String environment variable, with a packaged current value when given. */
async function variableZip(args: { uniqueName: string; version?: string; value?: string }): Promise<string> {
  const zip = await JSZip.loadAsync(Buffer.from(await solutionZip({ uniqueName: args.uniqueName, version: args.version ?? '1.0.0.0' }), 'base64'));
  const folder = 'environmentvariabledefinitions/fab_ApiBaseUrl';
  zip.file(`${folder}/environmentvariabledefinition.xml`, '<environmentvariabledefinition schemaname="fab_ApiBaseUrl"><defaultvalue>https://api.example.invalid</defaultvalue><displayname default="API base URL" /><isrequired>1</isrequired><type>100000000</type></environmentvariabledefinition>');
  if (args.value !== undefined) zip.file(`${folder}/environmentvariablevalues.json`, JSON.stringify({ environmentvariablevalues: { environmentvariablevalue: { iscustomizable: '1', schemaname: 'fab_ApiBaseUrl', value: args.value } } }));
  return (await zip.generateAsync({ type: 'nodebuffer' })).toString('base64');
}

interface Definition { environmentvariabledefinitionid: string; schemaname: string; displayname: string | null; type: number | null; defaultvalue: string | null; isrequired: boolean; ismanaged: boolean }
interface Value { environmentvariablevalueid: string; schemaname: string | null; value: string | null; _environmentvariabledefinitionid_value: string }
interface Reference { connectionreferenceid: string; connectionreferencelogicalname: string; connectionreferencedisplayname: string | null; connectorid: string | null; connectionid: string | null }

describe('emulator: deployment settings (environment variables, connection references, ComponentParameters)', () => {
  let emulator: RunningEmulator;
  let token: string;
  const api = () => webApi(emulator.orgUrl, token);
  const importSync = (zip: string, extra: Record<string, unknown> = {}) => api().post('ImportSolution', { CustomizationFile: zip, OverwriteUnmanagedCustomizations: false, PublishWorkflows: false, ...extra });
  const connection = async (connectorId: string) => {
    const created = await control(emulator).post('orgs/contoso/connections', { connectorId });
    expect(created.status).to.equal(201);
    return created.data.connectionId as string;
  };

  async function importAsync(zip: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const started = await api().post('ImportSolutionAsync', { CustomizationFile: zip, OverwriteUnmanagedCustomizations: false, PublishWorkflows: false, ...extra });
    expect(started.status).to.equal(200);
    return waitFor(async () => {
      const r = await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`, { params: { $select: 'statecode,statuscode,message' } });
      return r.data.statecode === 3 ? (r.data as Record<string, unknown>) : undefined;
    });
  }

  async function definition(schemaName: string): Promise<Definition | undefined> {
    const response = await api().get('environmentvariabledefinitions', { params: { $filter: `schemaname eq '${schemaName}'`, $select: 'schemaname,displayname,type,defaultvalue,isrequired,ismanaged' } });
    expect(response.status).to.equal(200);
    return response.data.value[0] as Definition | undefined;
  }

  async function values(definitionId: string): Promise<Value[]> {
    const response = await api().get('environmentvariablevalues', { params: { $filter: `_environmentvariabledefinitionid_value eq ${definitionId}` } });
    expect(response.status).to.equal(200);
    return response.data.value as Value[];
  }

  async function reference(logicalName: string): Promise<Reference | undefined> {
    const response = await api().get('connectionreferences', { params: { $filter: `connectionreferencelogicalname eq '${logicalName}'`, $select: 'connectionreferencelogicalname,connectionreferencedisplayname,connectorid,connectionid' } });
    expect(response.status).to.equal(200);
    return response.data.value[0] as Reference | undefined;
  }

  before(async () => {
    emulator = await startEmulator({ importDurationMs: 10 });
    token = (await adminSignIn(emulator)).accessToken;
  });
  afterEach(() => emulator.reset());
  after(() => emulator.close());

  it('importing the real SAP zip serves its environment variable definition and its connection reference, ids matching its solution components', async () => {
    expect((await importSync(SAP())).status).to.equal(204);
    const sapVariable = await definition(SAP_VARIABLE);
    expect(sapVariable).to.include({ schemaname: SAP_VARIABLE, displayname: 'SAP ERP Connection String', type: 100000000, defaultvalue: '{}', isrequired: false, ismanaged: true });
    const byKey = await api().get(`environmentvariabledefinitions(${sapVariable!.environmentvariabledefinitionid})`, { params: { $select: 'schemaname' } });
    expect(byKey.status).to.equal(200);
    expect(byKey.data).to.include({ schemaname: SAP_VARIABLE });
    expect(byKey.data['@odata.context']).to.match(/\$metadata#environmentvariabledefinitions\(schemaname\)\/\$entity$/);
    expect(await values(sapVariable!.environmentvariabledefinitionid)).to.deep.equal([]);
    const sapReference = await reference(SAP_REFERENCE);
    expect(sapReference).to.include({ connectionreferencedisplayname: 'SAP ERP Account assistant', connectorid: SAP_CONNECTOR, connectionid: null });
    const components = emulator.state.data.orgs[0]!.solutioncomponents;
    expect(components.find((c) => c.componenttype === 380)?.objectid).to.equal(sapVariable!.environmentvariabledefinitionid);
    expect(components.find((c) => c.componenttype === 10150)?.objectid).to.equal(sapReference!.connectionreferenceid);
  });

  it('importing EmployeeExperienceBase then the real Kudos zip shows its three connection references', async () => {
    expect((await importSync(BASE())).status).to.equal(204);
    expect((await importSync(KUDOS())).status).to.equal(204);
    const response = await api().get('connectionreferences', { params: { $select: 'connectionreferencelogicalname,connectorid,connectionreferencedisplayname', $orderby: 'connectionreferencelogicalname asc', $count: 'true' } });
    expect(response.data['@odata.count']).to.equal(3);
    expect(response.data.value.map((r: Reference) => [r.connectionreferencelogicalname, r.connectorid, r.connectionreferencedisplayname])).to.deep.equal([
      ['mpa_KudosDataverse', '/providers/Microsoft.PowerApps/apis/shared_commondataserviceforapps', 'Kudos - Dataverse'],
      ['mpa_KudosO365', '/providers/Microsoft.PowerApps/apis/shared_office365users', 'Kudos - O365'],
      ['mpa_KudosOutlook', '/providers/Microsoft.PowerApps/apis/shared_office365', 'Kudos - Outlook'],
    ]);
  });

  it('ComponentParameters (ImportSolutionAsync) set the variable\'s value and the reference\'s connection', async () => {
    const connectionId = await connection(SAP_CONNECTOR);
    expect(connectionId).to.match(/^[0-9a-f]{32}$/);
    const operation = await importAsync(SAP(), { ComponentParameters: [variableParameter(SAP_VARIABLE, '{"host":"sap.example.invalid"}'), referenceParameter(SAP_REFERENCE, connectionId)] });
    expect(operation).to.include({ statecode: 3, statuscode: 30 });
    const sapVariable = (await definition(SAP_VARIABLE))!;
    expect(await values(sapVariable.environmentvariabledefinitionid)).to.have.length(1).and.to.satisfy((rows: Value[]) => rows[0]!.value === '{"host":"sap.example.invalid"}' && rows[0]!.schemaname === SAP_VARIABLE);
    const expanded = await api().get(`environmentvariabledefinitions(${sapVariable.environmentvariabledefinitionid})`, { params: { $select: 'schemaname', $expand: 'environmentvariabledefinition_environmentvariablevalue($select=value)' } });
    expect(expanded.data.environmentvariabledefinition_environmentvariablevalue.map((v: Value) => v.value)).to.deep.equal(['{"host":"sap.example.invalid"}']);
    expect((await reference(SAP_REFERENCE))?.connectionid).to.equal(connectionId);
  });

  it('ComponentParameters (sync ImportSolution) with a connection from the programmatic helper; "#"-prefixed types and the bare API name are read', async () => {
    const connectionId = emulator.createConnection('contoso', { connectorId: 'shared_saperp', name: 'SAP (tests)' });
    const parameters = [{ ...variableParameter(SAP_VARIABLE, 'x'), '@odata.type': '#Microsoft.Dynamics.CRM.environmentvariablevalue' }, referenceParameter(SAP_REFERENCE, connectionId)];
    expect((await importSync(SAP(), { ComponentParameters: parameters })).status).to.equal(204);
    expect((await reference(SAP_REFERENCE))?.connectionid).to.equal(connectionId);
    expect(emulator.state.data.orgs[0]!.connections.find((c) => c.connectionId === connectionId)).to.include({ connectorId: SAP_CONNECTOR, name: 'SAP (tests)' });
  });

  describe('refused ComponentParameters change nothing', () => {
    const notFound = (id: string) => `Request failed with: NotFound and error: {"error":{"code":"ConnectionNotFound","message":"Could not find connection '${id}' for API 'shared_saperp'."}}`;
    const untouched = async () => {
      expect(emulator.state.data.orgs[0]!.solutions.map((s) => s.uniquename)).to.not.include('mpa_AccountassistantforSAP');
      expect(await reference(SAP_REFERENCE)).to.equal(undefined);
      expect(await definition(SAP_VARIABLE)).to.equal(undefined);
    };

    it('a connection of another connector: sync 400 with the API hub\'s ConnectionNotFound', async () => {
      const outlook = await connection('/providers/Microsoft.PowerApps/apis/shared_office365');
      const response = await importSync(SAP(), { ComponentParameters: [referenceParameter(SAP_REFERENCE, outlook)] });
      expect(response.status).to.equal(400);
      expect(response.data.error).to.deep.equal({ code: '0x80040203', message: notFound(outlook) });
      await untouched();
    });

    it('a connection that does not exist: the async job fails (3/31) with the same text', async () => {
      const missing = '0123456789abcdef0123456789abcdef';
      const operation = await importAsync(SAP(), { ComponentParameters: [referenceParameter(SAP_REFERENCE, missing)] });
      expect(operation).to.include({ statecode: 3, statuscode: 31, message: `0x80040203: ${notFound(missing)}` });
      await untouched();
    });

    it('a name neither the solution nor the org has: 0x80040217 (unknownComponentParameter: fail)', async () => {
      const response = await importSync(SAP(), { ComponentParameters: [variableParameter('fab_Nothing', 'x')] });
      expect(response.status).to.equal(400);
      expect(response.data.error).to.deep.equal({ code: '0x80040217', message: "Entity 'environmentvariabledefinition' With SchemaName = fab_Nothing Does Not Exist" });
      const byReference = await importSync(SAP(), { ComponentParameters: [referenceParameter('fab_nothing', 'abc')] });
      expect(byReference.data.error).to.deep.equal({ code: '0x80040217', message: "Entity 'connectionreference' With ConnectionReferenceLogicalName = fab_nothing Does Not Exist" });
      await untouched();
    });

    it('a malformed parameter: 400 0x80040203 on the call, no job', async () => {
      for (const bad of [{ '@odata.type': 'Microsoft.Dynamics.CRM.account', name: 'x' }, { '@odata.type': 'Microsoft.Dynamics.CRM.environmentvariablevalue', value: 'no schema name' }, 'text']) {
        const response = await importSync(SAP(), { ComponentParameters: [bad] });
        expect(response.status, JSON.stringify(bad)).to.equal(400);
        expect(response.data.error.code).to.equal('0x80040203');
      }
      expect((await importSync(SAP(), { ComponentParameters: { schemaname: 'x' } })).data.error.message).to.contain('Collection(crmbaseentity)');
      expect(emulator.state.data.orgs[0]!.importjobs).to.deep.equal([]);
    });
  });

  it('unknownComponentParameter: ignore skips what names nothing', async () => {
    const lenient = await startEmulator({ importDurationMs: 10, unknownComponentParameter: 'ignore' } satisfies EmulatorOptions);
    try {
      const lenientToken = (await adminSignIn(lenient)).accessToken;
      const response = await webApi(lenient.orgUrl, lenientToken).post('ImportSolution', { CustomizationFile: SAP(), ComponentParameters: [variableParameter('fab_Nothing', 'x')] });
      expect(response.status).to.equal(204);
      expect(lenient.state.data.orgs[0]!.environmentvariablevalues).to.deep.equal([]);
    } finally {
      await lenient.close();
    }
  });

  it('PATCH connectionreferences(<id>) sets the connection of a solution already installed, refusing another connector\'s', async () => {
    expect((await importSync(SAP())).status).to.equal(204);
    const { connectionreferenceid: id } = (await reference(SAP_REFERENCE))!;
    const sap = await connection('shared_saperp');
    expect((await api().patch(`connectionreferences(${id})`, { connectionid: sap })).status).to.equal(204);
    expect((await reference(SAP_REFERENCE))?.connectionid).to.equal(sap);
    const dataverse = await connection('shared_commondataserviceforapps');
    const refused = await api().patch(`connectionreferences(${id})`, { connectionid: dataverse });
    expect(refused.status).to.equal(400);
    expect(refused.data.error.message).to.contain(`Could not find connection '${dataverse}' for API 'shared_saperp'.`);
    expect((await reference(SAP_REFERENCE))?.connectionid).to.equal(sap);
    const represented = await api().patch(`connectionreferences(${id})`, { connectionid: null }, { headers: { Prefer: 'return=representation' } });
    expect(represented.status).to.equal(200);
    expect(represented.data).to.include({ connectionid: null, connectionreferencelogicalname: SAP_REFERENCE });
    expect((await api().patch(`connectionreferences(${id})`, { connectorid: 'shared_other' })).status).to.equal(501);
    expect((await api().patch('connectionreferences(00000000-0000-4000-8000-00000000ffff)', { connectionid: sap })).status).to.equal(404);
  });

  it('POST environmentvariablevalues with EnvironmentVariableDefinitionId@odata.bind, then PATCH its value', async () => {
    expect((await importSync(SAP())).status).to.equal(204);
    const { environmentvariabledefinitionid: definitionId } = (await definition(SAP_VARIABLE))!;
    const created = await api().post('environmentvariablevalues', { value: 'first', schemaname: `${SAP_VARIABLE}_value`, 'EnvironmentVariableDefinitionId@odata.bind': `/environmentvariabledefinitions(${definitionId})` });
    expect(created.status).to.equal(204);
    const location = String(created.headers['odata-entityid']);
    const valueId = /environmentvariablevalues\(([^)]+)\)$/.exec(location)?.[1];
    expect(valueId).to.be.a('string');
    expect((await api().patch(`environmentvariablevalues(${valueId!})`, { value: 'second' })).status).to.equal(204);
    const read = await api().get(`environmentvariablevalues(${valueId!})`, { params: { $select: 'value,schemaname,_environmentvariabledefinitionid_value' } });
    expect(read.data).to.include({ value: 'second', schemaname: `${SAP_VARIABLE}_value`, _environmentvariabledefinitionid_value: definitionId });
    const represented = await api().post('environmentvariablevalues', { value: 'another', 'EnvironmentVariableDefinitionId@odata.bind': `/environmentvariabledefinitions(${definitionId})` }, { headers: { Prefer: 'return=representation' } });
    expect(represented.status).to.equal(201);
    expect(represented.data).to.include({ value: 'another', _environmentvariabledefinitionid_value: definitionId });
    // "The interface only allows creation of one value per definition": the API does not refuse a second one.
    expect(await values(definitionId)).to.have.length(2);
  });

  it('POST environmentvariablevalues: no binding 400, an unknown definition 404, an unmodelled column 501', async () => {
    const noBinding = await api().post('environmentvariablevalues', { value: 'x' });
    expect(noBinding.status).to.equal(400);
    expect(noBinding.data.error.code).to.equal('0x80040203');
    const unknown = await api().post('environmentvariablevalues', { value: 'x', 'EnvironmentVariableDefinitionId@odata.bind': '/environmentvariabledefinitions(00000000-0000-4000-8000-00000000ffff)' });
    expect(unknown.status).to.equal(404);
    expect(unknown.data.error.code).to.equal('0x80040217');
    expect((await api().post('environmentvariablevalues', { value: 'x', statecode: 1 })).status).to.equal(501);
    expect((await api().get('environmentvariablevalues', { params: { $select: 'ownerid' } })).status).to.equal(501);
  });

  it('a packaged current value is applied once; a later import keeps the org\'s value, ComponentParameters replace it', async () => {
    expect((await importSync(await variableZip({ uniqueName: 'FabrikamSettings', value: 'packaged' }))).status).to.equal(204);
    const fabrikam = (await definition('fab_ApiBaseUrl'))!;
    expect(fabrikam).to.include({ displayname: 'API base URL', defaultvalue: 'https://api.example.invalid', isrequired: true, type: 100000000 });
    expect((await values(fabrikam.environmentvariabledefinitionid)).map((v) => v.value)).to.deep.equal(['packaged']);
    expect((await importSync(await variableZip({ uniqueName: 'FabrikamSettings', version: '1.0.0.1', value: 'newer' }))).status).to.equal(204);
    expect((await values(fabrikam.environmentvariabledefinitionid)).map((v) => v.value)).to.deep.equal(['packaged']);
    const withParameter = await importSync(await variableZip({ uniqueName: 'FabrikamSettings', version: '1.0.0.2', value: 'newer' }), { ComponentParameters: [variableParameter('fab_ApiBaseUrl', 'deployer')] });
    expect(withParameter.status).to.equal(204);
    expect((await values(fabrikam.environmentvariabledefinitionid)).map((v) => v.value)).to.deep.equal(['deployer']);
  });

  it('packagedEnvironmentVariableValue: overwrite replaces the org\'s value with the packaged one', async () => {
    const overwriting = await startEmulator({ importDurationMs: 10, packagedEnvironmentVariableValue: 'overwrite' });
    try {
      const client = webApi(overwriting.orgUrl, (await adminSignIn(overwriting)).accessToken);
      expect((await client.post('ImportSolution', { CustomizationFile: await variableZip({ uniqueName: 'FabrikamSettings', value: 'packaged' }) })).status).to.equal(204);
      expect((await client.post('ImportSolution', { CustomizationFile: await variableZip({ uniqueName: 'FabrikamSettings', version: '1.0.0.1', value: 'newer' }) })).status).to.equal(204);
      expect(overwriting.state.data.orgs[0]!.environmentvariablevalues.map((v) => v.value)).to.deep.equal(['newer']);
    } finally {
      await overwriting.close();
    }
  });

  it('StageAndUpgrade applies ComponentParameters, and the definition survives the base solution\'s removal', async () => {
    expect((await importSync(await variableZip({ uniqueName: 'FabrikamSettings' }))).status).to.equal(204);
    const before = (await definition('fab_ApiBaseUrl'))!;
    const upgraded = await api().post('StageAndUpgrade', {
      CustomizationFile: await variableZip({ uniqueName: 'FabrikamSettings', version: '2.0.0.0' }),
      OverwriteUnmanagedCustomizations: false,
      PublishWorkflows: false,
      ImportJobId: 'eeeeeeee-0000-4000-8000-000000000001',
      ComponentParameters: [variableParameter('fab_ApiBaseUrl', 'upgraded')],
    });
    expect(upgraded.status).to.equal(200);
    expect(emulator.state.data.orgs[0]!.solutions.filter((s) => s.uniquename.startsWith('FabrikamSettings')).map((s) => `${s.uniquename}@${s.version}`)).to.deep.equal(['FabrikamSettings@2.0.0.0']);
    expect((await definition('fab_ApiBaseUrl'))?.environmentvariabledefinitionid).to.equal(before.environmentvariabledefinitionid);
    expect((await values(before.environmentvariabledefinitionid)).map((v) => v.value)).to.deep.equal(['upgraded']);
  });

  it('uninstalling the managed solution removes its definitions with their values and its connection references', async () => {
    const connectionId = await connection(SAP_CONNECTOR);
    expect((await importSync(SAP(), { ComponentParameters: [variableParameter(SAP_VARIABLE, 'v'), referenceParameter(SAP_REFERENCE, connectionId)] })).status).to.equal(204);
    const solutionId = emulator.state.data.orgs[0]!.solutions.find((s) => s.uniquename === 'mpa_AccountassistantforSAP')!.solutionid;
    expect((await api().delete(`solutions(${solutionId})`)).status).to.equal(204);
    const org = emulator.state.data.orgs[0]!;
    expect([org.environmentvariabledefinitions, org.environmentvariablevalues, org.connectionreferences]).to.deep.equal([[], [], []]);
    expect(org.connections.map((c) => c.connectionId)).to.deep.equal([connectionId]);
  });

  it('control API: connectorId is required, an unknown org is 404; reset forgets connections', async () => {
    expect((await control(emulator).post('orgs/contoso/connections', {})).status).to.equal(400);
    expect((await control(emulator).post('orgs/nowhere/connections', { connectorId: 'shared_saperp' })).status).to.equal(404);
    expect(() => emulator.createConnection('nowhere', { connectorId: 'shared_saperp' })).to.throw(/No org nowhere/);
    await connection('shared_saperp');
    emulator.reset();
    expect(emulator.state.data.orgs[0]!.connections).to.deep.equal([]);
  });
});
