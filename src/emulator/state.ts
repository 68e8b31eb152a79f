/**
 * The in-memory world: tenants, app registrations, service principals (consent), Entra users, and per org the
 * Dataverse tables the emulator serves. Rows use the Web API's own column names so queries need no mapping.
 * `reset()` rebuilds everything from the resolved seed.
 */
import { randomUUID } from 'node:crypto';
import { LEVELS, type Level } from './levels.js';
import { nameBasedUuid, normalizeGuid } from './support/guid.js';
import { customTablePrivileges, type TableOwnership } from './import/custom-tables.js';
import type { PrivilegeSource } from './options.js';
import { privilegesFrom, type PrivilegeDefinition } from './privilege-table.js';
import type { AppCredentials, Seed, SeedBusinessUnit, SeedOrg, TenantPolicies } from './seed.js';

export type Row = Record<string, unknown>;

export interface TenantRecord {
  id: string;
  name: string;
  domain: string;
  kind: 'isv' | 'subscriber';
  policies: Required<TenantPolicies>;
}

/** Entra's defaults: users may consent, no Conditional Access. */
export const DEFAULT_POLICIES: Readonly<Required<TenantPolicies>> = { userConsent: 'allow', blockDeviceCode: false, requireMfa: false };

export interface ServicePrincipalRecord {
  tenantId: string;
  appId: string;
  objectId: string;
  /** ms since epoch; drives the optional consent lag. */
  createdAt: number;
}

export interface EntraUserRecord {
  objectId: string;
  tenantId: string;
  upn: string;
  displayName: string;
}

export interface BusinessUnitRow extends Row {
  businessunitid: string;
  name: string;
  _parentbusinessunitid_value: string | null;
}

export interface RoleRow extends Row {
  roleid: string;
  name: string;
  _businessunitid_value: string;
  _parentrootroleid_value: string;
  roletemplateid: string | null;
  ismanaged: boolean;
  iscustomizable: boolean;
}

export interface RolePrivilegeRecord {
  roleid: string;
  privilegeid: string;
  depth: Level;
}

export interface PrivilegeRow extends Row {
  privilegeid: string;
  name: string;
  accessright: number;
  canbebasic: boolean;
  canbelocal: boolean;
  canbedeep: boolean;
  canbeglobal: boolean;
  canbeentityreference: boolean;
  canbeparententityreference: boolean;
}

export interface SystemUserRow extends Row {
  systemuserid: string;
  fullname: string;
  domainname: string;
  internalemailaddress: string | null;
  applicationid: string | null;
  azureactivedirectoryobjectid: string | null;
  isdisabled: boolean;
  accessmode: number;
  /** "0 Not deleted, 1 Soft deleted" (powerapps-docs reference/entities/systemuser.md, DeletedState). */
  deletedstate: 0 | 1;
  _businessunitid_value: string;
  createdon: string;
}

/** teamtype 0 Owner, 2 Security Group (an Entra group team) (powerapps-docs reference/entities/team.md, TeamType). */
export interface TeamRecord {
  teamid: string;
  name: string;
  teamtype: 0 | 2;
  _businessunitid_value: string;
}

export interface SolutionRow extends Row {
  solutionid: string;
  uniquename: string;
  friendlyname: string;
  version: string;
  ismanaged: boolean;
  installedon: string;
  modifiedon: string;
  _publisherid_value: string | null;
}

export interface ImportJobRow extends Row {
  importjobid: string;
  solutionname: string | null;
  progress: number;
  startedon: string | null;
  completedon: string | null;
  data: string | null;
  createdon: string;
}

export interface AsyncOperationRow extends Row {
  asyncoperationid: string;
  name: string;
  operationtype: number;
  statecode: number;
  statuscode: number;
  message: string | null;
  friendlymessage: string | null;
  startedon: string | null;
  completedon: string | null;
  createdon: string;
}

/** environmentvariabledefinition columns (powerapps-docs reference/entities/environmentvariabledefinition.md). */
export interface EnvironmentVariableDefinitionRow extends Row {
  environmentvariabledefinitionid: string;
  schemaname: string;
  displayname: string | null;
  description: string | null;
  /** 100000000 String, 100000001 Number, 100000002 Boolean, 100000003 JSON, 100000004 Data Source, 100000005 Secret. */
  type: number | null;
  defaultvalue: string | null;
  isrequired: boolean;
  /** 0 Azure Key Vault, 1 Microsoft Dataverse. */
  secretstore: number | null;
  ismanaged: boolean;
  statecode: number;
  statuscode: number;
  createdon: string;
  modifiedon: string;
}

