/** Entity sets served read-only through the generic query path, with their columns, keys and read privileges. */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import { columnNotEmulated, invalidKey, queryNotSupported, recordNotFound } from '../wire-errors.js';
import { normalizeGuid } from '../support/guid.js';
import { derivedId, type OrgState, type Row } from '../state.js';
import type { Caller } from './auth.js';
import { applyQuery, filterFields, parseQueryOptions, project, type QueryOptions } from './odata.js';
import { requirePrivilege, type EntityName } from './security.js';

export interface Navigation {
  target: string;
  related(org: OrgState, row: Row): Row[];
}

export interface EntitySetDef {
  set: string;
  entity: EntityName;
  key: string;
  readPrivilege: string;
  columns: readonly string[];
  rows(org: OrgState): Row[];
  navigations?: Readonly<Record<string, Navigation>>;
}

const userRoles: Navigation = {
  target: 'roles',
  related: (org, row) => {
    const ids = new Set(org.systemuserroles.filter((l) => l.systemuserid === row.systemuserid).map((l) => l.roleid));
    return org.roles.filter((r) => ids.has(r.roleid));
  },
};

const rolePrivilegeRows: Navigation = {
  target: 'privileges',
  related: (org, row) => {
    const rootId = (row._parentrootroleid_value as string | undefined) ?? (row.roleid as string);
    const ids = new Set(org.roleprivileges.filter((rp) => rp.roleid === rootId).map((rp) => rp.privilegeid));
    return org.privileges.filter((p) => ids.has(p.privilegeid));
  },
};

/** One-to-many `environmentvariabledefinition_environmentvariablevalue` (powerapps-docs environmentvariablevalue.md, many-to-one). */
const definitionValues: Navigation = {
  target: 'environmentvariablevalues',
  related: (org, row) => org.environmentvariablevalues.filter((v) => v._environmentvariabledefinitionid_value === row.environmentvariabledefinitionid),
};

