/**
 * A read-only contract of the Dataverse Web API and Entra ID calls dvpkg depends on, written from Microsoft's
 * documentation (not from the emulator). It runs against a target, a real org or the local emulator, and records
 * one observation per check; `violation` says where the answer breaks the documented contract.
 *
 * Sources (see ../shared/reference/fidelity-audit.md for the commits):
 * - challenge: SC `Auth/AuthorityResolver.cs` (keys case-insensitive, comma-separated).
 * - client credentials with `<org>/.default`: powerapps-docs `authenticate-oauth.md`; entra-docs
 *   `v2-oauth2-client-creds-grant-flow.md`.
 * - WhoAmI, RetrieveUserPrivileges (bound, no parentheses, `RolePrivileges[]`): powerapps-docs `use-web-api-functions.md`.
 * - `Consistency: Strong`: powerapps-docs `compose-http-requests-handle-errors.md`.
 * - privilege columns: powerapps-docs `reference/entities/privilege.md`; `deletedstate`: `reference/entities/systemuser.md`.
 * - RetrieveRolePrivilegesRole is unbound and takes `RoleId` (Edm.Guid): dynamics-365-customer-engagement
 *   `progref/webapireference/functions/retrieveroleprivilegesrole.md`; "Functions that aren't bound must not use
 *   the full name" (`use-web-api-functions.md`).
 * - `Depth` is the string enum Basic|Local|Deep|Global: PAS `WebAPIService/Types/PrivilegeDepth.cs`.
 * - AADSTS 7000218 / 700016: entra-docs `reference-error-codes.md`; 7000229 is observed in the field only.
 *
 * Nothing here writes to the target. From the product only `src/auth/authority.ts` (to point msal at the emulator)
 * and the emulator's public API are used.
 */
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { msalAuthorityConfig } from '../../src/auth/authority.js';
import { startEmulator } from '../../src/emulator/index.js';

export type ClientCredential = { kind: 'secret'; secret: string } | { kind: 'certificate'; privateKeyPem: string; certificatePem: string; thumbprintSha256: string };

/** Where the contract runs: a real org or the emulator. */
export interface Target {
  kind: 'org' | 'emulator';
  /** `https://<org>.crm.dynamics.com` or the emulator's org URL, without a trailing slash. */
  orgUrl: string;
  /** Tenant to sign in to: a GUID or a domain (`AZURE_TENANT_ID`). */
  tenant: string;
  /** `https://login.microsoftonline.com`, `AZURE_AUTHORITY_HOST`, or the emulator root. */
  authorityHost: string;
  clientId: string;
  credential: ClientCredential;
  close(): Promise<void>;
}

export interface Observation {
  check: string;
  /** HTTP status, or `error` when no HTTP answer was received. */
  status: number | 'error' | 'skipped';
  /** Dataverse error code (0x…), AADSTS code, or msal error code. */
  code?: string;
  /** A compact description of the answer's keys, compared between targets. */
  shape?: string;
  /** Free text (values, counts), not compared. Org URL and tenant are replaced by {org} and {tenant}. */
  note?: string;
  /** Set when the answer breaks the documented contract. */
  violation?: string;
}

export const CHECKS = [
  '1 challenge: unauthenticated GET /api/data/v9.2/ -> 401 Bearer authorization_uri, resource_id',
  '2 client-credentials token for {org}/.default',
  '3 WhoAmI -> UserId, BusinessUnitId, OrganizationId',
  '4 privileges: six canbe* columns of prvReadAccount',
  '5 systemusers(<id>): deletedstate and systemuserroles_association',
  '6a RetrieveRolePrivilegesRole(RoleId=<guid>) (unbound) -> RolePrivileges[]',
  '6b roles(<id>)/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole() (bound) is refused',
  '7 systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges with Consistency: Strong -> RolePrivileges[]',
  '8a consent probe: app without a credential -> invalid_client + AADSTS code',
  '8b consent probe: unknown client id -> 700016 or 7000229',
] as const;
export type CheckName = (typeof CHECKS)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEPTHS = ['Basic', 'Local', 'Deep', 'Global'];
const PRIVILEGE_COLUMNS = ['canbebasic', 'canbelocal', 'canbedeep', 'canbeglobal', 'canbeentityreference', 'canbeparententityreference'];

