/**
 * environmentvariablevalues writes: POST with the definition bound (`EnvironmentVariableDefinitionId@odata.bind`,
 * the lookup of powerapps-docs reference/entities/environmentvariablevalue.md) and PATCH of `value`. Both need the
 * definition's write privilege: value "permission … is inherited from the parent environmentvariabledefinition
 * table" (maker/data-platform/EnvironmentVariables.md); that it is prvWrite, not prvAppendTo, is inferred.
 * Values are not validated against the definition's type: "Validation of environment variable values happens
 * within the user interfaces and within the components that use them, but not within Dataverse" (same page).
 */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import { invalidArgument, queryNotSupported, recordNotFound } from '../wire-errors.js';
import { nowIso, type EnvironmentVariableValueRow, type OrgState } from '../state.js';
import { newValueRow } from '../import/deployment-settings.js';
import type { Caller } from './auth.js';
import { ENTITY_SETS, entityReply, findRow, odataReply, parseKey } from './entity-sets.js';
import { boundId, jsonBody, wantsRepresentation } from './request-body.js';
import { requirePrivilege } from './security.js';

const BIND = 'EnvironmentVariableDefinitionId@odata.bind';

function text(body: Record<string, unknown>, column: string): string | null {
  const value = body[column];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidArgument(`environmentvariablevalue.${column} must be a string.`);
  return value;
}

function onlyColumns(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw queryNotSupported(`writing environmentvariablevalue.${key}`);
}

/**
 * "A value can't exist without a definition. The interface only allows creation of one value per definition"
 * (EnvironmentVariables.md): the binding is required, a second value for the same definition is not refused.
 */
export function createEnvironmentVariableValue(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvWriteEnvironmentVariableDefinition', 'environmentvariablevalue');
  const body = jsonBody(req);
  onlyColumns(body, ['value', 'schemaname', BIND]);
  const definitionId = boundId(body[BIND], 'environmentvariabledefinitions');
  if (!definitionId) throw invalidArgument(`The '${BIND}' property is required, e.g. "/environmentvariabledefinitions(<id>)": a value can't exist without a definition.`);
  if (!org.environmentvariabledefinitions.some((d) => d.environmentvariabledefinitionid === definitionId)) throw recordNotFound('environmentvariabledefinition', definitionId);
  const row = newValueRow({ schemaName: text(body, 'schemaname'), value: text(body, 'value'), definitionId });
  org.environmentvariablevalues.push(row);
  const location = `${webApiBase(ctx, org.name)}environmentvariablevalues(${row.environmentvariablevalueid})`;
  if (wantsRepresentation(req)) return entityReply(ctx, req, org, caller, ENTITY_SETS.environmentvariablevalues, row.environmentvariablevalueid, 201);
  return odataReply(204, undefined, { 'OData-EntityId': location, Location: location });
}

export function updateEnvironmentVariableValue(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvWriteEnvironmentVariableDefinition', 'environmentvariablevalue');
  const target = findRow(org, ENTITY_SETS.environmentvariablevalues, parseKey(req.params.id, 'environmentvariablevalue')) as EnvironmentVariableValueRow;
  const body = jsonBody(req);
  onlyColumns(body, ['value', 'schemaname']);
  Object.assign(target, {
    ...('value' in body ? { value: text(body, 'value') } : {}),
    ...('schemaname' in body ? { schemaname: text(body, 'schemaname') } : {}),
    modifiedon: nowIso(),
  });
  if (wantsRepresentation(req)) return entityReply(ctx, req, org, caller, ENTITY_SETS.environmentvariablevalues, target.environmentvariablevalueid);
  return odataReply(204);
}
