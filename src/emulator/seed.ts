/**
 * The seed: what the emulator's world looks like after start and after every reset().
 * Defaults use fixed, obviously fake GUIDs (00000000-0000-4000-8000-0000000000xx) — never real tenant ids.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate, randomBytes, createPublicKey, createHash } from 'node:crypto';
import { EmulatorConfigError } from './wire-errors.js';
import { LEVELS, isLevel, type Level } from './levels.js';
import { normalizeGuid } from './support/guid.js';
import { createSelfSignedCertificate, keyPairFor } from './certificate.js';

export type TenantKind = 'isv' | 'subscriber';

/**
 * Tenant-wide sign-in settings. `userConsent`: `allow` (Entra's default: users may consent to apps for
 * themselves), `deny` (user consent disabled → AADSTS65001) or `admin-approval` (the admin consent workflow
 * is on → AADSTS90094). `blockDeviceCode` is a Conditional Access policy blocking the device-code flow
 * (AADSTS53003); `requireMfa` one requiring MFA that device code cannot satisfy here (AADSTS50076).
 */
export interface TenantPolicies {
  userConsent?: 'allow' | 'deny' | 'admin-approval';
  blockDeviceCode?: boolean;
  requireMfa?: boolean;
}

export interface SeedTenant {
  id: string;
  name: string;
  /** Verified domain; Entra routes accept it in place of the tenant id. */
  domain: string;
  kind: TenantKind;
  policies?: TenantPolicies;
}

export interface SeedApp {
  clientId: string;
  name: string;
  homeTenantId: string;
  multiTenant: boolean;
  /** Generated when absent. */
  secret?: string;
  /** PEM pair; generated when absent. `privateKeyPem` is optional (only the public part is needed to verify). */
  certificate?: { certificatePem: string; privateKeyPem?: string };
  /** Admin-consent redirect URIs; a consent request must name one of them exactly. */
  redirectUris?: string[];
  /** "Allow public client flows": device code and refresh without a credential. Default false. */
  publicClient?: boolean;
  /** The registration lists Dataverse `user_impersonation` statically, so `<org>/.default` works delegated. Default false. */
  staticDataversePermission?: boolean;
  /** Workload identity federation trusts (none by default); `issuer` defaults to the emulator's own OIDC issuer. */
  federatedCredentials?: SeedFederatedCredential[];
}

/**
 * A federated identity credential: "issuer", "subject", "audiences" as Microsoft Graph's
 * federatedIdentityCredential resource names them (audiences default to `api://AzureADTokenExchange`).
 */
export interface SeedFederatedCredential {
  issuer?: string;
  subject: string;
  audiences?: string[];
}

export interface SeedServicePrincipal {
  tenantId: string;
  appId: string;
  objectId?: string;
}

export interface SeedEntraUser {
  objectId: string;
  tenantId: string;
  upn: string;
  displayName: string;
}

export interface SeedBusinessUnit {
  id: string;
  name: string;
  children?: SeedBusinessUnit[];
}

export interface SeedCustomTable {
  /** Privilege names use the schema name with its case: prvReadcontoso_Widget. */
  schemaName: string;
  ownership: 'user' | 'organization';
}

export interface SeedRole {
  /** Root business unit id of the role; child business units get derived copies. */
  id: string;
  name: string;
  /** `all` = every privilege of the org at its deepest allowed depth. */
  privileges: 'all' | Array<{ name: string; level: Level }>;
  templateId?: string;
}

export interface SeedSystemUser {
  id: string;
  fullName: string;
  /** Defaults to the root business unit. */
  businessUnitId?: string;
  /** Interactive users: the Entra object id (`azureactivedirectoryobjectid`). */
  entraObjectId?: string;
  /** Application users. */
  applicationId?: string;
  /** Root role ids; the user gets the copy in its own business unit. */
  roles: string[];
  isDisabled?: boolean;
}

/** An owner team (teamtype 0) or an Entra group team (teamtype 2), with root role ids and member systemuser ids. */
export interface SeedTeam {
  id: string;
  name: string;
  kind?: 'owner' | 'entra-group';
  /** Defaults to the root business unit. */
  businessUnitId?: string;
  roles?: string[];
  members?: string[];
}

/** A solution installed in the org from the start (first-party solutions other solutions require). */
export interface SeedSolution {
  uniqueName: string;
  version: string;
  /** Default true. */
  managed?: boolean;
  /** Default: the unique name. */
  friendlyName?: string;
}

