/**
 * Environment variables and connection references a solution brings, and the `ComponentParameters` an import
 * passes for them: "List of entities to overwrite values from the solution (currently for environment variable
 * values and connection references)" (learn-ref stageandupgrade); "ComponentParameters can be used to overwrite
 * the component data in the solution's customization XML file" (MicrosoftDocs/power-platform alm/solution-async.md).
 */
import { randomUUID } from 'node:crypto';
import { unknownComponentParameter, type ImportFailure } from '../wire-errors.js';
import { connectionProblem } from '../connections.js';
import type { PackagedValueMode, UnknownComponentParameterMode } from '../options.js';
import { derivedId, nowIso, type ConnectionReferenceRow, type EnvironmentVariableDefinitionRow, type EnvironmentVariableValueRow, type OrgState } from '../state.js';
import type { PackageEnvironmentVariable, SolutionPackage } from './package.js';

/** solutioncomponent.componenttype 380 = Environment Variable Definition (powerapps-docs solutioncomponent.md). */
export const ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT = 380;
/**
 * Connection references are a solution-aware table, so their componenttype is the table's object type code,
 * which no Microsoft page lists; 10150 is what field code filters msdyn_solutioncomponentsummaries on (inferred).
 */
export const CONNECTION_REFERENCE_COMPONENT = 10150;

/**
 * One entry of `ComponentParameters`. An environmentvariablevalue names its definition by `schemaname`, as the
 * Web API example sends it (solution-async.md: `{"@odata.type":"Microsoft.Dynamics.CRM.environmentvariablevalue",
 * "schemaname":"pa_EV1","value":"testvalue1"}`) and as pac maps a settings file's `EnvironmentVariables[].SchemaName`
 * (packages-research.md Q3, inferred mapping); a connectionreference names its reference by logical name.
 */
export type ComponentParameter =
  | { kind: 'environmentvariablevalue'; schemaName: string; value: string | null; valueId?: string }
  | { kind: 'connectionreference'; logicalName: string; connectionId: string | null };

