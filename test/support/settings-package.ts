import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REAL_FIXTURES, SAMPLE_SRC } from './paths.js';
import { tempDir, writeTree } from './tmp.js';

/** Packages with deployment settings (issue 16) on the real SAP fixture. */

export const SAP_ZIP = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'solutions', 'mpa_AccountassistantforSAP_1_0_0_0_managed.zip');
export const SAP_VARIABLE = 'mpa_SAPERPConnectionString';
export const SAP_REFERENCE = 'mpa_SAPERPAccountAssistance';

/** A spec folder with the SAP solution included, a role on a system table, and these settings. */
export async function sapSpec(settings: unknown, solutions: unknown[] = [SAP_ZIP], privileges: Record<string, string> = {}): Promise<string> {
  const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
  const dir = await tempDir('dvpkg-settings-');
  await writeTree(dir, {
    'solution.json': { ...solution, uniqueName: 'SapConnectorRoles', displayName: 'SAP Connector Roles', solutions, ...(settings !== undefined ? { settings } : {}), app: { ...solution.app, roles: ['SAP Connector'] } },
    'roles/sap.json': { name: 'SAP Connector', privileges: { prvReadAccount: 'Global', ...privileges } },
  });
  return dir;
}