export const ENTITY_SETS = {
  solutions: {
    set: 'solutions', entity: 'solution', key: 'solutionid', readPrivilege: 'prvReadSolution',
    columns: ['solutionid', 'uniquename', 'friendlyname', 'version', 'ismanaged', 'installedon', 'modifiedon', '_publisherid_value'],
    rows: (org) => org.solutions,
  },
  businessunits: {
    set: 'businessunits', entity: 'businessunit', key: 'businessunitid', readPrivilege: 'prvReadBusinessUnit',
    columns: ['businessunitid', 'name', '_parentbusinessunitid_value'],
    rows: (org) => org.businessunits,
  },
  roles: {
    set: 'roles', entity: 'role', key: 'roleid', readPrivilege: 'prvReadRole',
    columns: ['roleid', 'name', '_businessunitid_value', '_parentrootroleid_value', 'roletemplateid', 'ismanaged', 'iscustomizable'],
    rows: (org) => org.roles,
    navigations: { roleprivileges_association: rolePrivilegeRows },
  },
  privileges: {
    set: 'privileges', entity: 'privilege', key: 'privilegeid', readPrivilege: 'prvReadRole',
    columns: ['privilegeid', 'name', 'accessright', 'canbebasic', 'canbelocal', 'canbedeep', 'canbeglobal', 'canbeentityreference', 'canbeparententityreference'],
    rows: (org) => org.privileges,
  },
  systemusers: {
    set: 'systemusers', entity: 'systemuser', key: 'systemuserid', readPrivilege: 'prvReadUser',
    columns: ['systemuserid', 'fullname', 'domainname', 'internalemailaddress', 'applicationid', 'azureactivedirectoryobjectid', 'isdisabled', 'accessmode', 'deletedstate', '_businessunitid_value', 'createdon'],
    rows: (org) => org.systemusers,
    navigations: { systemuserroles_association: userRoles },
  },
  solutioncomponents: {
    // Columns of powerapps-docs reference/entities/solutioncomponent.md; read with prvReadSolution (inferred).
    set: 'solutioncomponents', entity: 'solutioncomponent', key: 'solutioncomponentid', readPrivilege: 'prvReadSolution',
    columns: ['solutioncomponentid', 'componenttype', 'objectid', '_solutionid_value', 'rootcomponentbehavior', 'ismetadata'],
    rows: (org) => org.solutioncomponents.map((c) => ({
      solutioncomponentid: derivedId('solutioncomponent', org.name, c.solutionid, c.objectid),
      componenttype: c.componenttype,
      objectid: c.objectid,
      _solutionid_value: c.solutionid,
      rootcomponentbehavior: c.rootcomponentbehavior ?? null,
      ismetadata: true,
    })),
  },
  importjobs: {
    set: 'importjobs', entity: 'importjob', key: 'importjobid', readPrivilege: 'prvReadImportJob',
    columns: ['importjobid', 'solutionname', 'progress', 'startedon', 'completedon', 'data', 'createdon'],
    rows: (org) => org.importjobs,
  },
  asyncoperations: {
    set: 'asyncoperations', entity: 'asyncoperation', key: 'asyncoperationid', readPrivilege: 'prvReadAsyncOperation',
    columns: ['asyncoperationid', 'name', 'operationtype', 'statecode', 'statuscode', 'message', 'friendlymessage', 'startedon', 'completedon', 'createdon'],
    rows: (org) => org.asyncoperations,
  },
  accounts: {
    set: 'accounts', entity: 'account', key: 'accountid', readPrivilege: 'prvReadAccount',
    columns: ['accountid', 'name', 'accountnumber'],
    rows: (org) => org.accounts,
  },
  contacts: {
    set: 'contacts', entity: 'contact', key: 'contactid', readPrivilege: 'prvReadContact',
    columns: ['contactid', 'fullname', 'emailaddress1'],
    rows: (org) => org.contacts,
  },
  annotations: {
    set: 'annotations', entity: 'annotation', key: 'annotationid', readPrivilege: 'prvReadNote',
    columns: ['annotationid', 'subject', 'notetext'],
    rows: (org) => org.annotations,
  },
  // Columns of powerapps-docs reference/entities/environmentvariabledefinition.md, environmentvariablevalue.md and
  // connectionreference.md; values are read with the definition's privilege (EnvironmentVariables.md, Security).
  environmentvariabledefinitions: {
    set: 'environmentvariabledefinitions', entity: 'environmentvariabledefinition', key: 'environmentvariabledefinitionid', readPrivilege: 'prvReadEnvironmentVariableDefinition',
    columns: ['environmentvariabledefinitionid', 'schemaname', 'displayname', 'description', 'type', 'defaultvalue', 'isrequired', 'secretstore', 'ismanaged', 'statecode', 'statuscode', 'createdon', 'modifiedon'],
    rows: (org) => org.environmentvariabledefinitions,
    navigations: { environmentvariabledefinition_environmentvariablevalue: definitionValues },
  },
  environmentvariablevalues: {
    set: 'environmentvariablevalues', entity: 'environmentvariablevalue', key: 'environmentvariablevalueid', readPrivilege: 'prvReadEnvironmentVariableDefinition',
    columns: ['environmentvariablevalueid', 'schemaname', 'value', '_environmentvariabledefinitionid_value', 'ismanaged', 'statecode', 'statuscode', 'createdon', 'modifiedon'],
    rows: (org) => org.environmentvariablevalues,
  },
  connectionreferences: {
    set: 'connectionreferences', entity: 'connectionreference', key: 'connectionreferenceid', readPrivilege: 'prvReadconnectionreference',
    columns: ['connectionreferenceid', 'connectionreferencelogicalname', 'connectionreferencedisplayname', 'connectorid', 'connectionid', 'description', 'ismanaged', 'statecode', 'statuscode', 'createdon', 'modifiedon'],
    rows: (org) => org.connectionreferences,
  },
} satisfies Record<string, EntitySetDef>;