export interface SeedOrg {
  /** The URL segment (`{url}/orgs/{name}`), GDS `UrlName`. */
  name: string;
  tenantId: string;
  organizationId: string;
  /** GDS `FriendlyName`; default: the name. */
  friendlyName?: string;
  /** GDS `UniqueName`, distinct from the URL name; default `unq` + the organization id's 32 hex digits (discovery-service.md's example: `unq` + hex). */
  uniqueName?: string;
  /** GDS `State`: `0` enabled (default) or `1` disabled. */
  state?: 0 | 1;
  /** GDS `Purpose` (default empty) and `Region` (default `NA`). */
  purpose?: string;
  region?: string;
  businessUnit: SeedBusinessUnit;
  customTables?: SeedCustomTable[];
  roles: SeedRole[];
  users: SeedSystemUser[];
  teams?: SeedTeam[];
  /** Installed solutions (none when absent). */
  solutions?: SeedSolution[];
}

export interface Seed {
  tenants: SeedTenant[];
  apps: SeedApp[];
  servicePrincipals: SeedServicePrincipal[];
  users: SeedEntraUser[];
  orgs: SeedOrg[];
  /** UPN of the Entra user who signs in with device code (auto-approved by default). */
  admin: { upn: string };
  /**
   * Per tenant (id): the admin auto-approval signs in when a sign-in names that tenant (its authority, or the
   * org its scope addresses). Tenants not listed fall back to `admin`.
   */
  admins?: Record<string, string>;
}

/** Fixed ids of the default seed, exported so tests and docs can name them. */
export const DEFAULT_IDS = {
  isvTenant: '00000000-0000-4000-8000-0000000000a1',
  subscriberTenant: '00000000-0000-4000-8000-0000000000b1',
  organization: '00000000-0000-4000-8000-0000000000c1',
  rootBusinessUnit: '00000000-0000-4000-8000-0000000000c2',
  childBusinessUnit: '00000000-0000-4000-8000-0000000000c3',
  systemAdministratorRole: '00000000-0000-4000-8000-0000000000d1',
  basicUserRole: '00000000-0000-4000-8000-0000000000d2',
  adminSystemUser: '00000000-0000-4000-8000-0000000000e1',
  adminObjectId: '00000000-0000-4000-8000-0000000000e2',
} as const;

/**
 * Dataverse SDK sample client id (wire ref §1.3; "Sample / stand-in appID", ServiceClient
 * DataverseConnectionStringProcessor.cs). Registered in every seed as a multi-tenant public client with a
 * static Dataverse permission; like any app it has no service principal in a tenant until someone consents.
 */
export const ADMIN_PUBLIC_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';

/** The admin public client's registration, added to any seed that lacks it (in the ISV tenant: it is nobody's subscriber). */
export function adminPublicClient(seed: Seed): SeedApp {
  const home = seed.tenants.find((t) => t.kind === 'isv') ?? seed.tenants[0];
  // `http://localhost`: Microsoft's interactive sample uses this client id with `redirectUri = "http://localhost"`
  // (powerapps-docs authenticate-oauth.md), the loopback redirect msal-node's acquireTokenInteractive sends.
  return { clientId: ADMIN_PUBLIC_CLIENT_ID, name: 'Dataverse sample public client', homeTenantId: home?.id ?? '', multiTenant: true, publicClient: true, staticDataversePermission: true, redirectUris: ['http://localhost'] };
}

/**
 * First-party solutions the shared real fixtures require (their solution.xml `MissingDependencies`), at the
 * highest version any of them names: templates-for-power-platform mpa_EmployeeExperienceBase 1.0.0.16
 * (AppModuleWebResources 2.5) and mpa_Kudos 1.0.0.36 (AuthorizationCore 1.97.0.0, BaseCustomControlsCore
 * 9.0.2309.3020, SettingDefinitionsData 9.1.23094.230918001; the .pdpkg.zip's Kudos 1.0.0.28 needs lower ones),
 * pnp prompt-library-src (AppModuleWebResources 2.5). msft_ColumnLevelSecurityData, which the powerapps-samples
 * column-security solutions require, is a sample solution, not a platform one, and is left out.
 */
