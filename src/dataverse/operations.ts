import type { Level } from '../spec/model.js';
import { odataString, type DataverseClient } from './client.js';
import type { ComponentParameter } from './settings.js';

/** Typed Web API calls dvpkg makes; each is one request, named after what it asks. */

export interface InstalledSolution {
  solutionid: string;
  uniquename: string;
  version: string;
  ismanaged: boolean;
}

export interface RoleRow {
  roleid: string;
  name: string;
  _businessunitid_value: string;
  _parentrootroleid_value?: string | null;
}

export interface AppUserRow {
  systemuserid: string;
  applicationid: string;
  isdisabled: boolean;
  /** 0 not deleted, 1 soft deleted: a deleted user stays queryable until it is purged (systemuser.md, DeletedState). */
  deletedstate?: number;
  fullname?: string;
  _businessunitid_value: string;
  systemuserroles_association?: Array<{ roleid: string; name: string; _parentrootroleid_value?: string | null }>;
}

export interface PrivilegeRow {
  name: string;
  privilegeid: string;
  canbebasic: boolean;
  canbelocal: boolean;
  canbedeep: boolean;
  canbeglobal: boolean;
}

export interface RolePrivilegeGrant {
  PrivilegeName: string;
  Depth: Level;
  PrivilegeId?: string;
  BusinessUnitId?: string;
}

interface Collection<T> {
  value: T[];
}

export async function whoAmI(client: DataverseClient): Promise<{ UserId: string; BusinessUnitId: string; OrganizationId: string }> {
  return client.get('WhoAmI');
}

/** The solution and, in the same request, a staged upgrade of it (`<name>_Upgrade`, a holding solution). */
export async function findSolutionAndHolding(client: DataverseClient, uniqueName: string): Promise<{ installed?: InstalledSolution; holding?: InstalledSolution }> {
  const holdingName = `${uniqueName}_Upgrade`;
  const result = await client.get<Collection<InstalledSolution>>(
    `solutions?$select=solutionid,uniquename,version,ismanaged&$filter=uniquename eq ${odataString(uniqueName)} or uniquename eq ${odataString(holdingName)}`,
  );
  const installed = result.value.find((s) => s.uniquename.toLowerCase() === uniqueName.toLowerCase());
  const holding = result.value.find((s) => s.uniquename.toLowerCase() === holdingName.toLowerCase());
  return { ...(installed ? { installed } : {}), ...(holding ? { holding } : {}) };
}

/**
 * Applies a staged upgrade: deletes the base solution and renames the holding solution to it. The
 * async form (learn.microsoft.com …/webapi/reference/deleteandpromoteasync) is polled like an import;
 * the synchronous one can outlast a request timeout on a large solution.
 */
export async function deleteAndPromoteAsync(client: DataverseClient, uniqueName: string): Promise<{ AsyncOperationId: string }> {
  return client.post('DeleteAndPromoteAsync', { UniqueName: uniqueName }, { neverRepeat: true });
}

/**
 * Installed solutions by unique name (case-insensitive, as Dataverse compares them), with each one's
 * staged upgrade (`<name>_Upgrade`) when `withHolding` names it; in chunks that keep URLs short.
 */
export async function findSolutionsByName(client: DataverseClient, names: string[]): Promise<InstalledSolution[]> {
  const rows: InstalledSolution[] = [];
  for (let i = 0; i < names.length; i += 40) {
    const filter = names.slice(i, i + 40).map((name) => `uniquename eq ${odataString(name)}`).join(' or ');
    rows.push(...(await client.get<Collection<InstalledSolution>>(`solutions?$select=solutionid,uniquename,version,ismanaged&$filter=${filter}`)).value);
  }
  return rows;
}

export async function findSolution(client: DataverseClient, uniqueName: string): Promise<InstalledSolution | undefined> {
  const result = await client.get<Collection<InstalledSolution>>(
    `solutions?$select=solutionid,uniquename,version,ismanaged&$filter=uniquename eq ${odataString(uniqueName)}`,
  );
  return result.value[0];
}

/** Root-BU copies of the roles: by solution GUID (kept in the root BU) or, as a fallback, by name. */
export async function findRoles(client: DataverseClient, ids: string[], names: string[]): Promise<RoleRow[]> {
  const match = [...ids.map((id) => `roleid eq ${id}`), ...names.map((name) => `name eq ${odataString(name)}`)].join(' or ');
  const result = await client.get<Collection<RoleRow>>(`roles?$select=roleid,name,_businessunitid_value,_parentrootroleid_value&$filter=${match}`);
  return result.value;
}

/** The roles of one business unit: a role exists once per business unit, and its root copy is the one to read. */
export async function rolesInBusinessUnit(client: DataverseClient, businessUnitId: string): Promise<RoleRow[]> {
  const result = await client.get<Collection<RoleRow>>(`roles?$select=roleid,name,_businessunitid_value,_parentrootroleid_value&$filter=_businessunitid_value eq ${businessUnitId}`);
  return result.value;
}

