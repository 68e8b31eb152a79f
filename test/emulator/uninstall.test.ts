/**
 * Solution removal over real HTTP: RetrieveDependenciesForUninstall, UninstallSolutionAsync (polled through
 * asyncoperations) and DELETE solutions(<id>), with the real EmployeeExperienceBase and Kudos zips (Kudos'
 * manifest requires the base's mpa_eelocalization table). The zips are read at run time from ../shared/fixtures/real.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { DEFAULT_IDS, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { adminSignIn, control, solutionZip, waitFor, webApi } from './helpers.js';

const REAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/real/templates-for-power-platform/solutions');
const BASE = () => readFileSync(path.join(REAL, 'mpa_EmployeeExperienceBase_managed.zip')).toString('base64');
const KUDOS = () => readFileSync(path.join(REAL, 'mpa_Kudos_managed.zip')).toString('base64');
const KUDOS_EMPLOYEE_ROLE = '6089cdb9-00c4-ed11-83ff-00224803a83a';
const ROLE = { id: '7a000000-0000-4000-8000-000000000001', name: 'Contoso Uninstall Role', privileges: [{ name: 'prvReadAccount', level: 'Global' }] };

interface Running {
  emulator: RunningEmulator;
  token: string;
}

async function start(options: EmulatorOptions = {}): Promise<Running> {
  const emulator = await startEmulator({ importDurationMs: 20, ...options });
  return { emulator, token: (await adminSignIn(emulator)).accessToken };
}

describe('emulator: solution uninstall and RetrieveDependenciesForUninstall', () => {
  let run: Running;
  const api = () => webApi(run.emulator.orgUrl, run.token);
  const org = () => run.emulator.state.data.orgs[0]!;
  const importSync = async (zip: string, extra: Record<string, unknown> = {}) => expect((await api().post('ImportSolution', { CustomizationFile: zip, ...extra })).status).to.equal(204);
  const solutionId = async (uniqueName: string): Promise<string> => (await api().get('solutions', { params: { $filter: `uniquename eq '${uniqueName}'`, $select: 'solutionid' } })).data.value[0]?.solutionid as string;
  const dependencies = (uniqueName: string) => api().get(`RetrieveDependenciesForUninstall(SolutionUniqueName='${uniqueName}')`);
  const componentId = async (solution: string, type: number) =>
    (await api().get('solutioncomponents', { params: { $filter: `_solutionid_value eq ${solution} and componenttype eq ${type}`, $select: 'objectid' } })).data.value.map((c: { objectid: string }) => c.objectid) as string[];
  const privilegeCount = async (name: string) => (await api().get('privileges', { params: { $filter: `name eq '${name}'`, $select: 'name' } })).data.value.length as number;
  /** Starts the async uninstall and polls asyncoperations(<id>) to completion. */
  async function uninstallAsync(uniqueName: string): Promise<Record<string, unknown>> {
    const started = await api().post('UninstallSolutionAsync', { SolutionUniqueName: uniqueName });
    expect(started.status, JSON.stringify(started.data)).to.equal(200);
    expect(started.data['@odata.context']).to.match(/\$metadata#Microsoft\.Dynamics\.CRM\.UninstallSolutionAsyncResponse$/);
    return waitFor(async () => {
      const r = await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`, { params: { $select: 'statecode,statuscode,message,operationtype' } });
      return r.data.statecode === 3 ? (r.data as Record<string, unknown>) : undefined;
    });
  }
  const world = () => JSON.stringify({ solutions: org().solutions, roles: org().roles, privileges: org().privileges, links: org().systemuserroles, components: org().solutioncomponents });

  describe('with the default seed', () => {
    before(async () => {
      run = await start();
    });
    afterEach(() => run.emulator.reset());
    after(() => run.emulator.close());

    it('walks a package out: base refused while Kudos needs it, Kudos uninstalled (roles, bindings, tables go), then the base; a second uninstall is not found', async () => {
      await importSync(BASE());
      await importSync(KUDOS());
      const [baseId, kudosId] = [await solutionId('mpa_EmployeeExperienceBase'), await solutionId('mpa_Kudos')];

      // RetrieveDependenciesForUninstall(base): Kudos' canvas app (300) needs the base's table (1).
      const listed = await dependencies('mpa_EmployeeExperienceBase');
      expect(listed.status).to.equal(200);
      expect(listed.data['@odata.context']).to.match(/\$metadata#dependencies$/);
      expect(listed.data.value).to.have.length(1);
      expect(listed.data.value[0]).to.include({
        dependencytype: 2,
        dependentcomponenttype: 300,
        dependentcomponentbasesolutionid: kudosId,
        dependentcomponentobjectid: (await componentId(kudosId, 300))[0],
        requiredcomponenttype: 1,
        requiredcomponentbasesolutionid: baseId,
        requiredcomponentobjectid: (await componentId(baseId, 1))[0],
      });
      expect((await api().get("RetrieveDependenciesForUninstall(SolutionUniqueName=@p)", { params: { '@p': "'mpa_EmployeeExperienceBase'" } })).data.value).to.deep.equal(listed.data.value);
      expect((await dependencies('mpa_Kudos')).data.value).to.deep.equal([]);
      const onFirstParty = (await dependencies('AuthorizationCore')).data.value as Array<{ dependentcomponentbasesolutionid: string }>;
      expect(onFirstParty.map((d) => d.dependentcomponentbasesolutionid)).to.include(kudosId);

      // Uninstalling the base is refused (in the job by default), naming Kudos' component; nothing changes.
      const before = world();
      const refused = await uninstallAsync('mpa_EmployeeExperienceBase');
      expect(refused).to.include({ statecode: 3, statuscode: 31, operationtype: 208 });
      expect(refused.message).to.match(/^0x8004F01D: Solution dependencies exist, cannot uninstall\. DependencyCount : 1 RequiredComponentObject details: Type: Entity, ObjectName: Employee Experience Localization, Id: [0-9a-f-]{36}, ParentObjectName: , ParentId: 0{8}-0{4}-0{4}-0{4}-0{12}, DependentComponentObject details: Type: CanvasApp, ObjectName: Kudos App, Id: [0-9a-f-]{36}, .* DependencyType: Published$/);
      const deleted = await api().delete(`solutions(${baseId})`);
      expect(deleted.status).to.equal(400);
      expect(deleted.data.error.code).to.equal('0x8004f01d');
      expect(deleted.data.error.message).to.contain('ObjectName: Kudos App');
      expect(world()).to.equal(before);

      // A user and a child-BU team hold a Kudos role; uninstalling Kudos takes the role, its copies and both bindings.
      const user = (await control(run.emulator).post('orgs/contoso/systemusers', { applicationId: '11111111-2222-4333-8444-000000000099', roles: [KUDOS_EMPLOYEE_ROLE] })).data as { systemuserid: string };
      expect((await control(run.emulator).post('orgs/contoso/teams', { name: 'Sales team', businessUnitId: DEFAULT_IDS.childBusinessUnit, roles: [KUDOS_EMPLOYEE_ROLE], members: [user.systemuserid] })).status).to.equal(201);
      expect(org().teamroles).to.have.length(1);
      expect(await privilegeCount('prvReadmpa_kudo')).to.equal(1);
      const done = await uninstallAsync('mpa_Kudos');
      expect(done).to.include({ statecode: 3, statuscode: 30, operationtype: 208 });
      expect(await solutionId('mpa_Kudos')).to.equal(undefined);
      expect((await api().get('roles', { params: { $filter: `_parentrootroleid_value eq ${KUDOS_EMPLOYEE_ROLE}`, $select: 'roleid' } })).data.value).to.deep.equal([]);
      expect((await api().get(`systemusers(${user.systemuserid})/systemuserroles_association`)).data.value).to.deep.equal([]);
      expect(org().teamroles).to.deep.equal([]);
      expect(await componentId(kudosId, 20)).to.deep.equal([]);
      expect(await privilegeCount('prvReadmpa_kudo')).to.equal(0);
      expect(await privilegeCount('prvReadmpa_eelocalization')).to.equal(1);
      expect((await dependencies('mpa_EmployeeExperienceBase')).data.value).to.deep.equal([]);

      // Now the base goes (synchronously), with its table's privileges; then it is not found any more.
      expect((await api().delete(`solutions(${baseId})`)).status).to.equal(204);
      expect(await solutionId('mpa_EmployeeExperienceBase')).to.equal(undefined);
      expect(await privilegeCount('prvReadmpa_eelocalization')).to.equal(0);
      const again = await api().post('UninstallSolutionAsync', { SolutionUniqueName: 'mpa_EmployeeExperienceBase' });
      expect(again.status).to.equal(404);
      expect(again.data.error.code).to.equal('0x80040217');
      expect((await api().delete(`solutions(${baseId})`)).data.error).to.deep.equal({ code: '0x80040217', message: `Entity 'solution' With Id = ${baseId} Does Not Exist` });
      expect((await dependencies('mpa_EmployeeExperienceBase')).status).to.equal(404);
    });

    it('needs prvDeleteSolution to uninstall (403 0x80040220 naming it) and SolutionUniqueName (0x80040203)', async () => {
      await importSync(await solutionZip({ roles: [ROLE] }));
      const id = await solutionId('ContosoSecurityRoles');
      expect((await api().post('UninstallSolutionAsync', {})).data.error.code).to.equal('0x80040203');
      expect((await control(run.emulator).delete(`orgs/contoso/roles/${DEFAULT_IDS.systemAdministratorRole}/privileges/prvDeleteSolution`)).status).to.equal(204);
      for (const refused of [await api().post('UninstallSolutionAsync', { SolutionUniqueName: 'ContosoSecurityRoles' }), await api().delete(`solutions(${id})`)]) {
        expect(refused.status).to.equal(403);
        expect(refused.data.error.code).to.equal('0x80040220');
        expect(refused.data.error.message).to.contain('is missing prvDeleteSolution privilege');
      }
      expect(await solutionId('ContosoSecurityRoles')).to.equal(id);
      expect((await dependencies('ContosoSecurityRoles')).status).to.equal(200);
    });

    it('refuses the base of a pending upgrade until the holding solution goes; uninstalling the holding solution keeps the base and its role', async () => {
      await importSync(await solutionZip({ roles: [ROLE], version: '1.0.0.0' }));
      await importSync(await solutionZip({ roles: [ROLE], version: '2.0.0.0' }), { HoldingSolution: true });
      const refused = await api().delete(`solutions(${await solutionId('ContosoSecurityRoles')})`);
      expect(refused.status).to.equal(400);
      expect(refused.data.error.message).to.equal('The solution ContosoSecurityRoles is the base for an upgrade solution. Please delete ContosoSecurityRoles_Upgrade first.');
      expect(await uninstallAsync('ContosoSecurityRoles_Upgrade')).to.include({ statuscode: 30 });
      expect(await solutionId('ContosoSecurityRoles')).to.be.a('string');
      expect((await api().get(`roles(${ROLE.id})`)).status).to.equal(200);
    });

    it('deleting an unmanaged solution removes only the container: its role stays', async () => {
      await importSync(await solutionZip({ roles: [ROLE], managed: false }));
      expect((await api().delete(`solutions(${await solutionId('ContosoSecurityRoles')})`)).status).to.equal(204);
      expect(await solutionId('ContosoSecurityRoles')).to.equal(undefined);
      expect((await api().get(`roles(${ROLE.id})`)).status).to.equal(200);
      expect(org().solutioncomponents.filter((c) => c.objectid === ROLE.id)).to.deep.equal([]);
    });
  });

  describe('options', () => {
    afterEach(() => run.emulator.close());

    it('while an import holds the solution lock: the uninstall job fails with 0x80071151, DELETE answers 400; an uninstall holds the lock against imports', async () => {
      run = await start({ importDurationMs: 300 });
      await importSync(await solutionZip({ roles: [ROLE] }));
      const id = await solutionId('ContosoSecurityRoles');
      const importing = await api().post('ImportSolutionAsync', { CustomizationFile: await solutionZip({ uniqueName: 'Other', version: '1.0.0.0' }) });
      expect(importing.status).to.equal(200);
      const deleted = await api().delete(`solutions(${id})`);
      expect([deleted.status, deleted.data.error?.code]).to.deep.equal([400, '0x80071151']);
      const blocked = await uninstallAsync('ContosoSecurityRoles');
      expect(blocked).to.include({ statecode: 3, statuscode: 31 });
      expect(blocked.message).to.match(/^0x80071151: Cannot start another \[Import\] because there is a previous \[Import\] running/);
      await waitFor(async () => (org().activeImportJobId === null ? true : undefined));
      expect(await solutionId('ContosoSecurityRoles')).to.equal(id);

      const started = await api().post('UninstallSolutionAsync', { SolutionUniqueName: 'ContosoSecurityRoles' });
      const collided = await api().post('ImportSolution', { CustomizationFile: await solutionZip({ uniqueName: 'Third' }) });
      expect(collided.data.error.code).to.equal('0x80071151');
      await waitFor(async () => ((await api().get(`asyncoperations(${started.data.AsyncOperationId as string})`)).data.statuscode === 30 ? true : undefined));
      expect(await solutionId('ContosoSecurityRoles')).to.equal(undefined);
    });

    it('uninstallDependencyRefusal "sync": the action call answers 400 0x8004F01D (statuses.solutionDependencies) and starts no job', async () => {
      run = await start({ uninstallDependencyRefusal: 'sync', statuses: { solutionDependencies: 409 } });
      await importSync(BASE());
      await importSync(KUDOS());
      const jobs = org().asyncoperations.length;
      const refused = await api().post('UninstallSolutionAsync', { SolutionUniqueName: 'mpa_EmployeeExperienceBase' });
      expect(refused.status).to.equal(409);
      expect(refused.data.error.code).to.equal('0x8004f01d');
      expect(org().asyncoperations).to.have.length(jobs);
    });

    it('concurrentImport "reject-start": an uninstall started under the lock answers 400 0x80071151', async () => {
      run = await start({ concurrentImport: 'reject-start', importDurationMs: 300 });
      await importSync(await solutionZip({ roles: [ROLE] }));
      expect((await api().post('ImportSolutionAsync', { CustomizationFile: await solutionZip({ uniqueName: 'Other' }) })).status).to.equal(200);
      const refused = await api().post('UninstallSolutionAsync', { SolutionUniqueName: 'ContosoSecurityRoles' });
      expect([refused.status, refused.data.error?.code]).to.deep.equal([400, '0x80071151']);
    });
  });
});