export const FIRST_PARTY_SOLUTIONS: readonly SeedSolution[] = [
  { uniqueName: 'AppModuleWebResources', version: '2.5' },
  { uniqueName: 'AuthorizationCore', version: '1.97.0.0' },
  { uniqueName: 'BaseCustomControlsCore', version: '9.0.2309.3020' },
  { uniqueName: 'SettingDefinitionsData', version: '9.1.23094.230918001' },
];

/** Fixed template ids of the provisioning roles, as real orgs carry them (addendum §4). */
export const SYSTEM_ADMINISTRATOR_TEMPLATE = '627090ff-40a3-4053-8790-584edc5be201';

export function defaultSeed(): Seed {
  const seed: Seed = {
    tenants: [
      { id: DEFAULT_IDS.isvTenant, name: 'Fabrikam ISV', domain: 'fabrikam.example', kind: 'isv' },
      { id: DEFAULT_IDS.subscriberTenant, name: 'Contoso', domain: 'contoso.example', kind: 'subscriber' },
    ],
    apps: [],
    servicePrincipals: [],
    users: [{ objectId: DEFAULT_IDS.adminObjectId, tenantId: DEFAULT_IDS.subscriberTenant, upn: 'admin@contoso.example', displayName: 'Contoso Admin' }],
    orgs: [
      {
        name: 'contoso',
        tenantId: DEFAULT_IDS.subscriberTenant,
        organizationId: DEFAULT_IDS.organization,
        businessUnit: { id: DEFAULT_IDS.rootBusinessUnit, name: 'contoso', children: [{ id: DEFAULT_IDS.childBusinessUnit, name: 'Sales' }] },
        customTables: [],
        roles: [
          { id: DEFAULT_IDS.systemAdministratorRole, name: 'System Administrator', privileges: 'all', templateId: SYSTEM_ADMINISTRATOR_TEMPLATE },
          {
            id: DEFAULT_IDS.basicUserRole,
            name: 'Basic User',
            privileges: [
              { name: 'prvReadAccount', level: 'Basic' },
              { name: 'prvReadContact', level: 'Basic' },
              { name: 'prvReadNote', level: 'Basic' },
              { name: 'prvReadUser', level: 'Global' },
              { name: 'prvReadBusinessUnit', level: 'Global' },
            ],
          },
        ],
        users: [{ id: DEFAULT_IDS.adminSystemUser, fullName: 'Contoso Admin', entraObjectId: DEFAULT_IDS.adminObjectId, roles: [DEFAULT_IDS.systemAdministratorRole] }],
        solutions: FIRST_PARTY_SOLUTIONS.map((solution) => ({ ...solution, managed: true })),
      },
    ],
    admin: { upn: 'admin@contoso.example' },
  };
  seed.apps.push(adminPublicClient(seed));
  return seed;
}

/** An ISV multi-tenant app with generated credentials, the shape `--app <clientId>` adds. */
export function isvApp(clientId: string, seed: Seed, name?: string, redirectUris?: string[]): SeedApp {
  const isv = seed.tenants.find((t) => t.kind === 'isv') ?? seed.tenants[0];
  if (!isv) throw new EmulatorConfigError('EMULATOR_USAGE', 'The emulator seed has no tenant to register an app in.');
  return { clientId, name: name ?? `ISV app ${clientId.slice(0, 8)}`, homeTenantId: isv.id, multiTenant: true, publicClient: false, ...(redirectUris ? { redirectUris } : {}) };
}

export async function readSeedFile(path: string): Promise<Seed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new EmulatorConfigError('EMULATOR_SEED_NOT_FOUND', `Cannot read emulator seed file ${path}.`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new EmulatorConfigError('EMULATOR_SEED_UNREADABLE', `Emulator seed file ${path} is not valid JSON.`, { cause });
  }
  return validateSeed(parsed, path);
}

