/**
 * Solution requirements (solution.xml MissingDependencies) checked on import, the first-party solutions of the
 * default seed, and the components recorded per solution. Real Microsoft zips are read at run time from
 * ../shared/fixtures/real (never copied into the repository).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import JSZip from 'jszip';
import { DEFAULT_IDS, EmulatorConfigError, FIRST_PARTY_SOLUTIONS, defaultSeed, startEmulator, type EmulatorOptions, type RunningEmulator, type Seed } from '../../src/emulator/index.js';
import { adminSignIn, control, solutionZip, waitFor, webApi } from './helpers.js';

const REAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/real/templates-for-power-platform');
const realZip = (name: string) => readFileSync(path.join(REAL, 'solutions', name)).toString('base64');
const BASE = () => realZip('mpa_EmployeeExperienceBase_managed.zip');
const KUDOS = () => realZip('mpa_Kudos_managed.zip');
const SAP = () => realZip('mpa_AccountassistantforSAP_1_0_0_0_managed.zip');

/** A solution zip inside the built Package Deployer package (older versions: EEBase 1.0.0.10, Kudos 1.0.0.28). */
async function packagedZip(name: string): Promise<string> {
  const pdpkg = await JSZip.loadAsync(readFileSync(path.join(REAL, 'built', 'mpa_Kudos.DeploymentPackage.1.0.0.pdpkg.zip')));
  const entry = pdpkg.file(`PkgAssets/${name}`);
  if (!entry) throw new Error(`no ${name} in the pdpkg`);
  return (await entry.async('nodebuffer')).toString('base64');
}

/** A minimal managed solution with the given root components and MissingDependencies (inner XML). */
async function manifestZip(args: { uniqueName: string; rootComponents?: string; missing?: string; customizations?: string; entries?: Record<string, string> }): Promise<string> {
  const solutionXml = `<ImportExportXml version="9.2" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive"><SolutionManifest><UniqueName>${args.uniqueName}</UniqueName><LocalizedNames><LocalizedName description="${args.uniqueName}" languagecode="1033" /></LocalizedNames><Version>1.0.0.0</Version><Managed>1</Managed><Publisher><UniqueName>fabrikam</UniqueName></Publisher><RootComponents>${args.rootComponents ?? ''}</RootComponents><MissingDependencies>${args.missing ?? ''}</MissingDependencies></SolutionManifest></ImportExportXml>`;
  const base = await JSZip.loadAsync(Buffer.from(await solutionZip({ uniqueName: args.uniqueName, files: { 'solution.xml': solutionXml, ...(args.customizations ? { 'customizations.xml': args.customizations } : {}) } }), 'base64'));
  for (const [name, content] of Object.entries(args.entries ?? {})) base.file(name, content);
  return (await base.generateAsync({ type: 'nodebuffer' })).toString('base64');
}

const ACTIVE_WIDGET = '<MissingDependency><Required type="1" schemaName="fab_widget" displayName="Widget" solution="Active" /><Dependent type="29" displayName="Widget flow" id="{11111111-2222-4333-8444-000000000029}" /></MissingDependency>';
/** The base's table, defined by another solution (its privileges are what Kudos' roles grant). */
const ELOCALIZATION_TABLE = '<ImportExportXml><Entities><Entity><Name>mpa_eelocalization</Name><EntityInfo><entity Name="mpa_eelocalization"><OwnershipTypeMask>UserOwned</OwnershipTypeMask><IsActivity>0</IsActivity></entity></EntityInfo></Entity></Entities><Roles /></ImportExportXml>';
const MISSING_PREFIX = 'The following solution cannot be imported: ';

interface Running {
  emulator: RunningEmulator;
  token: string;
}

async function start(options: EmulatorOptions = {}): Promise<Running> {
  const emulator = await startEmulator({ importDurationMs: 10, ...options });
  return { emulator, token: (await adminSignIn(emulator)).accessToken };
}

