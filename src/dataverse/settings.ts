import { odataString, type DataverseClient } from './client.js';

/**
 * Deployment settings in the org: environment variable definitions with their value rows, and
 * connection references (reference/entities environmentvariabledefinition.md, environmentvariablevalue.md,
 * connectionreference.md). Connections themselves live outside Dataverse and cannot be read here.
 */

export interface VariableRow {
  environmentvariabledefinitionid: string;
  schemaname: string;
  /** The definition's value rows; Dataverse keeps one per definition (EnvironmentVariables.md). */
  environmentvariabledefinition_environmentvariablevalue?: Array<{ environmentvariablevalueid: string; value: string | null }>;
}

export interface ReferenceRow {
  connectionreferenceid: string;
  connectionreferencelogicalname: string;
  connectorid: string | null;
  connectionid: string | null;
}

interface Collection<T> {
  value: T[];
}

const CHUNK = 40;

async function inChunks<T>(names: readonly string[], read: (filter: string) => Promise<T[]>, column: string): Promise<T[]> {
  const rows: T[] = [];
  for (let i = 0; i < names.length; i += CHUNK) rows.push(...(await read(names.slice(i, i + CHUNK).map((n) => `${column} eq ${odataString(n)}`).join(' or '))));
  return rows;
}

export function findVariables(client: DataverseClient, schemaNames: readonly string[]): Promise<VariableRow[]> {
  return inChunks(
    schemaNames,
    async (filter) =>
      (await client.get<Collection<VariableRow>>(`environmentvariabledefinitions?$select=environmentvariabledefinitionid,schemaname&$filter=${filter}&$expand=environmentvariabledefinition_environmentvariablevalue($select=environmentvariablevalueid,value)`)).value,
    'schemaname',
  );
}

export function findReferences(client: DataverseClient, logicalNames: readonly string[]): Promise<ReferenceRow[]> {
  return inChunks(
    logicalNames,
    async (filter) => (await client.get<Collection<ReferenceRow>>(`connectionreferences?$select=connectionreferenceid,connectionreferencelogicalname,connectorid,connectionid&$filter=${filter}`)).value,
    'connectionreferencelogicalname',
  );
}

/** A definition's first value row; never sent again blindly, since a second POST would add a second row. */
export async function createVariableValue(client: DataverseClient, definitionId: string, schemaName: string, value: string): Promise<void> {
  await client.create('environmentvariablevalues', { schemaname: schemaName, value, 'EnvironmentVariableDefinitionId@odata.bind': `/environmentvariabledefinitions(${definitionId})` }, { neverRepeat: true });
}

export async function updateVariableValue(client: DataverseClient, valueId: string, value: string): Promise<void> {
  await client.patch(`environmentvariablevalues(${valueId})`, { value });
}

export async function setReferenceConnection(client: DataverseClient, referenceId: string, connectionId: string): Promise<void> {
  await client.patch(`connectionreferences(${referenceId})`, { connectionid: connectionId });
}

/** The entities an import's `ComponentParameters` carries (power-platform alm/solution-async.md). */
export type ComponentParameter =
  | { '@odata.type': 'Microsoft.Dynamics.CRM.environmentvariablevalue'; schemaname: string; value: string }
  | { '@odata.type': 'Microsoft.Dynamics.CRM.connectionreference'; connectionreferencelogicalname: string; connectionid: string; connectorid: string };