/** Checks the seed's shape and cross references; every problem is reported with its JSON path. */
export function validateSeed(value: unknown, source = 'seed'): Seed {
  const problems: string[] = [];
  const fail = (path: string, expected: string) => problems.push(`${source}: ${path}: expected ${expected}`);
  if (!isObject(value)) throw new EmulatorConfigError('EMULATOR_SEED_INVALID', `${source}: expected a JSON object`);
  const seed = value as unknown as Seed;
  const arrays = ['tenants', 'apps', 'servicePrincipals', 'users', 'orgs'] as const;
  for (const key of arrays) {
    if (seed[key] === undefined) (seed as unknown as Record<string, unknown>)[key] = [];
    else if (!Array.isArray(seed[key])) fail(key, 'an array');
  }
  if (problems.length) throw seedError(problems);
  const guid = (path: string, v: unknown) => {
    if (!normalizeGuid(v)) fail(path, 'a GUID');
  };
  const text = (path: string, v: unknown) => {
    if (typeof v !== 'string' || v === '') fail(path, 'a non-empty string');
  };
  seed.tenants.forEach((t, i) => {
    guid(`tenants[${i}].id`, t.id);
    text(`tenants[${i}].name`, t.name);
    text(`tenants[${i}].domain`, t.domain);
    if (t.kind !== 'isv' && t.kind !== 'subscriber') fail(`tenants[${i}].kind`, '"isv" or "subscriber"');
    if (t.policies !== undefined) policyProblems(t.policies).forEach((problem) => fail(`tenants[${i}].policies.${problem[0]}`, problem[1]));
  });
  const tenantIds = new Set(seed.tenants.map((t) => normalizeGuid(t.id)));
  const knownTenant = (path: string, v: unknown) => {
    if (!tenantIds.has(normalizeGuid(v))) fail(path, 'the id of a tenant in "tenants"');
  };
  seed.apps.forEach((a, i) => {
    guid(`apps[${i}].clientId`, a.clientId);
    text(`apps[${i}].name`, a.name);
    knownTenant(`apps[${i}].homeTenantId`, a.homeTenantId);
    if (typeof a.multiTenant !== 'boolean') fail(`apps[${i}].multiTenant`, 'true or false');
    for (const flag of ['publicClient', 'staticDataversePermission'] as const) if (a[flag] !== undefined && typeof a[flag] !== 'boolean') fail(`apps[${i}].${flag}`, 'true or false');
    if (a.redirectUris !== undefined && !(Array.isArray(a.redirectUris) && a.redirectUris.every((u) => typeof u === 'string'))) fail(`apps[${i}].redirectUris`, 'an array of URIs');
    if (a.federatedCredentials !== undefined && !Array.isArray(a.federatedCredentials)) fail(`apps[${i}].federatedCredentials`, 'an array of {subject, issuer?, audiences?}');
    (Array.isArray(a.federatedCredentials) ? a.federatedCredentials : []).forEach((c, j) => {
      federatedCredentialProblems(c).forEach(([field, expected]) => fail(`apps[${i}].federatedCredentials[${j}]${field ? `.${field}` : ''}`, expected));
    });
  });
  seed.servicePrincipals.forEach((sp, i) => {
    knownTenant(`servicePrincipals[${i}].tenantId`, sp.tenantId);
    guid(`servicePrincipals[${i}].appId`, sp.appId);
  });
  seed.users.forEach((u, i) => {
    guid(`users[${i}].objectId`, u.objectId);
    knownTenant(`users[${i}].tenantId`, u.tenantId);
    text(`users[${i}].upn`, u.upn);
  });
  seed.orgs.forEach((o, i) => {
    if (typeof o.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(o.name)) fail(`orgs[${i}].name`, 'lower-case letters, digits and dashes');
    knownTenant(`orgs[${i}].tenantId`, o.tenantId);
    guid(`orgs[${i}].organizationId`, o.organizationId);
    if (!isObject(o.businessUnit)) fail(`orgs[${i}].businessUnit`, 'the root business unit object');
    else guid(`orgs[${i}].businessUnit.id`, o.businessUnit.id);
    if (!Array.isArray(o.roles)) fail(`orgs[${i}].roles`, 'an array');
    if (!Array.isArray(o.users)) fail(`orgs[${i}].users`, 'an array');
    (o.customTables ?? []).forEach((t, j) => {
      text(`orgs[${i}].customTables[${j}].schemaName`, t.schemaName);
      if (t.ownership !== 'user' && t.ownership !== 'organization') fail(`orgs[${i}].customTables[${j}].ownership`, '"user" or "organization"');
    });
    (Array.isArray(o.roles) ? o.roles : []).forEach((r, j) => {
      guid(`orgs[${i}].roles[${j}].id`, r.id);
      text(`orgs[${i}].roles[${j}].name`, r.name);
      if (r.privileges !== 'all' && !Array.isArray(r.privileges)) fail(`orgs[${i}].roles[${j}].privileges`, '"all" or an array of {name, level}');
      if (Array.isArray(r.privileges)) {
        r.privileges.forEach((p, k) => {
          if (!isLevel(p.level)) fail(`orgs[${i}].roles[${j}].privileges[${k}].level`, LEVELS.join(', '));
        });
      }
    });
    (o.teams ?? []).forEach((t, j) => {
      guid(`orgs[${i}].teams[${j}].id`, t.id);
      text(`orgs[${i}].teams[${j}].name`, t.name);
      if (t.kind !== undefined && t.kind !== 'owner' && t.kind !== 'entra-group') fail(`orgs[${i}].teams[${j}].kind`, '"owner" or "entra-group"');
    });
    for (const field of ['friendlyName', 'uniqueName', 'purpose', 'region'] as const) if (o[field] !== undefined && typeof o[field] !== 'string') fail(`orgs[${i}].${field}`, 'a string');
    if (o.state !== undefined && o.state !== 0 && o.state !== 1) fail(`orgs[${i}].state`, '0 (enabled) or 1 (disabled)');
    if (o.solutions !== undefined && !Array.isArray(o.solutions)) fail(`orgs[${i}].solutions`, 'an array of {uniqueName, version, managed?, friendlyName?}');
    const seen = new Set<string>();
    (Array.isArray(o.solutions) ? o.solutions : []).forEach((sol, j) => {
      const at = `orgs[${i}].solutions[${j}]`;
      if (!isObject(sol)) return fail(at, 'an object {uniqueName, version, managed?, friendlyName?}');
      if (typeof sol.uniqueName !== 'string' || !SOLUTION_NAME.test(sol.uniqueName)) fail(`${at}.uniqueName`, 'a solution unique name (letters, digits, underscores; not starting with a digit)');
      else if (seen.has(sol.uniqueName.toLowerCase())) fail(`${at}.uniqueName`, 'a unique name not listed before in this org');
      else seen.add(sol.uniqueName.toLowerCase());
      if (typeof sol.version !== 'string' || !SOLUTION_VERSION.test(sol.version)) fail(`${at}.version`, 'a version of two to four numbers, e.g. 1.0.0.0');
      if (sol.managed !== undefined && typeof sol.managed !== 'boolean') fail(`${at}.managed`, 'true or false');
      if (sol.friendlyName !== undefined && (typeof sol.friendlyName !== 'string' || sol.friendlyName === '')) fail(`${at}.friendlyName`, 'a non-empty string');
    });
    (Array.isArray(o.users) ? o.users : []).forEach((u, j) => {
      guid(`orgs[${i}].users[${j}].id`, u.id);
      if (!Array.isArray(u.roles)) fail(`orgs[${i}].users[${j}].roles`, 'an array of role ids');
    });
  });
  if (!isObject(seed.admin) || typeof seed.admin.upn !== 'string') fail('admin.upn', 'the UPN of a user in "users"');
  else if (!seed.users.some((u) => u.upn.toLowerCase() === seed.admin.upn.toLowerCase())) fail('admin.upn', 'the UPN of a user in "users"');
  if (seed.admins !== undefined && !isObject(seed.admins)) fail('admins', 'an object of tenant id to UPN');
  for (const [tenant, upn] of Object.entries(isObject(seed.admins) ? seed.admins : {})) {
    knownTenant(`admins[${tenant}]`, tenant);
    const user = typeof upn === 'string' ? seed.users.find((u) => u.upn.toLowerCase() === upn.toLowerCase()) : undefined;
    if (!user) fail(`admins[${tenant}]`, 'the UPN of a user in "users"');
    else if (normalizeGuid(user.tenantId) !== normalizeGuid(tenant)) fail(`admins[${tenant}]`, 'a user of that tenant');
  }
  const uniqueNames = new Set<string>();
  seed.orgs.forEach((o, i) => {
    if (typeof o.uniqueName !== 'string') return;
    if (uniqueNames.has(o.uniqueName)) fail(`orgs[${i}].uniqueName`, 'a unique name no other org has');
    uniqueNames.add(o.uniqueName);
  });
  if (!seed.orgs.length) fail('orgs', 'at least one org');
  if (problems.length) throw seedError(problems);
  return seed;
}