const BY_NAME: Readonly<Record<string, EntitySetDef>> = ENTITY_SETS;

export function entitySet(name: string): EntitySetDef {
  const def = BY_NAME[name];
  if (!def) throw queryNotSupported(`the entity set '${name}'`);
  return def;
}

/** OData headers every Web API JSON answer carries (wire ref §3). */
export function odataReply(status: number, body?: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: {
      'OData-Version': '4.0',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json; odata.metadata=minimal' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  };
}

export function parseKey(raw: string | undefined, entity: string): string {
  const id = normalizeGuid(raw);
  if (id) return id;
  if (raw?.includes('=')) throw queryNotSupported(`alternate keys (${entity}(${raw}))`);
  throw invalidKey(raw ?? '', entity);
}

function checkColumns(def: EntitySetDef, query: QueryOptions): void {
  const fields = [...(query.select ?? []), ...filterFields(query.filter), ...(query.orderBy ?? []).map((o) => o.field)];
  // The emulator cannot tell a real column it does not model from a misspelt one, so it never claims
  // "Could not find a property" (a real 400): it says loudly that the column is not emulated.
  for (const field of fields) if (!def.columns.includes(field)) throw columnNotEmulated(field, def.entity);
}

function contextUrl(ctx: EmulatorContext, org: OrgState, set: string, select: string[] | undefined, entity: boolean): string {
  return `${webApiBase(ctx, org.name)}$metadata#${set}${select ? `(${select.join(',')})` : ''}${entity ? '/$entity' : ''}`;
}

/** Projects a row and expands its navigations, checking the read privilege of each expanded set. */
function shape(org: OrgState, caller: Caller, def: EntitySetDef, row: Row, query: QueryOptions): Row {
  const out = project(row, query.select, def.key);
  for (const expand of query.expand ?? []) {
    const navigation = def.navigations?.[expand.navigation];
    if (!navigation) throw queryNotSupported(`$expand=${expand.navigation} on ${def.set}`);
    const target = entitySet(navigation.target);
    requirePrivilege(org, caller.user, target.readPrivilege, target.entity);
    checkColumns(target, expand.query);
    out[expand.navigation] = applyQuery(navigation.related(org, row), expand.query).rows.map((r) => project(r, expand.query.select, target.key));
  }
  return out;
}

export function readQuery(req: EmulatorRequest, def: EntitySetDef): QueryOptions {
  const query = parseQueryOptions(req.url.searchParams);
  checkColumns(def, query);
  return query;
}

export function collectionReply(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller, def: EntitySetDef, rows: Row[] = def.rows(org)): Reply {
  requirePrivilege(org, caller.user, def.readPrivilege, def.entity);
  const query = readQuery(req, def);
  const result = applyQuery(rows, query);
  return odataReply(200, {
    '@odata.context': contextUrl(ctx, org, def.set, query.select, false),
    ...(query.count ? { '@odata.count': result.count } : {}),
    value: result.rows.map((row) => shape(org, caller, def, row, query)),
  });
}

export function findRow(org: OrgState, def: EntitySetDef, id: string): Row {
  const row = def.rows(org).find((r) => r[def.key] === id);
  if (!row) throw recordNotFound(def.entity, id);
  return row;
}

export function entityReply(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller, def: EntitySetDef, id: string, status = 200): Reply {
  requirePrivilege(org, caller.user, def.readPrivilege, def.entity);
  const query = readQuery(req, def);
  if (query.filter || query.top !== undefined || query.orderBy) throw queryNotSupported(`$filter/$top/$orderby on a single ${def.entity}`);
  const row = findRow(org, def, id);
  return odataReply(status, { '@odata.context': contextUrl(ctx, org, def.set, query.select, true), ...shape(org, caller, def, row, query) });
}
