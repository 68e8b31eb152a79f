/** WhoAmI, the privilege functions and RetrieveSolutionImportResult (wire ref §3, §6; sources per function). */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import type { OrgState, RoleRow, SystemUserRow } from '../state.js';
import type { Caller } from './auth.js';
import { ENTITY_SETS, findRow, odataReply, parseKey } from './entity-sets.js';
import { invalidArgument } from '../wire-errors.js';
import { reportedUserPrivileges, requirePrivilege, rolePrivileges, teamPrivileges, type HeldPrivilege } from './security.js';

function context(ctx: EmulatorContext, org: OrgState, type: string): string {
  return `${webApiBase(ctx, org.name)}$metadata#Microsoft.Dynamics.CRM.${type}`;
}

export function whoAmI(ctx: EmulatorContext, _req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  return odataReply(200, {
    '@odata.context': context(ctx, org, 'WhoAmIResponse'),
    BusinessUnitId: caller.user._businessunitid_value,
    UserId: caller.user.systemuserid,
    OrganizationId: org.organizationId,
  });
}

function rolePrivilegeList(privileges: Iterable<HeldPrivilege>, businessUnitId?: string) {
  return [...privileges]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => ({ Depth: p.depth, PrivilegeId: p.privilegeid, BusinessUnitId: businessUnitId ?? p.businessUnitId, PrivilegeName: p.name }));
}

/** Bound to systemuser; team-held privileges only at Basic (Remarks of …/webapi/reference/retrieveuserprivileges). */
export function retrieveUserPrivileges(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadUser', 'systemuser');
  const target = findRow(org, ENTITY_SETS.systemusers, parseKey(req.params.id, 'systemuser')) as SystemUserRow;
  return odataReply(200, {
    '@odata.context': context(ctx, org, 'RetrieveUserPrivilegesResponse'),
    RolePrivileges: rolePrivilegeList(reportedUserPrivileges(org, target.systemuserid).values(), target._businessunitid_value),
  });
}

/**
 * Bound to systemuser, with two non-nullable Edm.Boolean parameters ExcludeOrgDisabledPrivileges and
 * IncludeSetupUserFiltering; answers RolePrivileges held through teams at their real depth
 * (…/webapi/reference/retrieveusersprivilegesthroughteams). Both parameters are required (inferred from
 * "Nullable False"); the emulator has no disabled privileges or licence filtering, so their values change nothing.
 */
export function retrieveUsersPrivilegesThroughTeams(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadUser', 'systemuser');
  const args = functionArguments(req, req.params.args ?? '');
  for (const name of ['ExcludeOrgDisabledPrivileges', 'IncludeSetupUserFiltering']) {
    if (args.get(name) !== 'true' && args.get(name) !== 'false') throw invalidArgument(`The function parameter '${name}' (Edm.Boolean, not nullable) is required.`);
  }
  const target = findRow(org, ENTITY_SETS.systemusers, parseKey(req.params.id, 'systemuser')) as SystemUserRow;
  return odataReply(200, {
    '@odata.context': context(ctx, org, 'RetrieveUsersPrivilegesThroughTeamsResponse'),
    RolePrivileges: rolePrivilegeList(teamPrivileges(org, target.systemuserid).values()),
  });
}

/**
 * Function parameters `Name=value,…`; a value `@alias` is read from the query string, as OData parameter
 * aliases work (use-web-api-functions.md, "Pass parameters to a function").
 */
export function functionArguments(req: EmulatorRequest, text: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw invalidArgument(`Function parameters are Name=value pairs, got '${part}'.`);
    const written = part.slice(eq + 1).trim();
    // A string is quoted the same way inline and as an alias value (`?@p='name'`).
    const value = written.startsWith('@') ? req.url.searchParams.get(written) ?? '' : written;
    args.set(part.slice(0, eq).trim(), value.replace(/^'(.*)'$/, '$1'));
  }
  return args;
}

/**
 * Unbound, `RoleId` Edm.Guid (MicrosoftDocs/dynamics-365-customer-engagement progref/webapireference/functions/
 * retrieveroleprivilegesrole.md: "not bound to any entity types"). `RetrieveRolePrivilegesRole(RoleId=<guid>)`
 * or `RetrieveRolePrivilegesRole(RoleId=@p)?@p=<guid>`.
 */
export function retrieveRolePrivilegesRole(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadRole', 'role');
  const roleId = functionArguments(req, req.params.args ?? '').get('RoleId');
  if (roleId === undefined || roleId === '') throw invalidArgument("The function parameter 'RoleId' (Edm.Guid) is required.");
  const role = findRow(org, ENTITY_SETS.roles, parseKey(roleId, 'role')) as RoleRow;
  const privileges = rolePrivileges(org, role.roleid).sort((a, b) => a.name.localeCompare(b.name));
  return odataReply(200, {
    '@odata.context': context(ctx, org, 'RetrieveRolePrivilegesRoleResponse'),
    RolePrivileges: privileges.map((p) => ({ Depth: p.depth, PrivilegeId: p.privilegeid, BusinessUnitId: role._businessunitid_value, PrivilegeName: p.name })),
  });
}

export function serviceDocument(ctx: EmulatorContext, _req: EmulatorRequest, org: OrgState): Reply {
  return odataReply(200, {
    '@odata.context': `${webApiBase(ctx, org.name)}$metadata`,
    value: Object.keys(ENTITY_SETS).map((name) => ({ name, kind: 'EntitySet', url: name })),
  });
}