/** The rules solution.xml import applies (import/package.ts), shared with the control API. */
export const SOLUTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SOLUTION_VERSION = /^\d+(\.\d+){1,3}$/;

/** Problems of a policies object as [field, expected]; shared with the control API. */
export function policyProblems(value: unknown): Array<[string, string]> {
  if (!isObject(value)) return [['', 'an object']];
  const problems: Array<[string, string]> = [];
  for (const key of Object.keys(value)) if (!['userConsent', 'blockDeviceCode', 'requireMfa'].includes(key)) problems.push([key, 'one of userConsent, blockDeviceCode, requireMfa']);
  if (value.userConsent !== undefined && !['allow', 'deny', 'admin-approval'].includes(String(value.userConsent))) problems.push(['userConsent', '"allow", "deny" or "admin-approval"']);
  for (const flag of ['blockDeviceCode', 'requireMfa']) if (value[flag] !== undefined && typeof value[flag] !== 'boolean') problems.push([flag, 'true or false']);
  return problems;
}

/** Problems of a federated credential as [field, expected]; shared with the control API. */
export function federatedCredentialProblems(value: unknown): Array<[string, string]> {
  if (!isObject(value)) return [['', 'an object {subject, issuer?, audiences?}']];
  const problems: Array<[string, string]> = [];
  if (typeof value.subject !== 'string' || value.subject === '') problems.push(['subject', 'a non-empty string']);
  if (value.issuer !== undefined && (typeof value.issuer !== 'string' || !/^https?:\/\/\S+$/.test(value.issuer))) problems.push(['issuer', 'an http(s) URL']);
  if (value.audiences !== undefined && !(Array.isArray(value.audiences) && value.audiences.length > 0 && value.audiences.every((a) => typeof a === 'string' && a !== ''))) problems.push(['audiences', 'a non-empty array of strings']);
  return problems;
}

