import JSZip from 'jszip';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSolution } from '../../src/build.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { SAMPLE_CLIENT_ID, type BuiltPackage } from './deploy-harness.js';
import { REAL_FIXTURES, SAMPLE_SRC } from './paths.js';
import { tempDir, writeTree } from './tmp.js';

/**
 * A whole-app package on the real Templates-for-Power-Platform fixtures (issue 11): the ISV's own
 * managed solutions mpa_EmployeeExperienceBase and mpa_Kudos, then a role solution on their tables.
 */

export const KUDOS_SOLUTIONS = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'solutions');
export const BASE_ZIP = path.join(KUDOS_SOLUTIONS, 'mpa_EmployeeExperienceBase_managed.zip');
export const KUDOS_ZIP = path.join(KUDOS_SOLUTIONS, 'mpa_Kudos_managed.zip');
export const ROLE_SOLUTION = 'KudosConnectorRoles';
export const ROLE_NAME = 'Kudos Connector';
export const KUDOS_PRIVILEGES = { prvReadmpa_kudo: 'Global', prvReadmpa_eelocalization: 'Global' };

/** A spec folder: the sample solution.json renamed, listing `solutions`, with one role on the Kudos tables. */
export async function wholeAppSpec(solutions: unknown[], options: { version?: string; privileges?: Record<string, string> } = {}): Promise<string> {
  const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
  const dir = await tempDir('dvpkg-whole-app-');
  await writeTree(dir, {
    'solution.json': {
      ...solution,
      uniqueName: ROLE_SOLUTION,
      displayName: 'Kudos Connector Roles',
      ...(options.version ? { version: options.version } : {}),
      solutions,
      app: { ...solution.app, roles: [ROLE_NAME] },
    },
    'roles/kudos.json': { name: ROLE_NAME, privileges: options.privileges ?? KUDOS_PRIVILEGES },
  });
  return dir;
}

export async function buildWholeApp(solutions: unknown[], options: { version?: string } = {}): Promise<BuiltPackage> {
  const result = await buildSolution({ src: await wholeAppSpec(solutions, options), out: await tempDir('dvpkg-whole-app-out-') });
  return { dir: result.package!.dir, runner: path.join(result.package!.dir, 'deploy.mjs'), version: result.model.version };
}

/** A copy of a managed solution zip with another `<Version>` in its solution.xml, in a temp folder. */
export async function solutionAtVersion(zipFile: string, version: string): Promise<string> {
  const zip = await JSZip.loadAsync(await readFile(zipFile));
  const xml = await zip.file('solution.xml')!.async('string');
  const changed = xml.replace(/<Version>[^<]*<\/Version>/, `<Version>${version}</Version>`);
  if (changed === xml) throw new Error(`${zipFile}: no <Version> in solution.xml`);
  zip.file('solution.xml', changed);
  const file = path.join(await tempDir('dvpkg-whole-app-zip-'), path.basename(zipFile));
  await writeFile(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return file;
}

/** What a whole-app deploy leaves in the org: every solution's version, the role's privileges, the app user and its binding. */
export function wholeAppSnapshot(emulator: RunningEmulator, uniqueNames: readonly string[], roleName = ROLE_NAME, clientId = SAMPLE_CLIENT_ID) {
  const org = emulator.state.data.orgs[0]!;
  const appUsers = org.systemusers.filter((u) => u['applicationid'] === clientId);
  const rootRoles = org.roles.filter((r) => r['name'] === roleName && r['_parentrootroleid_value'] === r['roleid']);
  return {
    solutions: Object.fromEntries(
      uniqueNames.map((name) => {
        const rows = org.solutions.filter((s) => s['uniquename'] === name);
        return [name, rows.map((s) => ({ version: s['version'], managed: s['ismanaged'] }))];
      }),
    ),
    roles: rootRoles.map((r) => r['roleid']),
    privileges: rootRoles.map((role) =>
      org.roleprivileges
        .filter((rp) => rp.roleid === role['roleid'])
        .map((rp) => `${org.privileges.find((p) => p['privilegeid'] === rp.privilegeid)?.['name']}=${rp.depth}`)
        .sort(),
    ),
    appUsers: appUsers.map((u) => ({ enabled: u['isdisabled'] === false })),
    bindings: appUsers.flatMap((u) => org.systemuserroles.filter((l) => l.systemuserid === u['systemuserid']).map((l) => l.roleid)),
  };
}

export const PD_PROJECT = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'DeploymentPackages', 'mpa_Kudos');
export const PDPKG = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'built', 'mpa_Kudos.DeploymentPackage.1.0.0.pdpkg.zip');