export async function rootBusinessUnit(client: DataverseClient): Promise<{ businessunitid: string; name: string }> {
  const result = await client.get<Collection<{ businessunitid: string; name: string }>>('businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null');
  const root = result.value[0];
  if (!root) throw new Error('the org has no root business unit');
  return root;
}

const USER_COLUMNS = 'systemuserid,applicationid,isdisabled,deletedstate,fullname,_businessunitid_value';
const USER_ROLES = 'systemuserroles_association($select=roleid,name,_parentrootroleid_value)';

/** Every systemuser row for the app, soft-deleted ones included: the caller tells them apart by `deletedstate`. */
export async function findAppUsers(client: DataverseClient, applicationId: string): Promise<AppUserRow[]> {
  const result = await client.get<Collection<AppUserRow>>(`systemusers?$select=${USER_COLUMNS}&$filter=applicationid eq ${applicationId}&$expand=${USER_ROLES}`);
  return result.value;
}

/**
 * Returns the new user's id, from the OData-EntityId header. The body is the one Microsoft's own
 * provider sends (terraform-provider-power-platform, api_application.go CreateScopedApplicationUser):
 * a non-interactive application user, `accessmode` 4.
 */
export async function createAppUser(client: DataverseClient, applicationId: string, businessUnitId: string): Promise<string | undefined> {
  const entityId = await client.create('systemusers', {
    applicationid: applicationId,
    accessmode: 4,
    isdisabled: false,
    'businessunitid@odata.bind': `/businessunits(${businessUnitId})`,
  });
  return entityId ? /\(([0-9a-fA-F-]{36})\)\s*$/.exec(entityId)?.[1]?.toLowerCase() : undefined;
}

export async function associateRole(client: DataverseClient, userId: string, roleId: string): Promise<void> {
  await client.post(`systemusers(${userId})/systemuserroles_association/$ref`, { '@odata.id': client.entityUrl(`roles(${roleId})`) });
}

export function privilegesByName(client: DataverseClient, names: string[]): Promise<PrivilegeRow[]> {
  return privilegesWhere(client, names.map((name) => `name eq ${odataString(name)}`));
}

export function privilegesById(client: DataverseClient, ids: string[]): Promise<PrivilegeRow[]> {
  return privilegesWhere(client, ids.map((id) => `privilegeid eq ${id}`));
}

async function privilegesWhere(client: DataverseClient, conditions: string[]): Promise<PrivilegeRow[]> {
  const rows: PrivilegeRow[] = [];
  // Chunks keep each URL far below the 32 KB limit whatever the names are.
  for (let i = 0; i < conditions.length; i += 40) {
    const result = await client.get<Collection<PrivilegeRow>>(`privileges?$select=name,privilegeid,canbebasic,canbelocal,canbedeep,canbeglobal&$filter=${conditions.slice(i, i + 40).join(' or ')}`);
    rows.push(...result.value);
  }
  return rows;
}

export async function userPrivileges(client: DataverseClient, userId: string, strong = false): Promise<RolePrivilegeGrant[]> {
  const result = await client.get<{ RolePrivileges: RolePrivilegeGrant[] }>(
    `systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`,
    strong ? { headers: { Consistency: 'Strong' } } : {},
  );
  return result.RolePrivileges;
}

/** Unbound, with the role as a parameter (…/webapi/reference/retrieveroleprivilegesrole: "not bound to any entity types"). */
export async function rolePrivileges(client: DataverseClient, roleId: string): Promise<RolePrivilegeGrant[]> {
  const result = await client.get<{ RolePrivileges: RolePrivilegeGrant[] }>(`RetrieveRolePrivilegesRole(RoleId=${roleId})`);
  return result.RolePrivileges;
}

export interface ImportStarted {
  AsyncOperationId: string;
  ImportJobKey: string;
}

/** `parameters`: values for the solution's environment variables and connection references, set by the import itself. */
export async function importSolutionAsync(client: DataverseClient, zip: Buffer, overwriteUnmanaged: boolean, parameters: readonly ComponentParameter[] = []): Promise<ImportStarted> {
  return client.post('ImportSolutionAsync', importBody(zip, overwriteUnmanaged, parameters), { neverRepeat: true });
}

export async function stageAndUpgradeAsync(client: DataverseClient, zip: Buffer, overwriteUnmanaged: boolean, parameters: readonly ComponentParameter[] = []): Promise<ImportStarted> {
  return client.post('StageAndUpgradeAsync', importBody(zip, overwriteUnmanaged, parameters), { neverRepeat: true });
}

// A multiple of 3 bytes; small enough that each chunk's base64 string is collected young instead of
// piling up off-heap until a full GC (3 MB chunks added ~50 MB to the peak of a 90 MB upload).
const BASE64_CHUNK = 3 * 64 * 1024;

/**
 * The JSON body of an import, written straight into one buffer: a solution can be 95 MB, and its
 * base64 as a string, then as JSON text, then as bytes would hold four copies at once.
 */
