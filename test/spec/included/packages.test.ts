import { expect } from 'chai';
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isDvpkgError } from '../../../src/errors.js';
import { readSolutionSource } from '../../../src/spec/included-solutions.js';
import { MAX_PACKAGE_BYTES } from '../../../src/spec/included/limits.js';
import { readPdPackage } from '../../../src/spec/included/read-pd-package.js';
import { readPdProject } from '../../../src/spec/included/read-pd-project.js';
import { removeTempDirs } from '../../support/tmp.js';
import { completePdProject, PD_PROJECT, PDPKG, rawZip, writeTemp } from './fixtures.js';

describe('Package Deployer inputs', function () {
  this.timeout(20000);
  after(removeTempDirs);

  it('a file larger than any package is refused by its size as a solution zip, without being read to look for ImportConfig.xml', async () => {
    const file = await writeTemp('huge_managed.zip', '');
    const handle = await open(file, 'r+');
    await handle.truncate(MAX_PACKAGE_BYTES + 1);
    await handle.close();
    let error: unknown;
    try {
      readSolutionSource(file);
    } catch (e) {
      error = e;
    }
    expect(isDvpkgError(error) ? error.problems.map((p) => p.expected) : error).to.deep.equal(['at most 95.0 MB: The maximum size of a solution file is 95 MB (Microsoft Learn, "Import solutions")']);
  });

  it('the pac package init project gives mpa_EmployeeExperienceBase then mpa_Kudos, in .csproj order', async () => {
    const project = await readPdProject(await completePdProject());
    expect(project.solutions.map((s) => [s.solution.uniqueName, s.solution.version])).to.deep.equal([
      ['mpa_EmployeeExperienceBase', '1.0.0.16'],
      ['mpa_Kudos', '1.0.0.36'],
    ]);
    // The template's ImportConfig.xml lists no solutions, so Package Deployer's defaults apply.
    expect(project.solutions.map((s) => s.options)).to.deep.equal([{}, {}]);
  });

  it('an ImportConfig.xml entry keeps its place and options ahead of the .csproj items', async () => {
    const dir = await completePdProject();
    const config = path.join(dir, 'PkgAssets', 'ImportConfig.xml');
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace('<solutions>', '<solutions><configsolutionfile solutionpackagefilename="mpa_Kudos_managed.zip" overwriteunmanagedcustomizations="true" />'));
    const project = await readPdProject(dir);
    expect(project.solutions.map((s) => [s.solution.uniqueName, s.options])).to.deep.equal([
      ['mpa_Kudos', { overwriteUnmanagedCustomizations: true }],
      ['mpa_EmployeeExperienceBase', {}],
    ]);
  });

  it('a PdSolution whose file is missing is a problem naming the .csproj line', async () => {
    let error: unknown;
    try {
      readPdProject(PD_PROJECT);
    } catch (e) {
      error = e;
    }
    expect(isDvpkgError(error)).to.equal(true);
    const problems = isDvpkgError(error) ? error.problems : [];
    expect(problems.map((p) => [path.basename(p.file), p.path, p.value])).to.deep.equal([
      ['mpa_Kudos.DeploymentPackage.csproj:20', 'PdSolution.Include', '..\\..\\Solutions\\mpa_EmployeeExperienceBase\\bin\\Release\\mpa_EmployeeExperienceBase_managed.zip'],
      ['mpa_Kudos.DeploymentPackage.csproj:21', 'PdSolution.Include', '..\\..\\Solutions\\mpa_Kudos\\bin\\Release\\mpa_Kudos_managed.zip'],
    ]);
    expect(problems[0]!.expected).to.match(/^an existing solution zip \(there is no file at .*mpa_EmployeeExperienceBase_managed\.zip\)$/);
  });

  it('the built .pdpkg.zip gives the same two solutions in ImportConfig.xml order, its DLL and its solutionParameters', async () => {
    const pkg = await readPdPackage(PDPKG);
    expect(pkg.solutions.map((s) => [s.solution.uniqueName, s.solution.version, s.options])).to.deep.equal([
      ['mpa_EmployeeExperienceBase', '1.0.0.10', { publishWorkflowsAndActivatePlugins: true }],
      ['mpa_Kudos', '1.0.0.28', { publishWorkflowsAndActivatePlugins: true }],
    ]);
    expect(pkg.solutions[1]!.solution.file).to.match(/mpa_Kudos\.DeploymentPackage\.1\.0\.0\.pdpkg\.zip: PkgAssets\/mpa_Kudos_managed\.zip$/);
    expect(pkg.solutions[1]!.solution.origin.entries).to.deep.equal(['PkgAssets/mpa_Kudos_managed.zip']);
    expect(pkg.importConfig).to.equal('PkgAssets/ImportConfig.xml');
    expect(pkg.extensionAssemblies).to.deep.equal(['mpa_Kudos.DeploymentPackage.dll']);
    expect(Object.keys(pkg.solutionParameters as object)).to.deep.equal(['mpa_EmployeeExperienceBase', 'mpa_Kudos']);
  });

  it('an AppSource package wrapping it in package.zip reads the same', async () => {
    const file = await writeTemp('appsource.zip', rawZip([{ name: 'package.zip', data: await readFile(PDPKG) }, { name: 'Input.xml', data: Buffer.from('<PvsPackageData />') }]));
    const pkg = await readPdPackage(file);
    expect(pkg.inner).to.equal('package.zip');
    expect(pkg.solutions.map((s) => s.solution.uniqueName)).to.deep.equal(['mpa_EmployeeExperienceBase', 'mpa_Kudos']);
    expect(pkg.solutions[0]!.solution.origin.entries).to.deep.equal(['package.zip', 'PkgAssets/mpa_EmployeeExperienceBase_managed.zip']);
  });
});
