/**
 * Connections of an org's environment and the check a connection reference's connection must pass. Connections
 * belong to the Power Apps API hub, keyed by connector: Dataverse looks a connection up under its connector's API
 * (`…/apis/<api>/connections/<id>`) and relays "ConnectionNotFound … for API '<api>'" when it is not there
 * (Capgemini/powerapps-packagedeployer-template#55), so a connection of another connector is as unknown as a
 * missing one.
 */
import { randomUUID } from 'node:crypto';
import { connectionNotFoundFailure, type ImportFailure } from './wire-errors.js';
import { nowIso, type ConnectionRecord, type OrgState } from './state.js';

const CONNECTOR_PREFIX = '/providers/Microsoft.PowerApps/apis/';

/** The full connector id, from itself or from the bare API name (`shared_saperp`). */
export function fullConnectorId(connectorId: string): string {
  const trimmed = connectorId.trim();
  return trimmed.startsWith('/') ? trimmed : `${CONNECTOR_PREFIX}${trimmed}`;
}

/** The API name a connector id ends with (`shared_saperp`): what connectors compare by. */
export function connectorApiName(connectorId: string): string {
  return fullConnectorId(connectorId).split('/').filter(Boolean).at(-1) ?? '';
}

/** A connection id as the API hub writes them: 32 hex digits (field logs: powerplatform-build-tools#760, coe-starter-kit#6739). */
export function addConnection(org: OrgState, connection: { connectorId: string; name?: string }): ConnectionRecord {
  const connectorId = fullConnectorId(connection.connectorId);
  const record: ConnectionRecord = { connectionId: randomUUID().replace(/-/g, ''), connectorId, name: connection.name ?? connectorApiName(connectorId), createdon: nowIso() };
  org.connections.push(record);
  return record;
}

/** Why `connectionId` cannot serve a reference to `connectorId`, if it cannot. */
export function connectionProblem(org: OrgState, connectionId: string, connectorId: string | null): ImportFailure | undefined {
  const api = connectorApiName(connectorId ?? '');
  const connection = org.connections.find((c) => c.connectionId.toLowerCase() === connectionId.trim().toLowerCase());
  if (connection && connectorApiName(connection.connectorId).toLowerCase() === api.toLowerCase()) return undefined;
  return connectionNotFoundFailure(connectionId, api);
}
