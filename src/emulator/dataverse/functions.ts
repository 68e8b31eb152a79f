/** WhoAmI, RetrieveUserPrivileges and RetrieveRolePrivilegesRole (wire ref §3, §6). */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import type { OrgState, RoleRow, SystemUserRow } from '../state.js';
import type { Caller } from './auth.js';
import { ENTITY_SETS, findRow, odataReply, parseKey } from './entity-sets.js';
import { effectivePrivileges, requirePrivilege, rolePrivileges } from './security.js';

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

export function retrieveUserPrivileges(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadUser', 'systemuser');
  const target = findRow(org, ENTITY_SETS.systemusers, parseKey(req.params.id, 'systemuser')) as SystemUserRow;
  const privileges = [...effectivePrivileges(org, target.systemuserid).values()].sort((a, b) => a.name.localeCompare(b.name));
  return odataReply(200, {
    '@odata.context': context(ctx, org, 'RetrieveUserPrivilegesResponse'),
    RolePrivileges: privileges.map((p) => ({ Depth: p.depth, PrivilegeId: p.privilegeid, BusinessUnitId: target._businessunitid_value, PrivilegeName: p.name })),
  });
}

export function retrieveRolePrivilegesRole(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadRole', 'role');
  const role = findRow(org, ENTITY_SETS.roles, parseKey(req.params.id, 'role')) as RoleRow;
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