function seedError(problems: string[]): EmulatorConfigError {
  return new EmulatorConfigError('EMULATOR_SEED_INVALID', `Invalid emulator seed:\n${problems.join('\n')}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The only audience Entra supports for federated credentials (workload-identity-federation-considerations.md). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** A federated credential as the state holds it: `issuer` null = the emulator's own OIDC issuer (its URL is known once it listens). */
export interface FederatedCredentialRecord {
  issuer: string | null;
  subject: string;
  audiences: string[];
  /** ms since epoch (0 for seeded ones); drives the optional propagation delay. */
  createdAt: number;
}

/** A seed app with its credentials filled in; resolved once so reset() keeps the same secrets and certificates. */
export interface AppCredentials {
  clientId: string;
  name: string;
  homeTenantId: string;
  multiTenant: boolean;
  redirectUris: string[];
  publicClient: boolean;
  staticDataversePermission: boolean;
  federatedCredentials: FederatedCredentialRecord[];
  clientSecret: string;
  certificatePem: string;
  privateKeyPem: string;
  thumbprintSha256: string;
}

export function resolveAppCredentials(app: SeedApp): AppCredentials {
  const generated = app.certificate ? undefined : createSelfSignedCertificate({ commonName: app.name, keyPair: keyPairFor(`app:${app.clientId.toLowerCase()}`) });
  const certificatePem = app.certificate?.certificatePem ?? generated?.certificatePem ?? '';
  let der: Buffer;
  try {
    der = new X509Certificate(certificatePem).raw;
    createPublicKey(certificatePem);
  } catch (cause) {
    throw new EmulatorConfigError('EMULATOR_SEED_INVALID', `Invalid emulator seed: apps[${app.clientId}].certificate.certificatePem is not a PEM certificate.`, { cause });
  }
  return {
    clientId: normalizeGuid(app.clientId) ?? app.clientId,
    name: app.name,
    homeTenantId: normalizeGuid(app.homeTenantId) ?? app.homeTenantId,
    multiTenant: app.multiTenant,
    redirectUris: app.redirectUris ?? [],
    publicClient: app.publicClient ?? false,
    staticDataversePermission: app.staticDataversePermission ?? false,
    federatedCredentials: (app.federatedCredentials ?? []).map((c) => ({ issuer: c.issuer ?? null, subject: c.subject, audiences: c.audiences ?? [TOKEN_EXCHANGE_AUDIENCE], createdAt: 0 })),
    clientSecret: app.secret ?? randomBytes(30).toString('base64url'),
    certificatePem,
    privateKeyPem: app.certificate?.privateKeyPem ?? generated?.privateKeyPem ?? '',
    thumbprintSha256: createHash('sha256').update(der).digest('hex'),
  };
}
