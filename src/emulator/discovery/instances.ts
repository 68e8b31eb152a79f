/**
 * The Global Discovery Service (powerapps-docs developer/data-platform/discovery-service.md) under
 * `{url}/globaldisco/api/discovery/v2.0/`: the service document and `Instances`, with `$select`, `$filter`
 * (`Property eq literal`, joined by `and`) and the key forms `Instances(<Id>)` and `Instances(Key='value')`
 * for Id, UniqueName, Region, State and Version. "GDS always returns an array of values", and its "search
 * strings are case sensitive". It needs a token for the discovery resource (401 with a bearer challenge
 * otherwise) and lists the orgs where the calling user is an enabled systemuser; not "where the user's
 * account is disabled" (the doc's Limitations).
 */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { discoveryUrl, orgUrl } from '../context.js';
import { verifiedBearer } from '../bearer.js';
import { route, type Route } from '../server.js';
import { SYSTEM_ADMINISTRATOR_TEMPLATE } from '../seed.js';
import { derivedId, type OrgState } from '../state.js';
import { dataverseError, dataverseUnauthorized } from '../wire-errors.js';

export const DISCOVERY_API = '/api/discovery/v2.0';

type Value = string | number | boolean | null;
type Instance = Record<string, Value>;

/** The Instance properties in the doc's table order. */
const PROPERTIES = ['ApiUrl', 'DatacenterId', 'DatacenterName', 'EnvironmentId', 'FriendlyName', 'Id', 'IsUserSysAdmin', 'LastUpdated', 'OrganizationType', 'Purpose', 'Region', 'SchemaType', 'State', 'StatusMessage', 'TenantId', 'TrialExpirationDate', 'UniqueName', 'UrlName', 'Version', 'Url'] as const;
const KEYS = new Set(['Id', 'UniqueName', 'Region', 'State', 'Version']);

/** Inferred: the OData error shape of the Web API, status 400, for queries the emulator does not understand. */
function badQuery(message: string) {
  return dataverseError(400, '0x80060888', message);
}

function isSystemAdministrator(org: OrgState, userId: string): boolean {
  const teams = new Set(org.teammemberships.filter((m) => m.systemuserid === userId).map((m) => m.teamid));
  const roleIds = new Set([
    ...org.systemuserroles.filter((l) => l.systemuserid === userId).map((l) => l.roleid),
    ...org.teamroles.filter((l) => teams.has(l.teamid)).map((l) => l.roleid),
  ]);
  return org.roles.some((r) => roleIds.has(r.roleid) && r.roletemplateid === SYSTEM_ADMINISTRATOR_TEMPLATE);
}

/**
 * One Instance. ApiUrl and Url both point at the emulator's org URL (real ones are `https://<org>.api.crm…` and
 * `https://<org>.crm…`). Inferred values where the doc gives none: DatacenterId and EnvironmentId derived
 * GUIDs, DatacenterName null ("typically null"), OrganizationType 0, SchemaType null ("internal use only"),
 * StatusMessage 6 (InstancePickerReady) for an enabled org and 4 (InActiveOrganizationStatus) for a disabled
 * one, TrialExpirationDate null, Version 9.2.0.0.
 */
function instance(ctx: EmulatorContext, org: OrgState, userId: string): Instance {
  const url = orgUrl(ctx, org.name);
  return {
    ApiUrl: url,
    DatacenterId: derivedId('datacenter', org.instance.region),
    DatacenterName: null,
    EnvironmentId: derivedId('environment', org.organizationId),
    FriendlyName: org.instance.friendlyName,
    Id: org.organizationId,
    IsUserSysAdmin: isSystemAdministrator(org, userId),
    LastUpdated: org.instance.lastUpdated,
    OrganizationType: 0,
    Purpose: org.instance.purpose,
    Region: org.instance.region,
    SchemaType: null,
    State: org.instance.state,
    StatusMessage: org.instance.state === 0 ? 6 : 4,
    TenantId: org.tenantId,
    TrialExpirationDate: null,
    UniqueName: org.instance.uniqueName,
    UrlName: org.name,
    Version: '9.2.0.0',
    Url: url,
  };
}

/** An OData literal: 'text' (with '' for a quote), true, false, null, a number, or a bare GUID. */
function literal(text: string): Value {
  const quoted = /^'((?:[^']|'')*)'$/.exec(text);
  if (quoted) return (quoted[1] ?? '').replace(/''/g, "'");
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  throw badQuery(`The emulator does not understand the literal ${text}.`);
}