/**
 * environmentvariablevalue columns (powerapps-docs reference/entities/environmentvariablevalue.md). "The environment
 * variable value is an unmanaged customization" (maker/data-platform/EnvironmentVariables.md), so never managed.
 */
export interface EnvironmentVariableValueRow extends Row {
  environmentvariablevalueid: string;
  schemaname: string | null;
  value: string | null;
  _environmentvariabledefinitionid_value: string;
  ismanaged: false;
  statecode: number;
  statuscode: number;
  createdon: string;
  modifiedon: string;
}

/** connectionreference columns (powerapps-docs reference/entities/connectionreference.md). */
export interface ConnectionReferenceRow extends Row {
  connectionreferenceid: string;
  connectionreferencelogicalname: string;
  connectionreferencedisplayname: string | null;
  /** `/providers/Microsoft.PowerApps/apis/<api>`, "Id of the Public/Shared Connector". */
  connectorid: string | null;
  /** "Id of the connection in API hub": not in any solution; set at import or afterwards. */
  connectionid: string | null;
  description: string | null;
  ismanaged: boolean;
  statecode: number;
  statuscode: number;
  createdon: string;
  modifiedon: string;
}

/**
 * A connection of the environment. Connections live in the Power Apps API hub, not in Dataverse ("connections
 * are not stored in Dataverse", MicrosoftDocs/power-platform#1447), so no entity set serves them; tests create
 * them through the control API.
 */
export interface ConnectionRecord {
  connectionId: string;
  /** The full connector id, `/providers/Microsoft.PowerApps/apis/<api>`. */
  connectorId: string;
  name: string;
  createdon: string;
}

/** What the Global Discovery Service says about an org beyond its name and ids (discovery-service.md, Instance). */
export interface OrgInstance {
  friendlyName: string;
  uniqueName: string;
  state: 0 | 1;
  purpose: string;
  region: string;
  /** GDS `LastUpdated`: when the org was built (start, reset). */
  lastUpdated: string;
}

export interface OrgState {
  name: string;
  tenantId: string;
  organizationId: string;
  instance: OrgInstance;
  businessunits: BusinessUnitRow[];
  roles: RoleRow[];
  roleprivileges: RolePrivilegeRecord[];
  privileges: PrivilegeRow[];
  systemusers: SystemUserRow[];
  systemuserroles: Array<{ systemuserid: string; roleid: string }>;
  teams: TeamRecord[];
  /** Role copies (in the team's business unit) held by a team. */
  teamroles: Array<{ teamid: string; roleid: string }>;
  teammemberships: Array<{ teamid: string; systemuserid: string }>;
  solutions: SolutionRow[];
  /**
   * Root components a solution carries. Roles (componenttype 20) are modelled: an upgrade removes the ones it
   * no longer ships. Other types are recorded as they arrived (objectid derived from the schema name when the
   * manifest names them that way) and otherwise ignored.
   */
  solutioncomponents: SolutionComponentRow[];
  importjobs: ImportJobRow[];
  asyncoperations: AsyncOperationRow[];
  accounts: Row[];
  contacts: Row[];
  annotations: Row[];
  environmentvariabledefinitions: EnvironmentVariableDefinitionRow[];
  environmentvariablevalues: EnvironmentVariableValueRow[];
  connectionreferences: ConnectionReferenceRow[];
  connections: ConnectionRecord[];
  /**
   * What each imported solution's manifest requires (solution.xml `MissingDependencies`), kept after import:
   * the source of `RetrieveDependenciesForUninstall` and of the uninstall refusal.
   */
  solutionrequirements: SolutionRequirementRecord[];
  /** The custom tables imports created, one row per solution carrying each (their privileges go with the last). */
  tablesolutions: Array<{ schemaname: string; ownership: TableOwnership; solutionid: string }>;
  /** Id of the import job (or solution async operation) holding the org's solution lock, if any. */
  activeImportJobId: string | null;
}