export interface SettingsModes {
  unknown: UnknownComponentParameterMode;
  packagedValue: PackagedValueMode;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function definitionBySchemaName(org: OrgState, schemaName: string): EnvironmentVariableDefinitionRow | undefined {
  return org.environmentvariabledefinitions.find((d) => same(d.schemaname, schemaName));
}

export function connectionReferenceByName(org: OrgState, logicalName: string): ConnectionReferenceRow | undefined {
  return org.connectionreferences.find((r) => same(r.connectionreferencelogicalname, logicalName));
}

/**
 * The id of a definition or reference of that name: the org's row, else the id the component gets from its name
 * (the derivation of every component named by schema name, so solutioncomponents.objectid is the row id).
 * Undefined for other component types.
 */
export function settingComponentId(org: OrgState, componenttype: number, name: string): string | undefined {
  const row = componenttype === ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT ? definitionBySchemaName(org, name)?.environmentvariabledefinitionid
    : componenttype === CONNECTION_REFERENCE_COMPONENT ? connectionReferenceByName(org, name)?.connectionreferenceid
      : undefined;
  if (row) return row;
  return componenttype === ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT || componenttype === CONNECTION_REFERENCE_COMPONENT ? derivedId('component', org.name, String(componenttype), name) : undefined;
}

const newId = (org: OrgState, componenttype: number, name: string) => derivedId('component', org.name, String(componenttype), name);

/** The value row Dataverse uses for a definition; "The interface only allows creation of one value per definition" (EnvironmentVariables.md), the API allows more, the first one counts. */
export function valueOf(org: OrgState, definitionId: string): EnvironmentVariableValueRow | undefined {
  return org.environmentvariablevalues.find((v) => v._environmentvariabledefinitionid_value === definitionId);
}

export function newValueRow(args: { id?: string; schemaName: string | null; value: string | null; definitionId: string }): EnvironmentVariableValueRow {
  const now = nowIso();
  return {
    environmentvariablevalueid: args.id ?? randomUUID(),
    schemaname: args.schemaName,
    value: args.value,
    _environmentvariabledefinitionid_value: args.definitionId,
    ismanaged: false,
    statecode: 0,
    statuscode: 1,
    createdon: now,
    modifiedon: now,
  };
}

/**
 * Refuses parameters that cannot apply, before anything changes: a name neither the solution nor the org has
 * (`unknown` mode), a connection the reference's connector does not have (ConnectionNotFound). The parameter's
 * own `connectorid` is not compared: the reference's connector decides (inferred).
 */
export function checkComponentParameters(org: OrgState, pkg: SolutionPackage, parameters: readonly ComponentParameter[], modes: SettingsModes): ImportFailure | undefined {
  for (const parameter of parameters) {
    if (parameter.kind === 'environmentvariablevalue') {
      const known = pkg.environmentVariableDefinitions.some((d) => same(d.schemaName, parameter.schemaName)) || definitionBySchemaName(org, parameter.schemaName) !== undefined;
      if (!known && modes.unknown === 'fail') return unknownComponentParameter('environmentvariabledefinition', 'SchemaName', parameter.schemaName);
      continue;
    }
    const packaged = pkg.connectionReferences.find((r) => same(r.logicalName, parameter.logicalName));
    const existing = connectionReferenceByName(org, parameter.logicalName);
    if (!packaged && !existing) {
      if (modes.unknown === 'fail') return unknownComponentParameter('connectionreference', 'ConnectionReferenceLogicalName', parameter.logicalName);
      continue;
    }
    const connectorId = packaged ? packaged.connectorId : existing?.connectorid ?? null;
    if (parameter.connectionId) {
      const problem = connectionProblem(org, parameter.connectionId, connectorId);
      if (problem) return problem;
    }
  }
  return undefined;
}

function upsertDefinition(org: OrgState, definition: PackageEnvironmentVariable, managed: boolean): EnvironmentVariableDefinitionRow {
  const now = nowIso();
  const fields = {
    schemaname: definition.schemaName,
    displayname: definition.displayName,
    description: definition.description,
    type: definition.type,
    defaultvalue: definition.defaultValue,
    isrequired: definition.isRequired,
    secretstore: definition.secretStore,
    ismanaged: managed,
    modifiedon: now,
  };
  const existing = definitionBySchemaName(org, definition.schemaName);
  if (existing) return Object.assign(existing, fields);
  const row: EnvironmentVariableDefinitionRow = {
    environmentvariabledefinitionid: newId(org, ENVIRONMENT_VARIABLE_DEFINITION_COMPONENT, definition.schemaName),
    statecode: 0,
    statuscode: 1,
    createdon: now,
    ...fields,
  };
  org.environmentvariabledefinitions.push(row);
  return row;
}

function setValue(org: OrgState, definition: EnvironmentVariableDefinitionRow, value: { id?: string; schemaName?: string; value: string | null }): void {
  const existing = valueOf(org, definition.environmentvariabledefinitionid);
  if (existing) {
    Object.assign(existing, { value: value.value, modifiedon: nowIso() });
    return;
  }
  const idTaken = value.id !== undefined && org.environmentvariablevalues.some((v) => v.environmentvariablevalueid === value.id);
  org.environmentvariablevalues.push(newValueRow({ ...(value.id && !idTaken ? { id: value.id } : {}), schemaName: value.schemaName ?? definition.schemaname, value: value.value, definitionId: definition.environmentvariabledefinitionid }));
}

/**
 * Writes the package's definitions and references (a reference keeps the connection the org gave it: no export
 * carries one), the packaged values (`packagedValue` mode), then the parameters over them.
 */
export function applyDeploymentSettings(org: OrgState, pkg: SolutionPackage, parameters: readonly ComponentParameter[], modes: SettingsModes): void {
  const now = nowIso();
  for (const definition of pkg.environmentVariableDefinitions) {
    const row = upsertDefinition(org, definition, pkg.managed);
    if (definition.value && (modes.packagedValue === 'overwrite' || !valueOf(org, row.environmentvariabledefinitionid))) setValue(org, row, definition.value);
  }
  for (const reference of pkg.connectionReferences) {
    const fields = { connectionreferencelogicalname: reference.logicalName, connectionreferencedisplayname: reference.displayName, connectorid: reference.connectorId, description: reference.description, ismanaged: pkg.managed, modifiedon: now };
    const existing = connectionReferenceByName(org, reference.logicalName);
    if (existing) Object.assign(existing, fields);
    else org.connectionreferences.push({ connectionreferenceid: newId(org, CONNECTION_REFERENCE_COMPONENT, reference.logicalName), connectionid: null, statecode: 0, statuscode: 1, createdon: now, ...fields });
  }
  for (const parameter of parameters) {
    if (parameter.kind === 'environmentvariablevalue') {
      const definition = definitionBySchemaName(org, parameter.schemaName);
      if (definition) setValue(org, definition, { ...(parameter.valueId ? { id: parameter.valueId } : {}), schemaName: parameter.schemaName, value: parameter.value });
      continue;
    }
    const reference = connectionReferenceByName(org, parameter.logicalName);
    // An empty ConnectionId (what `pac solution create-settings` leaves to fill in) sets nothing (inferred).
    if (reference && parameter.connectionId) Object.assign(reference, { connectionid: parameter.connectionId, modifiedon: now });
  }
}