function property(name: string): string {
  if (!(PROPERTIES as readonly string[]).includes(name)) throw badQuery(`Could not find a property named '${name}' on type 'Microsoft.Xrm.Sdk.Discovery.Instance'.`);
  return name;
}

/** `$filter`: `Property eq literal` terms joined by `and` (the emulator's subset of the doc's operators). */
function filterTerms(filter: string): Array<[string, Value]> {
  return filter.split(/\s+and\s+/).map((term) => {
    const match = /^\s*([A-Za-z]+)\s+eq\s+(.+?)\s*$/.exec(term);
    if (!match) throw badQuery(`The emulator supports only "Property eq value" terms joined by "and" in $filter, not: ${term}`);
    return [property(match[1] ?? ''), literal(match[2] ?? '')];
  });
}

/** `(<guid>)` is the Id; `(Key='value')` one of the alternate keys. */
function keyTerm(key: string): [string, Value] {
  const named = /^([A-Za-z]+)=(.+)$/.exec(key);
  if (!named) return ['Id', literal(key)];
  const name = named[1] ?? '';
  if (!KEYS.has(name)) throw badQuery(`'${name}' is not a key of Instances (Id, UniqueName, Region, State, Version).`);
  return [name, literal(named[2] ?? '')];
}

/** Case-sensitive, as the doc says; GUIDs compare without case. */
function matches(item: Instance, [name, value]: [string, Value]): boolean {
  const actual = item[name];
  if (name === 'Id' || name === 'TenantId' || name === 'EnvironmentId' || name === 'DatacenterId') return typeof actual === 'string' && typeof value === 'string' && actual.toLowerCase() === value.toLowerCase();
  return actual === value;
}

function instances(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const base = discoveryUrl(ctx);
  const claims = verifiedBearer(ctx, req, base);
  if (!claims) throw dataverseUnauthorized(`${ctx.baseUrl}/common/oauth2/authorize`, `${base}/`);
  const upn = typeof claims.upn === 'string' ? claims.upn : undefined;
  const appId = typeof claims.appid === 'string' ? claims.appid : undefined;
  req.note.caller = { ...(appId ? { appId } : {}), ...(upn ? { upn } : {}) };
  const filter = req.url.searchParams.get('$filter');
  const terms = [...(req.params.key !== undefined ? [keyTerm(req.params.key)] : []), ...(filter ? filterTerms(filter) : [])];
  const select = req.url.searchParams.get('$select')?.split(',').map((s) => property(s.trim()));
  // A user's orgs only: app-only tokens (no `scp`) have no user and list nothing (inferred: the doc is about
  // "the user of your application"; "If the calling user has access to no instances, the response simply
  // returns an empty list").
  const delegated = typeof claims.scp === 'string';
  const listed: Instance[] = [];
  for (const org of delegated ? ctx.state.data.orgs : []) {
    if (org.tenantId !== claims.tid) continue;
    const user = org.systemusers.find((u) => u.azureactivedirectoryobjectid === claims.oid && !u.isdisabled);
    if (!user) continue;
    const item = instance(ctx, org, user.systemuserid);
    if (terms.every((term) => matches(item, term))) listed.push(item);
  }
  const value = select ? listed.map((item) => Object.fromEntries(select.map((name) => [name, item[name] ?? null]))) : listed;
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; odata.metadata=minimal', 'OData-Version': '4.0' },
    body: { '@odata.context': `${base}${DISCOVERY_API}/$metadata#Instances${select ? `(${select.join(',')})` : ''}`, value },
  };
}

function serviceDocument(ctx: EmulatorContext): Reply {
  const base = `${discoveryUrl(ctx)}${DISCOVERY_API}`;
  return { status: 200, headers: { 'OData-Version': '4.0' }, body: { '@odata.context': `${base}/$metadata`, value: [{ name: 'Instances', kind: 'EntitySet', url: 'Instances' }] } };
}

const P = `^/globaldisco${DISCOVERY_API.replace(/\./g, '\\.')}`;

export const discoveryRoutes: Route[] = [
  route('GET', new RegExp(`${P}/?$`), serviceDocument),
  route('GET', new RegExp(`${P}/Instances(?:\\((?<key>[^)]*)\\))?$`), instances),
];