/** One `MissingDependency` of an installed solution's manifest: its Required and Dependent attributes as written. */
export interface SolutionRequirementRecord {
  solutionid: string;
  required: Array<[string, string]>;
  dependent: Array<[string, string]>;
  /** `Required/@solution`: "UniqueName (version)" or "Active". */
  solution: string;
}

/**
 * A solution's component. `schemaname` (emulator-only, not a Web API column) is the name the manifest used:
 * table logical names, web resource and app unique names, connection reference logical names.
 */
export interface SolutionComponentRow {
  solutionid: string;
  objectid: string;
  componenttype: number;
  schemaname?: string;
  rootcomponentbehavior?: number;
}

export interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  status: 'pending' | 'approved' | 'denied';
  upn: string | null;
  /** The tenant the sign-in names (its authority, else the org its scope addresses): picks the admin who approves. */
  tenantId: string | null;
}

export interface RefreshTokenRecord {
  clientId: string;
  upn: string;
  scope: string;
  /** The grant that issued it: device-code refresh needs "Allow public client flows", browser sign-in does not. */
  flow: 'device-code' | 'authorization-code';
}

/** An authorize request waiting at the sign-in form, kept server-side so nothing the form posts back is trusted. */
export interface PendingSignInRecord {
  id: string;
  tenantSegment: string;
  query: Record<string, string>;
}

/** A single-use authorization code and everything it was issued for (v2-oauth2-auth-code-flow.md). */
export interface AuthorizationCodeRecord {
  clientId: string;
  tenantSegment: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain';
  nonce: string | null;
  upn: string;
  expiresAt: number;
  redeemed: boolean;
}

/** Settings the control API can change while the emulator runs (`PATCH /_emulator/settings`); reset restores the options. */
export interface RuntimeSettings {
  autoApproveBrowserSignIn: boolean;
}

export interface StateData {
  tenants: TenantRecord[];
  apps: AppCredentials[];
  servicePrincipals: ServicePrincipalRecord[];
  users: EntraUserRecord[];
  orgs: OrgState[];
  adminUpn: string;
  /** Per tenant id, the admin auto-approval signs in (seed `admins`); others get `adminUpn`. */
  admins: Map<string, string>;
  deviceCodes: DeviceCodeRecord[];
  refreshTokens: Map<string, RefreshTokenRecord>;
  pendingSignIns: Map<string, PendingSignInRecord>;
  authorizationCodes: Map<string, AuthorizationCodeRecord>;
  /** Who `az` is logged in as for `GET /_emulator/azure-cli/token` (null: logged out); the seeded admin at start. */
  azureCliUpn: string | null;
  settings: RuntimeSettings;
}

/** Namespace for the emulator's derived ids (privilege ids, child-BU role copies): stable across resets. */
const EMULATOR_NAMESPACE = '3b0f7a1e-5c1d-4f5e-8e0a-2d9c6b4a7e11';