export function importBody(zip: Buffer, overwriteUnmanaged: boolean, parameters: readonly ComponentParameter[] = []): Buffer {
  const head = Buffer.from('{"CustomizationFile":"');
  const extra = parameters.length > 0 ? `,"ComponentParameters":${JSON.stringify(parameters)}` : '';
  const tail = Buffer.from(`","OverwriteUnmanagedCustomizations":${overwriteUnmanaged},"PublishWorkflows":true${extra}}`);
  const body = Buffer.allocUnsafe(head.length + Math.ceil(zip.length / 3) * 4 + tail.length);
  let at = head.copy(body, 0);
  // Chunks of a multiple of 3 bytes encode without padding, so their base64 joins up.
  for (let i = 0; i < zip.length; i += BASE64_CHUNK) at += body.write(zip.subarray(i, i + BASE64_CHUNK).toString('base64'), at, 'latin1');
  tail.copy(body, at);
  return body;
}

export interface AsyncOperationRow {
  statecode: number;
  statuscode: number;
  message?: string | null;
  friendlymessage?: string | null;
}

export async function asyncOperation(client: DataverseClient, id: string): Promise<AsyncOperationRow> {
  return client.get(`asyncoperations(${id})?$select=statecode,statuscode,message,friendlymessage`);
}

export interface ImportJobRow {
  progress: number;
  data?: string | null;
}

/** Import jobs the org has not finished, of any solution: Dataverse runs one import at a time. */
export async function unfinishedImportJobs(client: DataverseClient): Promise<Array<{ importjobid: string; solutionname: string | null }>> {
  const result = await client.get<Collection<{ importjobid: string; solutionname: string | null }>>('importjobs?$select=importjobid,solutionname&$filter=completedon eq null');
  return result.value;
}

export async function importJob(client: DataverseClient, id: string): Promise<ImportJobRow> {
  return client.get(`importjobs(${id})?$select=progress,data`);
}

/** `strong` bypasses Dataverse's permission caches, for reading roles right after they changed. */
export async function findAppUserById(client: DataverseClient, userId: string, strong = false): Promise<AppUserRow | undefined> {
  try {
    return await client.get<AppUserRow>(
      `systemusers(${userId})?$select=${USER_COLUMNS}&$expand=${USER_ROLES}`,
      strong ? { headers: { Consistency: 'Strong' } } : {},
    );
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/**
 * The privileges a user holds through its teams at their real depth (RetrieveUserPrivileges gives
 * those at Basic only). Bound to systemuser, with two non-nullable parameters
 * (learn.microsoft.com …/webapi/reference/retrieveusersprivilegesthroughteams).
 */
export async function userPrivilegesThroughTeams(client: DataverseClient, userId: string): Promise<RolePrivilegeGrant[]> {
  const result = await client.get<{ RolePrivileges: RolePrivilegeGrant[] }>(
    `systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUsersPrivilegesThroughTeams(ExcludeOrgDisabledPrivileges=false,IncludeSetupUserFiltering=false)`,
    { headers: { Consistency: 'Strong' } },
  );
  return result.RolePrivileges;
}

/**
 * Removes a user; an inactive application user is soft-deleted first and purged by a second DELETE, so a
 * DELETE whose answer was lost is never sent again blindly: the caller reads the user to know.
 */
export async function deleteSystemUser(client: DataverseClient, userId: string): Promise<void> {
  await client.delete(`systemusers(${userId})`, { neverRepeat: true });
}

/** Takes a role from a user: the single-valued `$ref` of the N:N link (webapi associate-disassociate-entities). */
export async function disassociateRole(client: DataverseClient, userId: string, roleId: string): Promise<void> {
  await client.delete(`systemusers(${userId})/systemuserroles_association(${roleId})/$ref`);
}

export async function disableUser(client: DataverseClient, userId: string): Promise<void> {
  await client.patch(`systemusers(${userId})`, { isdisabled: true });
}

/** `UninstallSolutionAsync` (webapi reference uninstallsolutionasync): the removal runs as an async operation. */
export async function uninstallSolutionAsync(client: DataverseClient, uniqueName: string): Promise<{ AsyncOperationId: string }> {
  return client.post<{ AsyncOperationId: string }>('UninstallSolutionAsync', { SolutionUniqueName: uniqueName }, { neverRepeat: true });
}

export interface DependencyRow {
  dependentcomponentbasesolutionid: string | null;
  dependentcomponenttype: number | null;
  requiredcomponentbasesolutionid: string | null;
}

/** The components of other solutions that need this one (webapi reference retrievedependenciesforuninstall). */
export async function dependenciesForUninstall(client: DataverseClient, uniqueName: string): Promise<DependencyRow[]> {
  const result = await client.get<Collection<DependencyRow>>(`RetrieveDependenciesForUninstall(SolutionUniqueName=${encodeURIComponent(odataString(uniqueName))})`);
  return result.value;
}

export async function solutionsById(client: DataverseClient, ids: string[]): Promise<Array<{ solutionid: string; uniquename: string; friendlyname: string }>> {
  if (ids.length === 0) return [];
  const filter = ids.map((id) => `solutionid eq ${id}`).join(' or ');
  return (await client.get<Collection<{ solutionid: string; uniquename: string; friendlyname: string }>>(`solutions?$select=solutionid,uniquename,friendlyname&$filter=${filter}`)).value;
}
