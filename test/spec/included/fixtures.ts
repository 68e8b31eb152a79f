import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { REAL_FIXTURES } from '../../support/paths.js';
import { tempDir } from '../../support/tmp.js';

/** The real Templates-for-Power-Platform fixtures, read in place, and damaged copies built in a temp folder. */

export const TEMPLATES = path.join(REAL_FIXTURES, 'templates-for-power-platform');
export const BASE_ZIP = path.join(TEMPLATES, 'solutions', 'mpa_EmployeeExperienceBase_managed.zip');
export const KUDOS_ZIP = path.join(TEMPLATES, 'solutions', 'mpa_Kudos_managed.zip');
export const SAP_ZIP = path.join(TEMPLATES, 'solutions', 'mpa_AccountassistantforSAP_1_0_0_0_managed.zip');
export const PD_PROJECT = path.join(TEMPLATES, 'DeploymentPackages', 'mpa_Kudos');
export const PDPKG = path.join(TEMPLATES, 'built', 'mpa_Kudos.DeploymentPackage.1.0.0.pdpkg.zip');

export async function writeTemp(name: string, data: Buffer | string): Promise<string> {
  const file = path.join(await tempDir('dvpkg-included-'), name);
  await writeFile(file, data);
  return file;
}

/** The base solution with `<Managed>0</Managed>`, as an unmanaged export would say. */
export async function unmanagedCopy(): Promise<string> {
  const zip = await JSZip.loadAsync(await readFile(BASE_ZIP));
  const xml = await zip.file('solution.xml')!.async('string');
  zip.file('solution.xml', xml.replace('<Managed>1</Managed>', '<Managed>0</Managed>'));
  return writeTemp('unmanaged.zip', await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
}

/**
 * The `pac package init` project as its .csproj expects to find it: the project beside
 * `../../Solutions/<name>/bin/Release/<name>_managed.zip`, which the fixture does not carry.
 */
export async function completePdProject(): Promise<string> {
  const root = await tempDir('dvpkg-pdproject-');
  const project = path.join(root, 'DeploymentPackages', 'mpa_Kudos');
  await mkdir(path.join(project, 'PkgAssets'), { recursive: true });
  for (const name of ['mpa_Kudos.DeploymentPackage.csproj', 'PkgAssets/ImportConfig.xml', 'PkgAssets/manifest.ppkg.json']) {
    await copyFile(path.join(PD_PROJECT, name), path.join(project, name));
  }
  for (const [name, file] of [['mpa_EmployeeExperienceBase', BASE_ZIP], ['mpa_Kudos', KUDOS_ZIP]] as const) {
    const dir = path.join(root, 'Solutions', name, 'bin', 'Release');
    await mkdir(dir, { recursive: true });
    await copyFile(file, path.join(dir, `${name}_managed.zip`));
  }
  return project;
}

export { rawZip, type RawEntry } from '../../support/raw-zip.js';
