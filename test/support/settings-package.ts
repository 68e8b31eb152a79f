import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { REAL_FIXTURES, SAMPLE_SRC } from './paths.js';
import { tempDir, writeTree } from './tmp.js';

/** Packages with deployment settings (issue 16) on the real SAP fixture, and the settings of the Kudos package. */

export const SAP_ZIP = path.join(REAL_FIXTURES, 'templates-for-power-platform', 'solutions', 'mpa_AccountassistantforSAP_1_0_0_0_managed.zip');
export const SAP_SOLUTION = 'mpa_AccountassistantforSAP';
export const SAP_VARIABLE = 'mpa_SAPERPConnectionString';
export const SAP_REFERENCE = 'mpa_SAPERPAccountAssistance';
export const SAP_ROLE_SOLUTION = 'SapConnectorRoles';
export const SAP_ROLE = 'SAP Connector';

/** A spec folder with the SAP solution included, a role on a system table, and these settings. */
export async function sapSpec(settings: unknown, solutions: unknown[] = [SAP_ZIP], privileges: Record<string, string> = {}): Promise<string> {
  const solution = JSON.parse(await readFile(path.join(SAMPLE_SRC, 'solution.json'), 'utf8')) as Record<string, unknown> & { app: Record<string, unknown> };
  const dir = await tempDir('dvpkg-settings-');
  await writeTree(dir, {
    'solution.json': { ...solution, uniqueName: SAP_ROLE_SOLUTION, displayName: 'SAP Connector Roles', solutions, ...(settings !== undefined ? { settings } : {}), app: { ...solution.app, roles: [SAP_ROLE] } },
    'roles/sap.json': { name: SAP_ROLE, privileges: { prvReadAccount: 'Global', ...privileges } },
  });
  return dir;
}

export const CONNECTOR_PREFIX = '/providers/Microsoft.PowerApps/apis/';
/** mpa_Kudos's connection references, each with the API of its connector. */
export const KUDOS_REFERENCES = { mpa_KudosDataverse: 'shared_commondataserviceforapps', mpa_KudosO365: 'shared_office365users', mpa_KudosOutlook: 'shared_office365' } as const;

/** A settings file in the format of `pac solution create-settings`. */
export async function settingsFile(content: unknown): Promise<string> {
  const file = path.join(await tempDir('dvpkg-settings-file-'), 'deploy-settings.json');
  await writeFile(file, JSON.stringify(content, null, 2));
  return file;
}

/**
 * A connection in the org for each Kudos connection reference, named after the reference, and a settings file
 * giving them: the connection ids are new in every org, so each org gets its own file.
 */
export async function kudosSettings(emulator: RunningEmulator): Promise<{ file: string; connections: Record<string, string> }> {
  const connections = Object.fromEntries(Object.entries(KUDOS_REFERENCES).map(([name, api]) => [name, emulator.createConnection('contoso', { connectorId: `${CONNECTOR_PREFIX}${api}`, name })]));
  const file = await settingsFile({
    EnvironmentVariables: [],
    ConnectionReferences: Object.entries(KUDOS_REFERENCES).map(([name, api]) => ({ LogicalName: name, ConnectionId: connections[name], ConnectorId: `${CONNECTOR_PREFIX}${api}` })),
  });
  return { file, connections };
}

/**
 * The org's deployment settings, comparable across orgs: each connection reference with the name of the
 * connection it holds (ids differ from org to org), and each environment variable with all its value rows
 * (a second row is a duplicate write).
 */
export function settingsSnapshot(emulator: RunningEmulator) {
  const org = emulator.state.data.orgs[0]!;
  const connectionName = (id: string | null) => (id === null ? null : (org.connections.find((c) => c.connectionId === id)?.name ?? `a connection the org does not have: ${id}`));
  return {
    references: Object.fromEntries(org.connectionreferences.map((r) => [r.connectionreferencelogicalname, connectionName(r.connectionid)])),
    variables: Object.fromEntries(
      org.environmentvariabledefinitions.map((d) => [d.schemaname, org.environmentvariablevalues.filter((v) => v._environmentvariabledefinitionid_value === d.environmentvariabledefinitionid).map((v) => v.value)]),
    ),
  };
}
