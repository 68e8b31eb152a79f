import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
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

export interface RawEntry {
  name: string;
  data: Buffer;
  /** The uncompressed size the headers claim; the real one unless a test wants them to lie. */
  claimedSize?: number;
}

/**
 * A Deflate zip written with node:zlib (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.16), so a test can build
 * a 40 MB bomb in milliseconds and make its headers lie, which JSZip's writer never does.
 */
export function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const size = entry.claimedSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