export function derivedId(...parts: string[]): string {
  return nameBasedUuid(parts.join('/'), EMULATOR_NAMESPACE);
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Privileges the emulator's own checks use; added with their usual depths when a `privilegeCatalog` override lacks them. */
const REQUIRED_PRIVILEGES: ReadonlyArray<[string, readonly Level[]]> = [
  ['prvReadSolution', ['Global']],
  ['prvImportCustomization', ['Global']],
  ['prvDeleteSolution', ['Global']],
  ['prvAssignRole', ['Global']],
  ['prvReadRole', ['Local', 'Deep', 'Global']],
  ['prvWriteRole', ['Local', 'Deep', 'Global']],
  ['prvReadUser', ['Local', 'Deep', 'Global']],
  ['prvCreateUser', ['Local', 'Deep', 'Global']],
  ['prvWriteUser', ['Local', 'Deep', 'Global']],
  ['prvDisableUser', ['Local', 'Deep', 'Global']],
  ['prvReadBusinessUnit', ['Local', 'Deep', 'Global']],
  ['prvReadImportJob', LEVELS],
  ['prvReadAsyncOperation', LEVELS],
  ['prvReadAccount', LEVELS],
  ['prvReadContact', LEVELS],
  ['prvReadNote', LEVELS],
  // environmentvariablevalue "permission … is inherited from the parent environmentvariabledefinition table"
  // (EnvironmentVariables.md): values are read and written with the definition's privileges.
  ['prvReadEnvironmentVariableDefinition', LEVELS],
  ['prvWriteEnvironmentVariableDefinition', LEVELS],
  ['prvReadconnectionreference', LEVELS],
  ['prvWriteconnectionreference', LEVELS],
];

const ACCESS_RIGHTS: ReadonlyArray<[string, number]> = [
  ['prvAppendTo', 16],
  ['prvAppend', 4],
  ['prvCreate', 32],
  ['prvRead', 1],
  ['prvWrite', 2],
  ['prvDelete', 65536],
  ['prvAssign', 524288],
  ['prvShare', 262144],
];

function accessRight(name: string): number {
  return ACCESS_RIGHTS.find(([prefix]) => name.startsWith(prefix))?.[1] ?? 0;
}

export function privilegeRow(definition: PrivilegeDefinition): PrivilegeRow {
  const { name, depths } = definition;
  return {
    privilegeid: derivedId('privilege', name),
    name,
    accessright: accessRight(name),
    canbebasic: depths.includes('Basic'),
    canbelocal: depths.includes('Local'),
    canbedeep: depths.includes('Deep'),
    canbeglobal: depths.includes('Global'),
    canbeentityreference: definition.entityReference,
    canbeparententityreference: definition.parentEntityReference,
  };
}

export function allowedDepths(row: PrivilegeRow): Level[] {
  return LEVELS.filter((level) => row[`canbe${level.toLowerCase()}`] === true);
}

/**
 * The privilege rows of a catalog, built once per process and shared (frozen) by every org: a fleet of a thousand
 * orgs would otherwise hash a thousand copies of the same ~500 ids. Orgs hold their own arrays (imports and
 * uninstalls replace them), never change a row in place.
 */
const catalogRowCache = new WeakMap<object, ReadonlyMap<string, PrivilegeRow>>();
const DEFAULT_CATALOG = {};

function catalogRows(catalog: PrivilegeSource | undefined): ReadonlyMap<string, PrivilegeRow> {
  const key = catalog ?? DEFAULT_CATALOG;
  let rows = catalogRowCache.get(key);
  if (!rows) {
    const definitions = new Map<string, PrivilegeDefinition>();
    for (const [name, depths] of REQUIRED_PRIVILEGES) definitions.set(name, { name, depths, entityReference: false, parentEntityReference: false });
    for (const definition of privilegesFrom(catalog)) definitions.set(definition.name, definition);
    rows = new Map([...definitions].map(([name, definition]) => [name, Object.freeze(privilegeRow(definition))]));
    catalogRowCache.set(key, rows);
  }
  return rows;
}

function buildPrivileges(org: SeedOrg, catalog: PrivilegeSource | undefined): PrivilegeRow[] {
  const tables = org.customTables ?? [];
  const shared = catalogRows(catalog);
  if (!tables.length) return [...shared.values()];
  const rows = new Map(shared);
  for (const table of tables) {
    for (const definition of customTablePrivileges(table.schemaName, table.ownership)) rows.set(definition.name, privilegeRow(definition));
  }
  return [...rows.values()];
}

/** A role's `all` grants over the shared catalog rows, shared by every org seeding that role id (frozen, like the rows). */
const allGrantCache = new WeakMap<ReadonlyMap<string, PrivilegeRow>, Map<string, readonly RolePrivilegeRecord[]>>();

function sharedAllGrants(rows: ReadonlyMap<string, PrivilegeRow>, roleid: string): readonly RolePrivilegeRecord[] {
  let byRole = allGrantCache.get(rows);
  if (!byRole) allGrantCache.set(rows, (byRole = new Map()));
  let grants = byRole.get(roleid);
  if (!grants) {
    grants = [...rows.values()].map((p) => Object.freeze({ roleid, privilegeid: p.privilegeid, depth: allowedDepths(p).at(-1) ?? 'Global' }));
    byRole.set(roleid, grants);
  }
  return grants;
}

function flattenBusinessUnits(unit: SeedBusinessUnit, parent: string | null, out: BusinessUnitRow[]): BusinessUnitRow[] {
  const id = normalizeGuid(unit.id) ?? unit.id;
  out.push({ businessunitid: id, name: unit.name, _parentbusinessunitid_value: parent });
  for (const child of unit.children ?? []) flattenBusinessUnits(child, id, out);
  return out;
}

/** The copy of a root role in a business unit: the root itself in the root BU, a derived id elsewhere. */
export function roleCopyId(org: Pick<OrgState, 'name'>, rootRoleId: string, businessUnitId: string, rootBusinessUnitId: string): string {
  return businessUnitId === rootBusinessUnitId ? rootRoleId : derivedId('role-copy', org.name, rootRoleId, businessUnitId);
}

export function rootBusinessUnit(org: OrgState): BusinessUnitRow {
  const root = org.businessunits.find((bu) => bu._parentbusinessunitid_value === null);
  if (!root) throw new Error(`org ${org.name} has no root business unit`);
  return root;
}

/** Creates the role in the root BU and its copies in every other BU, or renames existing ones. */
export function upsertRoleWithCopies(org: OrgState, role: { id: string; name: string; templateId?: string | null; managed: boolean; customizable: boolean }): void {
  const root = rootBusinessUnit(org);
  for (const bu of org.businessunits) {
    const roleid = roleCopyId(org, role.id, bu.businessunitid, root.businessunitid);
    const existing = org.roles.find((r) => r.roleid === roleid);
    const row: RoleRow = {
      roleid,
      name: role.name,
      _businessunitid_value: bu.businessunitid,
      _parentrootroleid_value: role.id,
      roletemplateid: role.templateId ?? null,
      ismanaged: role.managed,
      iscustomizable: role.customizable,
    };
    if (existing) Object.assign(existing, row);
    else org.roles.push(row);
  }
}

/** Removes a root role, its copies, their privileges and every user's assignment of them. */
export function deleteRoleWithCopies(org: OrgState, rootRoleId: string): void {
  const ids = new Set(org.roles.filter((r) => r._parentrootroleid_value === rootRoleId).map((r) => r.roleid));
  org.roles = org.roles.filter((r) => !ids.has(r.roleid));
  org.roleprivileges = org.roleprivileges.filter((p) => !ids.has(p.roleid));
  org.systemuserroles = org.systemuserroles.filter((a) => !ids.has(a.roleid));
  org.teamroles = org.teamroles.filter((a) => !ids.has(a.roleid));
  org.solutioncomponents = org.solutioncomponents.filter((c) => c.objectid !== rootRoleId);
}

/** Removes the privileges of a table no installed solution carries any longer, and every role's grant of them. */
function dropTable(org: OrgState, table: OrgState['tablesolutions'][number]): void {
  const names = new Set(customTablePrivileges(table.schemaname, table.ownership).map((d) => d.name.toLowerCase()));
  const ids = new Set(org.privileges.filter((p) => names.has(p.name.toLowerCase())).map((p) => p.privilegeid));
  org.privileges = org.privileges.filter((p) => !ids.has(p.privilegeid));
  org.roleprivileges = org.roleprivileges.filter((rp) => !ids.has(rp.privilegeid));
}

/**
 * "When a solution is managed, it is treated as a single unit of software. Deleting a managed solution removes
 * all the solution components. [...] Deleting an unmanaged solution just removes the group. All solution
 * components remain." (learn dynamicscrm-2016 developers-guide gg328257, Solution entity messages and methods).
 * Removes the solution row, its component rows and requirements. Managed: also the roles (with their
 * business-unit copies, user and team bindings), the tables (with their privileges), the environment variable
 * definitions (with their values) and the connection references no other installed solution carries; that a
 * component shared by two solutions stays until the last goes is inferred.
 */
export function removeSolution(org: OrgState, target: SolutionRow): void {
  const own = org.solutioncomponents.filter((c) => c.solutionid === target.solutionid);
  const tables = org.tablesolutions.filter((t) => t.solutionid === target.solutionid);
  org.solutioncomponents = org.solutioncomponents.filter((c) => c.solutionid !== target.solutionid);
  org.solutionrequirements = org.solutionrequirements.filter((r) => r.solutionid !== target.solutionid);
  org.tablesolutions = org.tablesolutions.filter((t) => t.solutionid !== target.solutionid);
  org.solutions = org.solutions.filter((s) => s !== target);
  if (!target.ismanaged) return;
  for (const role of own.filter((c) => c.componenttype === 20 /* Role */)) {
    if (!org.solutioncomponents.some((c) => c.objectid === role.objectid)) deleteRoleWithCopies(org, role.objectid);
  }
  for (const table of tables) {
    if (!org.tablesolutions.some((t) => t.schemaname.toLowerCase() === table.schemaname.toLowerCase())) dropTable(org, table);
  }
  // 380 Environment Variable Definition, 10150 connection reference (import/deployment-settings.ts). "A value can't
  // exist without a definition" (EnvironmentVariables.md): the definition's values go with it.
  const gone = (type: number) => new Set(own.filter((c) => c.componenttype === type && !org.solutioncomponents.some((other) => other.objectid === c.objectid)).map((c) => c.objectid));
  const definitions = gone(380);
  const references = gone(10150);
  org.environmentvariabledefinitions = org.environmentvariabledefinitions.filter((d) => !definitions.has(d.environmentvariabledefinitionid));
  org.environmentvariablevalues = org.environmentvariablevalues.filter((v) => !definitions.has(v._environmentvariabledefinitionid_value));
  org.connectionreferences = org.connectionreferences.filter((r) => !references.has(r.connectionreferenceid));
}

function buildOrg(seedOrg: SeedOrg, seed: Seed, apps: AppCredentials[], catalog: PrivilegeSource | undefined): OrgState {
  const created = nowIso();
  const org: OrgState = {
    name: seedOrg.name,
    tenantId: normalizeGuid(seedOrg.tenantId) ?? seedOrg.tenantId,
    organizationId: normalizeGuid(seedOrg.organizationId) ?? seedOrg.organizationId,
    instance: {
      friendlyName: seedOrg.friendlyName ?? seedOrg.name,
      // discovery-service.md's example: Id 6bcbf6bf-1f2a-… has UniqueName 'unq6bcbf6bf1f2a4ab999012605b314d' (the
      // id's first 29 hex digits); all 32 are kept so that ids differing only at the end never collide.
      uniqueName: seedOrg.uniqueName ?? `unq${(normalizeGuid(seedOrg.organizationId) ?? seedOrg.organizationId).replace(/-/g, '')}`,
      state: seedOrg.state ?? 0,
      purpose: seedOrg.purpose ?? '',
      region: seedOrg.region ?? 'NA',
      lastUpdated: created,
    },
    businessunits: flattenBusinessUnits(seedOrg.businessUnit, null, []),
    roles: [],
    roleprivileges: [],
    privileges: buildPrivileges(seedOrg, catalog),
    systemusers: [],
    systemuserroles: [],
    teams: [],
    teamroles: [],
    teammemberships: [],
    solutions: (seedOrg.solutions ?? []).map((solution) => ({
      solutionid: derivedId('seed-solution', seedOrg.name, solution.uniqueName.toLowerCase()),
      uniquename: solution.uniqueName,
      friendlyname: solution.friendlyName ?? solution.uniqueName,
      version: solution.version,
      ismanaged: solution.managed ?? true,
      installedon: created,
      modifiedon: created,
      _publisherid_value: null,
    })),
    solutioncomponents: [],
    solutionrequirements: [],
    tablesolutions: [],
    importjobs: [],
    asyncoperations: [],
    accounts: [
      { accountid: derivedId('account', seedOrg.name, '1'), name: 'Adventure Works (sample)', accountnumber: 'AW-0001' },
      { accountid: derivedId('account', seedOrg.name, '2'), name: 'Northwind Traders (sample)', accountnumber: 'NW-0002' },
    ],
    contacts: [{ contactid: derivedId('contact', seedOrg.name, '1'), fullname: 'Yvonne McKay (sample)', emailaddress1: 'yvonne@example.invalid' }],
    annotations: [{ annotationid: derivedId('annotation', seedOrg.name, '1'), subject: 'Sample note', notetext: 'Seeded by the dvpkg emulator.' }],
    environmentvariabledefinitions: [],
    environmentvariablevalues: [],
    connectionreferences: [],
    connections: [],
    activeImportJobId: null,
  };
  const byName = new Map(org.privileges.map((p) => [p.name, p]));
  for (const role of seedOrg.roles) {
    const id = normalizeGuid(role.id) ?? role.id;
    upsertRoleWithCopies(org, { id, name: role.name, templateId: role.templateId ?? null, managed: false, customizable: true });
    if (role.privileges === 'all' && !seedOrg.customTables?.length) {
      org.roleprivileges.push(...sharedAllGrants(catalogRows(catalog), id));
      continue;
    }
    const grants = role.privileges === 'all'
      ? org.privileges.map((p) => ({ name: p.name, level: allowedDepths(p).at(-1) ?? 'Global' }))
      : role.privileges;
    for (const grant of grants) {
      const privilege = byName.get(grant.name);
      if (!privilege) throw new Error(`seed role ${role.name} grants unknown privilege ${grant.name}`);
      org.roleprivileges.push({ roleid: id, privilegeid: privilege.privilegeid, depth: grant.level });
    }
  }
  const root = rootBusinessUnit(org);
  const tenant = seed.tenants.find((t) => normalizeGuid(t.id) === org.tenantId);
  for (const user of seedOrg.users) {
    const id = normalizeGuid(user.id) ?? user.id;
    const businessUnitId = normalizeGuid(user.businessUnitId) ?? root.businessunitid;
    const entra = seed.users.find((u) => normalizeGuid(u.objectId) === normalizeGuid(user.entraObjectId));
    const app = apps.find((a) => a.clientId === normalizeGuid(user.applicationId));
    org.systemusers.push({
      systemuserid: id,
      fullname: user.fullName,
      domainname: entra?.upn ?? (app ? appUserDomainName(app, org.tenantId) : `${id}@${tenant?.domain ?? 'example.invalid'}`),
      internalemailaddress: entra?.upn ?? null,
      applicationid: normalizeGuid(user.applicationId) ?? null,
      azureactivedirectoryobjectid: normalizeGuid(user.entraObjectId) ?? null,
      isdisabled: user.isDisabled ?? false,
      accessmode: user.applicationId ? 4 : 0,
      deletedstate: 0,
      _businessunitid_value: businessUnitId,
      createdon: created,
    });
    for (const roleId of user.roles) {
      const rootRoleId = normalizeGuid(roleId) ?? roleId;
      org.systemuserroles.push({ systemuserid: id, roleid: roleCopyId(org, rootRoleId, businessUnitId, root.businessunitid) });
    }
  }
  for (const team of seedOrg.teams ?? []) {
    addTeam(org, {
      id: normalizeGuid(team.id) ?? team.id,
      name: team.name,
      kind: team.kind ?? 'owner',
      businessUnitId: normalizeGuid(team.businessUnitId) ?? root.businessunitid,
      roles: (team.roles ?? []).map((r) => normalizeGuid(r) ?? r),
      members: (team.members ?? []).map((m) => normalizeGuid(m) ?? m),
    });
  }
  return org;
}

/** Adds a team holding the copies of the given root roles in its business unit, with its members. */
export function addTeam(org: OrgState, team: { id: string; name: string; kind: 'owner' | 'entra-group'; businessUnitId: string; roles: string[]; members: string[] }): TeamRecord {
  const root = rootBusinessUnit(org);
  const record: TeamRecord = { teamid: team.id, name: team.name, teamtype: team.kind === 'owner' ? 0 : 2, _businessunitid_value: team.businessUnitId };
  org.teams = org.teams.filter((t) => t.teamid !== team.id);
  org.teams.push(record);
  for (const roleId of team.roles) org.teamroles.push({ teamid: team.id, roleid: roleCopyId(org, roleId, team.businessUnitId, root.businessunitid) });
  for (const userId of team.members) org.teammemberships.push({ teamid: team.id, systemuserid: userId });
  return record;
}

/** `'<App name><App id>'@<TenantID>.com`-like user name Dataverse fills for application users (wire ref §7.1). */
export function appUserDomainName(app: Pick<AppCredentials, 'clientId'>, tenantId: string): string {
  return `${app.clientId}@${tenantId}.com`;
}

export class EmulatorState {
  #seed: Seed;
  #apps: AppCredentials[];
  #catalog: PrivilegeSource | undefined;
  #settings: RuntimeSettings;
  data: StateData;

  constructor(seed: Seed, apps: AppCredentials[], catalog: PrivilegeSource | undefined, settings: RuntimeSettings) {
    this.#seed = seed;
    this.#apps = apps;
    this.#catalog = catalog;
    this.#settings = settings;
    this.data = this.#build();
  }

  reset(): void {
    this.data = this.#build();
  }

  #build(): StateData {
    const seed = structuredClone(this.#seed);
    return {
      tenants: seed.tenants.map((t) => ({ ...t, id: normalizeGuid(t.id) ?? t.id, policies: { ...DEFAULT_POLICIES, ...t.policies } })),
      apps: this.#apps.map((a) => ({ ...a, federatedCredentials: a.federatedCredentials.map((c) => ({ ...c, audiences: [...c.audiences] })) })),
      servicePrincipals: seed.servicePrincipals.map((sp) => ({
        tenantId: normalizeGuid(sp.tenantId) ?? sp.tenantId,
        appId: normalizeGuid(sp.appId) ?? sp.appId,
        objectId: normalizeGuid(sp.objectId) ?? derivedId('service-principal', sp.tenantId, sp.appId),
        createdAt: 0,
      })),
      users: seed.users.map((u) => ({ ...u, objectId: normalizeGuid(u.objectId) ?? u.objectId, tenantId: normalizeGuid(u.tenantId) ?? u.tenantId })),
      orgs: seed.orgs.map((o) => buildOrg(o, seed, this.#apps, this.#catalog)),
      adminUpn: seed.admin.upn,
      admins: new Map(Object.entries(seed.admins ?? {}).map(([tenant, upn]) => [normalizeGuid(tenant) ?? tenant, upn])),
      deviceCodes: [],
      refreshTokens: new Map(),
      pendingSignIns: new Map(),
      authorizationCodes: new Map(),
      azureCliUpn: seed.admin.upn,
      settings: { ...this.#settings },
    };
  }

  /** By id or verified domain, case-insensitive. */
  tenant(idOrDomain: string): TenantRecord | undefined {
    const id = normalizeGuid(idOrDomain);
    const lower = idOrDomain.toLowerCase();
    return this.data.tenants.find((t) => (id ? t.id === id : t.domain.toLowerCase() === lower));
  }

  app(clientId: string): AppCredentials | undefined {
    const id = normalizeGuid(clientId);
    return id ? this.data.apps.find((a) => a.clientId === id) : undefined;
  }

  /** The home tenant always holds the app's service principal; elsewhere only consent creates one. */
  servicePrincipal(tenantId: string, appId: string): ServicePrincipalRecord | undefined {
    const app = this.app(appId);
    const explicit = this.data.servicePrincipals.find((sp) => sp.tenantId === tenantId && sp.appId === normalizeGuid(appId));
    if (explicit) return explicit;
    if (app && app.homeTenantId === tenantId) {
      return { tenantId, appId: normalizeGuid(appId) ?? appId, objectId: derivedId('service-principal', tenantId, appId), createdAt: 0 };
    }
    return undefined;
  }

  grantConsent(tenantId: string, appId: string): ServicePrincipalRecord {
    const tenant = normalizeGuid(tenantId) ?? tenantId;
    const app = normalizeGuid(appId) ?? appId;
    const existing = this.data.servicePrincipals.find((sp) => sp.tenantId === tenant && sp.appId === app);
    if (existing) return existing;
    const record = { tenantId: tenant, appId: app, objectId: randomUUID(), createdAt: Date.now() };
    this.data.servicePrincipals.push(record);
    return record;
  }

  revokeConsent(tenantId: string, appId: string): boolean {
    const before = this.data.servicePrincipals.length;
    this.data.servicePrincipals = this.data.servicePrincipals.filter((sp) => !(sp.tenantId === normalizeGuid(tenantId) && sp.appId === normalizeGuid(appId)));
    return this.data.servicePrincipals.length !== before;
  }

  entraUser(upn: string): EntraUserRecord | undefined {
    return this.data.users.find((u) => u.upn.toLowerCase() === upn.toLowerCase());
  }

  /** The admin auto-approval signs in for a sign-in naming this tenant (seed `admins`), else the seeded admin. */
  adminFor(tenantId: string | undefined): string {
    return (tenantId && this.data.admins.get(tenantId)) || this.data.adminUpn;
  }

  org(name: string): OrgState | undefined {
    return this.data.orgs.find((o) => o.name === name);
  }

  /** JSON view for the control API and tests, without secrets or private keys. */
  snapshot(): unknown {
    const { refreshTokens: _refreshTokens, authorizationCodes: _codes, pendingSignIns: _pending, apps, deviceCodes, admins, ...rest } = this.data;
    return {
      ...rest,
      admins: Object.fromEntries(admins),
      apps: apps.map(({ clientSecret: _secret, privateKeyPem: _key, ...app }) => app),
      deviceCodes: deviceCodes.map(({ deviceCode: _code, ...code }) => code),
    };
  }
}