describe('emulator: solution requirements (0x8004801D) and recorded components', () => {
  let run: Running;
  const api = () => webApi(run.emulator.orgUrl, run.token);
  const importSync = (zip: string, extra: Record<string, unknown> = {}) => api().post('ImportSolution', { CustomizationFile: zip, OverwriteUnmanagedCustomizations: false, PublishWorkflows: false, ...extra });
  const installed = () => run.emulator.state.data.orgs[0]!.solutions.map((s) => s.uniquename);

  async function importAsync(zip: string): Promise<{ operation: Record<string, unknown>; job: Record<string, unknown> }> {
    const started = await api().post('ImportSolutionAsync', { CustomizationFile: zip });
    expect(started.status).to.equal(200);
    const operation = await waitFor(async () => {
      const r = await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`, { params: { $select: 'statecode,statuscode,message' } });
      return r.data.statecode === 3 ? (r.data as Record<string, unknown>) : undefined;
    });
    const job = (await api().get(`importjobs(${started.data.ImportJobKey as string})`, { params: { $select: 'data,solutionname' } })).data as Record<string, unknown>;
    return { operation, job };
  }

  async function components(uniqueName: string): Promise<Array<{ componenttype: number; objectid: string; schemaname?: string }>> {
    const solution = (await api().get('solutions', { params: { $filter: `uniquename eq '${uniqueName}'`, $select: 'solutionid' } })).data.value[0] as { solutionid: string };
    const served = (await api().get('solutioncomponents', { params: { $filter: `_solutionid_value eq ${solution.solutionid}`, $select: 'componenttype,objectid,_solutionid_value' } }));
    expect(served.status).to.equal(200);
    const recorded = run.emulator.state.data.orgs[0]!.solutioncomponents.filter((c) => c.solutionid === solution.solutionid);
    expect(served.data.value.map((c: { objectid: string }) => c.objectid)).to.have.members(recorded.map((c) => c.objectid));
    return recorded;
  }

  describe('with the default seed', () => {
    before(async () => {
      run = await start();
    });
    afterEach(() => run.emulator.reset());
    after(() => run.emulator.close());

    it('seeds the first-party solutions the fixtures require, managed, at the versions they need', async () => {
      const rows = (await api().get('solutions', { params: { $select: 'uniquename,version,ismanaged', $orderby: 'uniquename asc' } })).data.value as Array<Record<string, unknown>>;
      expect(rows.map((r) => `${String(r.uniquename)}@${String(r.version)}:${String(r.ismanaged)}`)).to.deep.equal([
        'AppModuleWebResources@2.5:true',
        'AuthorizationCore@1.97.0.0:true',
        'BaseCustomControlsCore@9.0.2309.3020:true',
        'SettingDefinitionsData@9.1.23094.230918001:true',
      ]);
      expect(FIRST_PARTY_SOLUTIONS.map((s) => s.uniqueName)).to.deep.equal(rows.map((r) => r.uniquename));
    });

    it('refuses Kudos before EmployeeExperienceBase synchronously: 400 0x8004801D naming mpa_EmployeeExperienceBase, in the job log too', async () => {
      const jobId = 'dddddddd-0000-4000-8000-000000000001';
      const response = await importSync(KUDOS(), { ImportJobId: jobId });
      expect(response.status).to.equal(400);
      expect(response.data.error.code).to.equal('0x8004801d');
      const message = response.data.error.message as string;
      expect(message.startsWith(`${MISSING_PREFIX}mpa_Kudos. Some dependencies are missing. The missing dependencies are : <MissingDependencies><MissingDependency canResolveMissingDependency="False"><Required type="1" schemaName="mpa_eelocalization" displayName="Employee Experience Localization" solution="mpa_EmployeeExperienceBase (1.0.0.15)" /><Dependent type="300" schemaName="mpa_KudosApp" displayName="Kudos App" /></MissingDependency></MissingDependencies>`), message).to.equal(true);
      expect(message.endsWith('</MissingDependencies> , ProductUpdatesOnly : False')).to.equal(true);
      for (const met of ['AuthorizationCore', 'BaseCustomControlsCore', 'SettingDefinitionsData']) expect(message).to.not.contain(met);
      expect(installed()).to.not.include('mpa_Kudos');
      const job = (await api().get(`importjobs(${jobId})`, { params: { $select: 'data' } })).data.data as string;
      expect(job).to.match(/<solutionManifest [^>]*id="mpa_Kudos"[^>]*>.*<result result="failure" errorcode="0x8004801D" errortext="Solution manifest import: FAILURE: The following solution cannot be imported: mpa_Kudos\. Some dependencies are missing\./);
      expect(job).to.contain('solution=&quot;mpa_EmployeeExperienceBase (1.0.0.15)&quot;');
      expect(job).to.match(/^<importexportxml [^>]*succeeded="failure"/);
      const result = await api().get(`RetrieveSolutionImportResult(ImportJobId=${jobId})`);
      expect(result.data.SolutionOperationResult.Status).to.equal('Failed');
    });

    it('refuses Kudos before EmployeeExperienceBase in the async job: 3/31, the failure under solutionManifest', async () => {
      const { operation, job } = await importAsync(KUDOS());
      expect(operation).to.include({ statecode: 3, statuscode: 31 });
      expect(operation.message).to.match(/^0x8004801D: The following solution cannot be imported: mpa_Kudos\. .*solution="mpa_EmployeeExperienceBase \(1\.0\.0\.15\)"/);
      expect(job.data).to.match(/<solutionManifest [^>]*><UniqueName>mpa_Kudos<\/UniqueName>.*<result result="failure" errorcode="0x8004801D" errortext="Solution manifest import: FAILURE: /);
      expect(installed()).to.not.include('mpa_Kudos');
    });

    it('imports EmployeeExperienceBase then Kudos (sync and async), and records each solution\'s tables, apps and flows', async () => {
      expect((await importSync(BASE())).status).to.equal(204);
      const { operation } = await importAsync(KUDOS());
      expect(operation).to.include({ statecode: 3, statuscode: 30 });
      const base = await components('mpa_EmployeeExperienceBase');
      const named = (list: typeof base, type: number) => list.filter((c) => c.componenttype === type).map((c) => c.schemaname);
      expect(named(base, 1)).to.deep.equal(['mpa_eelocalization']);
      expect(named(base, 80)).to.deep.equal(['mpa_EELocalizationAdminApp']);
      expect(base.filter((c) => c.componenttype === 20)).to.have.length(2);
      const kudos = await components('mpa_Kudos');
      expect(named(kudos, 1)).to.have.members(['mpa_badge', 'mpa_kudo', 'mpa_optoutuser', 'systemuser']);
      expect(named(kudos, 300)).to.deep.equal(['mpa_KudosApp']);
      expect(named(kudos, 80)).to.deep.equal(['mpa_KudosAdminApp']);
      expect(kudos.filter((c) => c.componenttype === 29).map((c) => c.objectid)).to.include('9985ea58-32c4-ed11-83ff-00224803a83a').and.to.have.length(6);
      expect(kudos.some((c) => base.some((b) => b.objectid === c.objectid))).to.equal(false);
    });

    it('gives System Administrator the privileges of the tables a solution brings, at their deepest depth', async () => {
      expect((await importSync(BASE())).status).to.equal(204);
      const held = (await api().get(`RetrieveRolePrivilegesRole(RoleId=${DEFAULT_IDS.systemAdministratorRole})`)).data.RolePrivileges as Array<{ PrivilegeName: string; Depth: string }>;
      expect(held.filter((p) => p.PrivilegeName.endsWith('mpa_eelocalization')).map((p) => `${p.PrivilegeName}:${p.Depth}`)).to.have.members(
        ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'].map((r) => `prv${r}mpa_eelocalization:Global`),
      );
    });

    it('imports the real AccountassistantforSAP zip: its flows and its connection reference (customizations.xml only) are recorded', async () => {
      expect((await importSync(SAP())).status).to.equal(204);
      const sap = await components('mpa_AccountassistantforSAP');
      expect(sap.filter((c) => c.componenttype === 29).map((c) => c.objectid)).to.have.members(['8bf993ce-7374-ef11-ac21-000d3a32ac2c', 'f478599e-bf76-ef11-ac20-6045bd0135d0']);
      expect(sap.filter((c) => c.componenttype === 10150).map((c) => c.schemaname)).to.deep.equal(['mpa_SAPERPAccountAssistance']);
    });

    it('records environment variable definitions: root components (380) and ones found only as zip folders', async () => {
      const zip = await manifestZip({
        uniqueName: 'FabrikamSettings',
        rootComponents: '<RootComponent type="380" schemaName="fab_ApiBaseUrl" behavior="0" />',
        entries: { 'environmentvariabledefinitions/fab_ApiBaseUrl/environmentvariabledefinition.xml': '<environmentvariabledefinition schemaname="fab_ApiBaseUrl" />', 'environmentvariabledefinitions/fab_Region/environmentvariabledefinition.xml': '<environmentvariabledefinition schemaname="fab_Region" />' },
      });
      expect((await importSync(zip)).status).to.equal(204);
      expect((await components('FabrikamSettings')).filter((c) => c.componenttype === 380).map((c) => c.schemaname)).to.have.members(['fab_ApiBaseUrl', 'fab_Region']);
    });

    it('control API: removing an installed first-party solution makes the import fail naming it; adding it back, lower then right, settles it', async () => {
      expect((await importSync(BASE())).status).to.equal(204);
      expect((await control(run.emulator).delete('orgs/contoso/solutions/AuthorizationCore')).status).to.equal(204);
      expect((await control(run.emulator).delete('orgs/contoso/solutions/AuthorizationCore')).status).to.equal(404);
      const refused = await importSync(KUDOS());
      expect(refused.data.error.code).to.equal('0x8004801d');
      expect(refused.data.error.message).to.contain('solution="AuthorizationCore (1.97.0.0)"').and.not.contain('mpa_EmployeeExperienceBase (');
      await control(run.emulator).post('orgs/contoso/solutions', { uniqueName: 'AuthorizationCore', version: '1.96.9.9' });
      expect((await importSync(KUDOS())).data.error.message).to.contain('AuthorizationCore (1.97.0.0)');
      await control(run.emulator).post('orgs/contoso/solutions', { uniqueName: 'AuthorizationCore', version: '1.97.0.0' });
      expect((await importSync(KUDOS())).status).to.equal(204);
    });

    it('control API: deleting an imported solution removes its component rows and the roles only it carried', async () => {
      expect((await importSync(BASE())).status).to.equal(204);
      const org = run.emulator.state.data.orgs[0]!;
      const id = org.solutions.find((s) => s.uniquename === 'mpa_EmployeeExperienceBase')!.solutionid;
      const roleIds = org.solutioncomponents.filter((c) => c.solutionid === id && c.componenttype === 20).map((c) => c.objectid);
      expect((await control(run.emulator).delete('orgs/contoso/solutions/mpa_EmployeeExperienceBase')).status).to.equal(204);
      expect(org.solutioncomponents.filter((c) => c.solutionid === id)).to.deep.equal([]);
      expect(org.roles.filter((r) => roleIds.includes(r._parentrootroleid_value))).to.deep.equal([]);
      expect((await importSync(KUDOS())).data.error.message).to.contain('mpa_EmployeeExperienceBase (1.0.0.15)');
    });

    it('activeDependencies "component" (default): an "Active" requirement needs its component in some solution of the org', async () => {
      const dependent = await manifestZip({ uniqueName: 'FabrikamFlows', missing: ACTIVE_WIDGET });
      const refused = await importSync(dependent);
      expect(refused.data.error.code).to.equal('0x8004801d');
      expect(refused.data.error.message).to.contain('<Required type="1" schemaName="fab_widget" displayName="Widget" solution="Active" />');
      expect((await importSync(await manifestZip({ uniqueName: 'FabrikamTables', rootComponents: '<RootComponent type="1" schemaName="fab_widget" behavior="0" />' }))).status).to.equal(204);
      expect((await importSync(dependent)).status).to.equal(204);
    });

    it('activeDependencies "component": the real packaged Kudos 1.0.0.28 ("Active" mpa_eelocalization) needs its packaged base first', async () => {
      const kudos = await packagedZip('mpa_Kudos_managed.zip');
      const refused = await importSync(kudos);
      expect(refused.data.error.message).to.contain('schemaName="mpa_eelocalization" displayName="Employee Experience Localization" solution="Active"');
      expect((await importSync(await packagedZip('mpa_EmployeeExperienceBase_managed.zip'))).status).to.equal(204);
      expect((await importSync(kudos)).status).to.equal(204);
    });

    it('dependencyMatch "solution" (default): the required component in another solution does not stand in for the named solution', async () => {
      expect((await importSync(await manifestZip({ uniqueName: 'OtherBase', rootComponents: '<RootComponent type="1" schemaName="mpa_eelocalization" behavior="0" />' }))).status).to.equal(204);
      expect((await importSync(KUDOS())).data.error.message).to.contain('mpa_EmployeeExperienceBase (1.0.0.15)');
    });
  });

  describe('with the inferred behaviour switched', () => {
    afterEach(() => run.emulator.close());

    it('activeDependencies "ignore": an "Active" requirement is always met', async () => {
      run = await start({ activeDependencies: 'ignore' });
      expect((await importSync(await manifestZip({ uniqueName: 'FabrikamFlows', missing: ACTIVE_WIDGET }))).status).to.equal(204);
      // Past the requirement check, its roles still need the base's table privileges (0x80048058, not 0x8004801D).
      const kudos = await importSync(await packagedZip('mpa_Kudos_managed.zip'));
      expect(kudos.data.error.code).to.equal('0x80048058');
      expect(kudos.data.error.message).to.contain('mpa_eelocalization');
    });

    it('dependencyMatch "solution-or-component": the required component in another solution meets the requirement', async () => {
      run = await start({ dependencyMatch: 'solution-or-component' });
      expect((await importSync(KUDOS())).data.error.code).to.equal('0x8004801d');
      expect((await importSync(await manifestZip({ uniqueName: 'OtherBase', rootComponents: '<RootComponent type="1" schemaName="mpa_eelocalization" behavior="0" />', customizations: ELOCALIZATION_TABLE }))).status).to.equal(204);
      const response = await importSync(KUDOS());
      expect(response.status, JSON.stringify(response.data)).to.equal(204);
    });

    it('statuses.missingDependencies sets the synchronous status; StageAndUpgrade checks requirements too', async () => {
      run = await start({ statuses: { missingDependencies: 409 } });
      const response = await importSync(KUDOS());
      expect(response.status).to.equal(409);
      expect(response.data.error.code).to.equal('0x8004801d');
      const upgrade = await api().post('StageAndUpgrade', { CustomizationFile: KUDOS(), ImportJobId: 'dddddddd-0000-4000-8000-000000000002' });
      expect(upgrade.status).to.equal(409);
    });
  });

  describe('with seeds that leave first-party solutions out', () => {
    afterEach(() => run.emulator.close());

    const seedWith = (solutions: Seed['orgs'][number]['solutions']): Seed => {
      const seed = defaultSeed();
      seed.orgs[0]!.solutions = solutions;
      return seed;
    };

    it('a seed without AppModuleWebResources makes EmployeeExperienceBase fail naming it', async () => {
      run = await start({ seed: seedWith(FIRST_PARTY_SOLUTIONS.filter((s) => s.uniqueName !== 'AppModuleWebResources')) });
      const response = await importSync(BASE());
      expect(response.status).to.equal(400);
      expect(response.data.error.message).to.match(/^The following solution cannot be imported: mpa_EmployeeExperienceBase\. Some dependencies are missing\. .*<Required type="61" schemaName="msdyn_\/Images\/AppModule_Default_Icon\.png" displayName="[^"]*" solution="AppModuleWebResources \(2\.5\)" \/><Dependent type="80" schemaName="mpa_EELocalizationAdminApp"/);
      const { operation } = await (async () => {
        const started = await api().post('ImportSolutionAsync', { CustomizationFile: BASE() });
        return { operation: await waitFor(async () => { const r = await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`); return r.data.statecode === 3 ? r.data : undefined; }) };
      })();
      expect(operation.statuscode).to.equal(31);
      expect(operation.message).to.contain('AppModuleWebResources (2.5)');
    });

    it('a seed with no solutions at all: only the requirement-free SAP zip imports', async () => {
      run = await start({ seed: seedWith(undefined) });
      expect(run.emulator.state.data.orgs[0]!.solutions).to.deep.equal([]);
      expect((await importSync(SAP())).status).to.equal(204);
      expect((await importSync(BASE())).data.error.code).to.equal('0x8004801d');
    });

    it('validates seed solutions with their JSON paths', async () => {
      const bad = seedWith([{ uniqueName: '1bad', version: '1.0' }, { uniqueName: 'Good', version: 'x' }, { uniqueName: 'good', version: '1.0', managed: 'yes' as unknown as boolean }]);
      try {
        await startEmulator({ seed: bad });
        expect.fail('the seed was accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(EmulatorConfigError);
        const message = (error as EmulatorConfigError).message;
        expect((error as EmulatorConfigError).code).to.equal('EMULATOR_SEED_INVALID');
        expect(message).to.contain('orgs[0].solutions[0].uniqueName');
        expect(message).to.contain('orgs[0].solutions[1].version');
        expect(message).to.contain('orgs[0].solutions[2].uniqueName: expected a unique name not listed before');
        expect(message).to.contain('orgs[0].solutions[2].managed');
      }
      run = await start();
    });
  });
});