class Violation extends Error {}
/** A check that cannot run because an earlier one did not give it what it needs. */
class Skip extends Error {}

function must(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Violation(message);
}

const isGuid = (value: unknown): value is string => typeof value === 'string' && GUID.test(value);

/** Keys of a JSON object, sorted, without OData annotations. */
function keys(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.keys(value).filter((k) => !k.startsWith('@') && !k.includes('@odata.')).sort();
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length > 0 ? shapeOf(value[0]) : ''}]`;
  if (typeof value !== 'object' || value === null) return typeof value;
  return `{${keys(value).join(',')}}`;
}

/** Dataverse (`{error:{code,message}}`) or Entra (`{error, error_codes, error_description}`) error code. */
function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.error === 'object' && b.error !== null) {
    const code = (b.error as Record<string, unknown>).code;
    return typeof code === 'string' ? code : undefined;
  }
  const aadsts = aadstsCode(b);
  if (aadsts) return `AADSTS${aadsts}`;
  return typeof b.error === 'string' ? b.error : undefined;
}

function aadstsCode(body: Record<string, unknown>): string | undefined {
  if (Array.isArray(body.error_codes) && body.error_codes.length > 0) return String(body.error_codes[0]);
  const match = typeof body.error_description === 'string' ? /AADSTS(\d+)/.exec(body.error_description) : null;
  return match?.[1];
}

/** Parses `Bearer k=v, k="v"` into lower-cased keys (SC AuthorityResolver: keys are case-insensitive). */
export function parseBearerChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*(\S+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const part of (match[2] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (key) params[key] = value;
  }
  return { scheme: match[1] ?? '', params };
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function webApi(target: Target, token?: string): AxiosInstance {
  return axios.create({
    baseURL: `${target.orgUrl}/api/data/v9.2/`,
    validateStatus: () => true,
    timeout: 60_000,
    headers: {
      Accept: 'application/json',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      'If-None-Match': 'null',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
  });
}

function msalConfig(target: Target): Configuration {
  const authority = msalAuthorityConfig(target.authorityHost, target.tenant);
  const credential = target.credential;
  return {
    auth: {
      clientId: target.clientId,
      ...authority,
      ...(credential.kind === 'secret'
        ? { clientSecret: credential.secret }
        : { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKeyPem, x5c: credential.certificatePem } }),
    },
  };
}

/** What the checks learn from each other. */
interface State {
  token?: string;
  userId?: string;
  roleId?: string;
  rolePrivilegeIds?: string[];
}

type Step = (target: Target, state: State, obs: Observation) => Promise<void>;

function redact(target: Target, text: string): string {
  let out = text.split(trimSlash(target.orgUrl)).join('{org}');
  if (target.tenant) out = out.split(target.tenant).join('{tenant}');
  return out;
}

function recordHttp(obs: Observation, response: AxiosResponse<unknown>, shape?: string): void {
  obs.status = response.status;
  const code = errorCode(response.data);
  if (code !== undefined) obs.code = code;
  obs.shape = shape ?? shapeOf(response.data);
}

function needs<K extends keyof State>(state: State, key: K, check: string): NonNullable<State[K]> {
  const value = state[key];
  if (value === undefined || value === null) throw new Skip(`needs ${String(key)} from check ${check}`);
  return value as NonNullable<State[K]>;
}


function errorText(response: AxiosResponse<unknown>): string {
  const data = response.data as { error?: { message?: unknown; code?: unknown } | string; error_description?: unknown } | undefined;
  if (typeof data?.error === 'object' && data.error !== null) return `${String(data.error.code ?? '')} ${String(data.error.message ?? '')}`.trim();
  if (typeof data?.error_description === 'string') return data.error_description.split(/\r?\n/)[0] ?? '';
  return typeof response.data === 'string' ? response.data.slice(0, 200) : '';
}

function rolePrivilegesShape(body: unknown): { items: Array<Record<string, unknown>>; shape: string } {
  const list = (body as { RolePrivileges?: unknown } | undefined)?.RolePrivileges;
  const items = Array.isArray(list) ? (list as Array<Record<string, unknown>>) : [];
  const union = [...new Set(items.flatMap((i) => keys(i)))].sort();
  return { items, shape: Array.isArray(list) ? `{${keys(body).join(',')}} RolePrivileges[{${union.join(',')}}]` : shapeOf(body) };
}

/** RolePrivileges items: Depth Basic|Local|Deep|Global, PrivilegeId and BusinessUnitId GUIDs. */
function checkRolePrivileges(items: Array<Record<string, unknown>>, obs: Observation): void {
  for (const item of items) {
    must(DEPTHS.includes(String(item.Depth)), `RolePrivileges[].Depth must be one of ${DEPTHS.join('|')}, got ${JSON.stringify(item.Depth)}`);
    must(isGuid(item.PrivilegeId), `RolePrivileges[].PrivilegeId must be a GUID, got ${JSON.stringify(item.PrivilegeId)}`);
    must(isGuid(item.BusinessUnitId), `RolePrivileges[].BusinessUnitId must be a GUID, got ${JSON.stringify(item.BusinessUnitId)}`);
  }
  const named = items.filter((i) => typeof i.PrivilegeName === 'string' && i.PrivilegeName !== '').length;
  const depths = [...new Set(items.map((i) => String(i.Depth)))].sort().join('/');
  obs.note = `${items.length} privilege(s), depths ${depths || 'none'}; PrivilegeName ${named === items.length && items.length > 0 ? 'present on all' : named === 0 ? 'absent' : `present on ${named} of ${items.length}`}`;
}

async function tokenRequestWithoutCredential(target: Target, clientId: string): Promise<AxiosResponse<unknown>> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope: `${target.orgUrl}/.default` });
  return axios.post(`${trimSlash(target.authorityHost)}/${target.tenant}/oauth2/v2.0/token`, body.toString(), {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    validateStatus: () => true,
    timeout: 60_000,
  });
}

const STEPS: Record<CheckName, Step> = {
  '1 challenge: unauthenticated GET /api/data/v9.2/ -> 401 Bearer authorization_uri, resource_id': async (target, _state, obs) => {
    const response = await webApi(target).get('');
    const header = response.headers['www-authenticate'];
    const text = Array.isArray(header) ? header.join(', ') : typeof header === 'string' ? header : '';
    const challenge = text ? parseBearerChallenge(text) : undefined;
    obs.status = response.status;
    obs.shape = challenge ? `${challenge.scheme}{${Object.keys(challenge.params).sort().join(',')}}` : 'no WWW-Authenticate';
    obs.note = redact(target, text);
    must(response.status === 401, `expected 401, got ${response.status}`);
    must(challenge && challenge.scheme.toLowerCase() === 'bearer', `expected a Bearer challenge, got "${text}"`);
    const authUri = challenge.params.authorization_uri;
    const resourceId = challenge.params.resource_id;
    must(authUri, 'the challenge has no authorization_uri');
    must(resourceId, 'the challenge has no resource_id');
    let parsed: URL;
    try {
      parsed = new URL(authUri);
    } catch {
      throw new Violation(`authorization_uri is not a URL: ${authUri}`);
    }
    const segments = parsed.pathname.split('/').filter(Boolean);
    must(segments.length === 3 && segments[1] === 'oauth2' && segments[2] === 'authorize', `authorization_uri path must be /{tenant}/oauth2/authorize, got ${parsed.pathname}`);
    const tenant = segments[0] ?? '';
    if (GUID.test(target.tenant)) must(tenant.toLowerCase() === target.tenant.toLowerCase(), `authorization_uri names tenant ${tenant}, expected the org's tenant ${target.tenant}`);
    must(parsed.origin === new URL(target.authorityHost).origin, `authorization_uri host ${parsed.origin} is not the authority host ${new URL(target.authorityHost).origin}`);
    must(trimSlash(resourceId).toLowerCase() === trimSlash(target.orgUrl).toLowerCase(), `resource_id ${resourceId} is not the org URL ${target.orgUrl}/`);
  },

  '2 client-credentials token for {org}/.default': async (target, state, obs) => {
    const client = new ConfidentialClientApplication(msalConfig(target));
    try {
      const result = await client.acquireTokenByClientCredential({ scopes: [`${target.orgUrl}/.default`] });
      must(result?.accessToken, 'msal returned no access token');
      state.token = result.accessToken;
      obs.status = 200;
      obs.shape = `tokenType=${result.tokenType}`;
      let aud = '';
      try {
        const claims = JSON.parse(Buffer.from(result.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
        aud = String(claims.aud ?? '');
      } catch {
        aud = '(not a JWT)';
      }
      obs.note = redact(target, `aud=${aud}`);
      must(result.tokenType.toLowerCase() === 'bearer', `expected a Bearer token, got ${result.tokenType}`);
    } catch (error) {
      if (error instanceof Violation) throw error;
      const e = error as { errorCode?: string; errorMessage?: string; message?: string; status?: number };
      obs.status = typeof e.status === 'number' ? e.status : 'error';
      const aadsts = /AADSTS(\d+)/.exec(e.errorMessage ?? e.message ?? '')?.[1];
      obs.code = aadsts ? `AADSTS${aadsts}` : e.errorCode ?? 'unknown';
      obs.note = redact(target, (e.errorMessage ?? e.message ?? '').split(/\r?\n/)[0] ?? '');
      throw new Violation(`client credentials failed: ${obs.code} ${obs.note}`);
    }
  },

  '3 WhoAmI -> UserId, BusinessUnitId, OrganizationId': async (target, state, obs) => {
    const response = await webApi(target, needs(state, 'token', '2')).get('WhoAmI');
    recordHttp(obs, response);
    must(response.status === 200, `expected 200, got ${response.status} ${errorText(response)}`);
    const body = response.data as Record<string, unknown>;
    for (const key of ['UserId', 'BusinessUnitId', 'OrganizationId']) must(isGuid(body[key]), `${key} must be a GUID, got ${JSON.stringify(body[key])}`);
    state.userId = String(body.UserId).toLowerCase();
  },

  '4 privileges: six canbe* columns of prvReadAccount': async (target, state, obs) => {
    const response = await webApi(target, needs(state, 'token', '2')).get('privileges', {
      params: { $select: `name,privilegeid,${PRIVILEGE_COLUMNS.join(',')}`, $filter: "name eq 'prvReadAccount'" },
    });
    const value = (response.data as { value?: unknown } | undefined)?.value;
    recordHttp(obs, response, Array.isArray(value) ? `value${shapeOf(value)}` : undefined);
    must(response.status === 200, `expected 200, got ${response.status} ${errorText(response)}`);
    must(Array.isArray(value) && value.length === 1, `expected exactly one privilege named prvReadAccount, got ${Array.isArray(value) ? value.length : 'no value array'}`);
    const row = value[0] as Record<string, unknown>;
    must(row.name === 'prvReadAccount', `name must be prvReadAccount, got ${JSON.stringify(row.name)}`);
    must(isGuid(row.privilegeid), `privilegeid must be a GUID, got ${JSON.stringify(row.privilegeid)}`);
    for (const column of PRIVILEGE_COLUMNS) must(typeof row[column] === 'boolean', `${column} must be a Boolean, got ${JSON.stringify(row[column])}`);
    obs.note = PRIVILEGE_COLUMNS.map((c) => `${c.replace('canbe', '')}=${String(row[c])}`).join(' ');
  },

  '5 systemusers(<id>): deletedstate and systemuserroles_association': async (target, state, obs) => {
    const userId = needs(state, 'userId', '3');
    const response = await webApi(target, needs(state, 'token', '2')).get(`systemusers(${userId})`, {
      params: { $select: 'systemuserid,deletedstate', $expand: 'systemuserroles_association($select=roleid,name,_businessunitid_value,_parentrootroleid_value)' },
    });
    const body = response.data as Record<string, unknown> | undefined;
    const roles = body?.systemuserroles_association;
    recordHttp(obs, response, response.status === 200 ? `{${keys(body).join(',')}} roles${shapeOf(roles)}` : undefined);
    if (response.status !== 200) {
      // Diagnosis only: find out whether the column or the expand is refused, and keep checks 6a/6b running.
      const fallback = await webApi(target, needs(state, 'token', '2')).get(`systemusers(${userId})`, {
        params: { $select: 'systemuserid', $expand: 'systemuserroles_association($select=roleid,_parentrootroleid_value)' },
      });
      const fallbackRoles = (fallback.data as { systemuserroles_association?: Array<Record<string, string>> } | undefined)?.systemuserroles_association;
      const root = fallbackRoles?.find((r) => r.roleid?.toLowerCase() === r._parentrootroleid_value?.toLowerCase()) ?? fallbackRoles?.[0];
      if (fallback.status === 200 && root) state.roleId = String(root._parentrootroleid_value ?? root.roleid).toLowerCase();
      obs.note = `without deletedstate and name/_businessunitid_value the same lookup answers ${fallback.status}${state.roleId ? ' (role id taken from it for 6a/6b)' : ''}`;
    }
    must(response.status === 200, `expected 200, got ${response.status} ${errorText(response)}`);
    must(body && String(body.systemuserid).toLowerCase() === userId, `systemuserid must be the WhoAmI UserId ${userId}, got ${JSON.stringify(body?.systemuserid)}`);
    must(body.deletedstate === 0, `deletedstate must be 0 (Not deleted) for the signed-in app user, got ${JSON.stringify(body.deletedstate)}`);
    must(Array.isArray(roles), 'systemuserroles_association must be an array');
    must(roles.length > 0, 'the app user holds no role: give it a role that can read roles, privileges and users');
    for (const r of roles as Array<Record<string, unknown>>) {
      must(isGuid(r.roleid), `roleid must be a GUID, got ${JSON.stringify(r.roleid)}`);
      must(typeof r.name === 'string', `name must be a string, got ${JSON.stringify(r.name)}`);
      must(isGuid(r._businessunitid_value), `_businessunitid_value must be a GUID, got ${JSON.stringify(r._businessunitid_value)}`);
      must(isGuid(r._parentrootroleid_value), `_parentrootroleid_value must be a GUID, got ${JSON.stringify(r._parentrootroleid_value)}`);
    }
    const list = roles as Array<Record<string, string>>;
    // The root copy carries the privileges (wire notes §6); the user's copy points at it.
    const root = list.find((r) => r.roleid?.toLowerCase() === r._parentrootroleid_value?.toLowerCase()) ?? list[0];
    state.roleId = String(root?._parentrootroleid_value ?? root?.roleid).toLowerCase();
    obs.note = `${list.length} role(s); ${list.filter((r) => r.roleid?.toLowerCase() === r._parentrootroleid_value?.toLowerCase()).length} root copy(ies)`;
  },

  '6a RetrieveRolePrivilegesRole(RoleId=<guid>) (unbound) -> RolePrivileges[]': async (target, state, obs) => {
    const roleId = needs(state, 'roleId', '5');
    const response = await webApi(target, needs(state, 'token', '2')).get(`RetrieveRolePrivilegesRole(RoleId=${roleId})`);
    const { items, shape } = rolePrivilegesShape(response.data);
    recordHttp(obs, response, response.status === 200 ? shape : undefined);
    must(response.status === 200, `expected 200, got ${response.status} ${errorText(response)}`);
    must(Array.isArray((response.data as { RolePrivileges?: unknown }).RolePrivileges), 'RolePrivileges must be an array');
    checkRolePrivileges(items, obs);
    must(items.length > 0, "the app user's role holds no privileges");
    state.rolePrivilegeIds = items.map((i) => String(i.PrivilegeId).toLowerCase());
  },

  '6b roles(<id>)/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole() (bound) is refused': async (target, state, obs) => {
    const roleId = needs(state, 'roleId', '5');
    const response = await webApi(target, needs(state, 'token', '2')).get(`roles(${roleId})/Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRole()`);
    recordHttp(obs, response);
    obs.note = redact(target, errorText(response)).slice(0, 160);
    must(response.status < 200 || response.status >= 300, `the function is not bound to role, but the bound form answered ${response.status}`);
  },

  '7 systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges with Consistency: Strong -> RolePrivileges[]': async (target, state, obs) => {
    const userId = needs(state, 'userId', '3');
    const response = await webApi(target, needs(state, 'token', '2')).get(`systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`, {
      headers: { Consistency: 'Strong' },
    });
    const { items, shape } = rolePrivilegesShape(response.data);
    recordHttp(obs, response, response.status === 200 ? shape : undefined);
    must(response.status === 200, `expected 200, got ${response.status} ${errorText(response)}`);
    must(Array.isArray((response.data as { RolePrivileges?: unknown }).RolePrivileges), 'RolePrivileges must be an array');
    checkRolePrivileges(items, obs);
    must(items.length > 0, 'the app user holds no privileges');
    // "Retrieves the privileges a system user (user) has through their roles": the role's privileges are among them.
    if (state.rolePrivilegeIds) {
      const held = new Set(items.map((i) => String(i.PrivilegeId).toLowerCase()));
      const missing = state.rolePrivilegeIds.filter((id) => !held.has(id));
      must(missing.length === 0, `${missing.length} privilege(s) of the user's role (check 6a) are missing, e.g. ${missing[0] ?? ''}`);
    }
  },

  '8a consent probe: app without a credential -> invalid_client + AADSTS code': async (target, _state, obs) => {
    const response = await tokenRequestWithoutCredential(target, target.clientId);
    const body = (response.data ?? {}) as Record<string, unknown>;
    const code = aadstsCode(body);
    obs.status = response.status;
    obs.code = code ? `AADSTS${code}` : String(body.error ?? '');
    obs.shape = `error=${String(body.error)}`;
    obs.note = code === '7000218' ? 'app present in the tenant (7000218)' : code === '7000229' || code === '700016' ? `app reported absent (${code})` : redact(target, errorText(response)).slice(0, 160);
    must(response.status === 400 || response.status === 401, `expected 400 or 401, got ${response.status}`);
    must(body.error === 'invalid_client' || (code === '700016' && body.error === 'unauthorized_client'), `expected error invalid_client, got ${JSON.stringify(body.error)}`);
    must(code === '7000218' || code === '7000229' || code === '700016', `expected AADSTS7000218 (present) or 7000229/700016 (absent), got ${code ?? 'no AADSTS code'}`);
  },

  '8b consent probe: unknown client id -> 700016 or 7000229': async (target, _state, obs) => {
    const response = await tokenRequestWithoutCredential(target, randomUUID());
    const body = (response.data ?? {}) as Record<string, unknown>;
    const code = aadstsCode(body);
    obs.status = response.status;
    obs.code = code ? `AADSTS${code}` : String(body.error ?? '');
    obs.shape = `error=${String(body.error)}`;
    obs.note = redact(target, errorText(response)).replace(GUID_ANYWHERE, '{guid}').slice(0, 160);
    must(response.status === 400 || response.status === 401, `expected 400 or 401, got ${response.status}`);
    must(body.error === 'invalid_client' || body.error === 'unauthorized_client', `expected invalid_client or unauthorized_client, got ${JSON.stringify(body.error)}`);
    must(code === '700016' || code === '7000229', `expected AADSTS700016 or 7000229 for an unknown app, got ${code ?? 'no AADSTS code'}`);
  },
};

const GUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Runs every check in order against one target; never throws for a contract break, records it. */
export async function runContract(target: Target): Promise<Observation[]> {
  const state: State = {};
  const observations: Observation[] = [];
  for (const check of CHECKS) {
    const obs: Observation = { check, status: 'error' };
    try {
      await STEPS[check](target, state, obs);
    } catch (error) {
      if (error instanceof Skip) {
        obs.status = 'skipped';
        obs.violation = `skipped: ${error.message}`;
      } else if (error instanceof Violation) {
        obs.violation = error.message;
      } else {
        obs.violation = `request failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (obs.note) obs.note = redact(target, obs.note);
    observations.push(obs);
  }
  return observations;
}

// ---------------------------------------------------------------------------------------------- targets

/** The org named by DVPKG_LIVE_ORG_URL, signed in with the Azure SDK environment variables. */
export function liveTargetFromEnv(env: NodeJS.ProcessEnv = process.env): Target | undefined {
  const org = env.DVPKG_LIVE_ORG_URL?.trim();
  if (!org) return undefined;
  const missing = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID'].filter((name) => !env[name]?.trim());
  if (!env.AZURE_CLIENT_SECRET && !env.AZURE_CLIENT_CERTIFICATE_PATH) missing.push('AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH');
  if (missing.length > 0) throw new Error(`DVPKG_LIVE_ORG_URL is set, so the live contract needs ${missing.join(', ')}.`);
  const orgUrl = new URL(org);
  // http only on loopback: a dry run of the live mode against a `dvpkg emulator` process.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(orgUrl.hostname);
  if (orgUrl.protocol !== 'https:' && !(orgUrl.protocol === 'http:' && loopback)) throw new Error(`DVPKG_LIVE_ORG_URL must be an https:// org URL, got ${org}`);
  const credential: ClientCredential = env.AZURE_CLIENT_SECRET
    ? { kind: 'secret', secret: env.AZURE_CLIENT_SECRET }
    : certificateCredential(env.AZURE_CLIENT_CERTIFICATE_PATH ?? '', env.AZURE_CLIENT_CERTIFICATE_PASSWORD);
  return {
    kind: 'org',
    orgUrl: trimSlash(`${orgUrl.origin}${orgUrl.pathname.replace(/\/api\/data(\/v[\d.]+)?\/?$/i, '')}`),
    tenant: (env.AZURE_TENANT_ID ?? '').trim(),
    authorityHost: trimSlash(env.AZURE_AUTHORITY_HOST?.trim() || 'https://login.microsoftonline.com'),
    clientId: (env.AZURE_CLIENT_ID ?? '').trim(),
    credential,
    close: async () => {},
  };
}

/** A PEM holding the private key and the certificate, as AZURE_CLIENT_CERTIFICATE_PATH does for the Azure SDK. */
export function certificateCredential(path: string, password?: string): ClientCredential {
  const pem = readFileSync(path, 'utf8');
  const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const keyPem = /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!certificatePem || !keyPem) throw new Error(`${path} must hold both a PRIVATE KEY and a CERTIFICATE block (PEM).`);
  const privateKeyPem = createPrivateKey(password ? { key: keyPem, passphrase: password } : keyPem).export({ format: 'pem', type: 'pkcs8' }).toString();
  const thumbprintSha256 = new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
  return { kind: 'certificate', privateKeyPem, certificatePem, thumbprintSha256 };
}

// ---------------------------------------------------------------------------------------------- comparison

const compared = (o: Observation) => [String(o.status), o.code ?? '', o.shape ?? ''].join(' | ');

export interface Disagreement {
  check: string;
  org: Observation;
  emulator: Observation;
}

/** Checks where status, error code or shape differ between the org and the emulator. */
export function disagreements(org: Observation[], emulator: Observation[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (const o of org) {
    const e = emulator.find((x) => x.check === o.check) ?? { check: o.check, status: 'skipped' as const, note: 'not run' };
    if (compared(o) !== compared(e)) out.push({ check: o.check, org: o, emulator: e });
  }
  return out;
}

function answerText(o: Observation): string {
  const parts = [`${o.status}`, o.code, o.shape].filter((p) => p !== undefined && p !== '');
  return parts.join(' ') + (o.violation ? `  [breaks contract: ${o.violation}]` : '');
}

function table(headers: string[], rows: string[][]): string {
  const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 99)}…` : text).replace(/\|/g, '\\|');
  rows = rows.map((r) => r.map(clip));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Markdown table of the disagreements (check, what the org answered, what the emulator answered). */
export function disagreementTable(list: Disagreement[]): string {
  if (list.length === 0) return 'The emulator and the org agree on every check (status, error code and shape).';
  return table(['check', 'org answered', 'emulator answered'], list.map((d) => [d.check, answerText(d.org), answerText(d.emulator)]));
}

/** Markdown table of one target's observations. */
export function observationTable(list: Observation[]): string {
  return table(['check', 'status', 'code', 'shape', 'note', 'contract'], list.map((o) => [o.check, String(o.status), o.code ?? '', o.shape ?? '', o.note ?? '', o.violation ? `BROKEN: ${o.violation}` : 'ok']));
}

// ---------------------------------------------------------------------------------------------- emulator

/** Read privileges the contract's calls need; the same set README asks an ISV to give the live app user. */
export const READER_PRIVILEGES = ['prvReadRole', 'prvReadUser', 'prvReadBusinessUnit'] as const;

/**
 * The in-process emulator, set up as the live org must be: an app registered in the ISV tenant, consented in
 * the subscriber tenant, with an application user holding a role with the read privileges. Setup goes through
 * the emulator's control API only (loopback).
 */
export async function emulatorTarget(): Promise<Target> {
  const clientId = randomUUID();
  const emulator = await startEmulator({ apps: [{ clientId, name: 'dvpkg live contract' }] });
  try {
    const app = emulator.apps.find((a) => a.clientId.toLowerCase() === clientId);
    const org = emulator.orgs[0];
    if (!app || !org) throw new Error('the emulator started without the contract app or an org');
    const control = axios.create({ baseURL: `${emulator.controlUrl}/`, validateStatus: () => true });
    const expect = (response: AxiosResponse<unknown>, what: string) => {
      if (response.status >= 300) throw new Error(`emulator setup: ${what} answered ${response.status} ${JSON.stringify(response.data)}`);
      return response.data as Record<string, unknown>;
    };
    expect(await control.post('consent', { tenantId: emulator.tenantId, clientId }), 'POST /consent');
    const role = expect(
      await control.post(`orgs/${org.name}/roles`, { name: 'dvpkg live contract reader', privileges: READER_PRIVILEGES.map((name) => ({ name, level: 'Global' })) }),
      'POST /roles',
    );
    expect(await control.post(`orgs/${org.name}/systemusers`, { applicationId: clientId, roles: [role.roleid] }), 'POST /systemusers');
    return {
      kind: 'emulator',
      orgUrl: trimSlash(org.url),
      tenant: org.tenantId,
      authorityHost: emulator.authorityHost,
      clientId,
      credential: { kind: 'secret', secret: app.clientSecret },
      close: () => emulator.close(),
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
