/**
 * The `ComponentParameters` action parameter as the Web API carries it: `Collection(crmbaseentity)` (learn-ref
 * importsolutionasync), a JSON array of entities typed by `@odata.type` ("Microsoft.Dynamics.CRM.environmentvariablevalue",
 * MicrosoftDocs/power-platform alm/solution-async.md). OData also writes the type with a leading `#`; both are read.
 * Entity types other than the two the parameter is "currently for" (learn-ref stageandupgrade) are refused (inferred).
 */
import { invalidArgument } from '../wire-errors.js';
import { normalizeGuid } from '../support/guid.js';
import type { ComponentParameter } from '../import/deployment-settings.js';

const TYPE_PREFIX = /^#?Microsoft\.Dynamics\.CRM\./;

function optionalString(entity: Record<string, unknown>, column: string, type: string): string | null {
  const value = entity[column];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidArgument(`ComponentParameters: ${type}.${column} must be a string.`);
  return value;
}

function requiredString(entity: Record<string, unknown>, column: string, type: string): string {
  const value = optionalString(entity, column, type);
  if (!value) throw invalidArgument(`ComponentParameters: a ${type} needs '${column}'.`);
  return value;
}

function parameter(item: unknown): ComponentParameter {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidArgument('ComponentParameters must hold entity objects, each with "@odata.type".');
  const entity = item as Record<string, unknown>;
  const rawType = entity['@odata.type'];
  const type = typeof rawType === 'string' ? rawType.replace(TYPE_PREFIX, '') : '';
  if (type === 'environmentvariablevalue') {
    const valueId = normalizeGuid(entity.environmentvariablevalueid);
    return { kind: type, schemaName: requiredString(entity, 'schemaname', type), value: optionalString(entity, 'value', type), ...(valueId ? { valueId } : {}) };
  }
  if (type === 'connectionreference') {
    return { kind: type, logicalName: requiredString(entity, 'connectionreferencelogicalname', type), connectionId: optionalString(entity, 'connectionid', type) };
  }
  throw invalidArgument(`ComponentParameters: the entity type '${String(rawType)}' is not one the import overwrites (Microsoft.Dynamics.CRM.environmentvariablevalue, Microsoft.Dynamics.CRM.connectionreference).`);
}

export function componentParameters(value: unknown): ComponentParameter[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidArgument("The parameter 'ComponentParameters' must be a collection of entities (Collection(crmbaseentity)).");
  return value.map(parameter);
}
