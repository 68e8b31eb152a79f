/** systemusers writes: create application users, enable/disable, role (dis)association (wire ref §7, addendum §1, §6, §7). */
import { randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { webApiBase } from '../context.js';
import {
  azureApplicationIdNotFound,
  duplicateRecord,
  invalidArgument,
  queryNotSupported,
  recordNotFound,
  assignRoleValidationFailure,
  userInWrongBusiness,
} from '../errors.js';
import { normalizeGuid } from '../util/guid.js';
import { appUserDomainName, nowIso, type OrgState, type SystemUserRow } from '../state.js';
import type { Caller } from './auth.js';
import { ENTITY_SETS, collectionReply, entityReply, findRow, odataReply, parseKey } from './entity-sets.js';
import { jsonBody, wantsRepresentation } from './request-body.js';
import { effectivePrivileges, requirePrivilege, rolePrivileges } from './security.js';
import { covers } from '../levels.js';

/** `/businessunits(<id>)`, `businessunits(<id>)` or an absolute URL ending that way. */
function boundId(value: unknown, set: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = new RegExp(`${set}\\(([^)]+)\\)$`).exec(value.trim());
  return normalizeGuid(match?.[1]);
}

function user(org: OrgState, req: EmulatorRequest): SystemUserRow {
  return findRow(org, ENTITY_SETS.systemusers, parseKey(req.params.id, 'systemuser')) as SystemUserRow;
}

export function createSystemUser(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvCreateUser', 'systemuser');
  const body = jsonBody(req);
  const applicationId = normalizeGuid(body.applicationid);
  if (!applicationId) throw queryNotSupported('creating systemusers without applicationid (only application users are emulated)');
  const businessUnitId = boundId(body['businessunitid@odata.bind'], 'businessunits');
  if (!businessUnitId) throw invalidArgument("The 'businessunitid@odata.bind' property is required, e.g. \"/businessunits(<id>)\".");
  if (!org.businessunits.some((bu) => bu.businessunitid === businessUnitId)) throw recordNotFound('businessunit', businessUnitId);
  if (org.systemusers.some((u) => u.applicationid === applicationId)) {
    throw duplicateRecord('A record with matching key values already exists.', ctx.options.statuses.duplicateAppUser);
  }
  const app = ctx.state.app(applicationId);
  const servicePrincipal = ctx.state.servicePrincipal(org.tenantId, applicationId);
  const lagging = servicePrincipal !== undefined && Date.now() - servicePrincipal.createdAt < ctx.options.consentLagMs;
  if (!app || !servicePrincipal || lagging) throw azureApplicationIdNotFound(applicationId, ctx.options.statuses.appUserServicePrincipalMissing);
  const row: SystemUserRow = {
    systemuserid: randomUUID(),
    fullname: app.name,
    domainname: appUserDomainName(app, org.tenantId),
    internalemailaddress: appUserDomainName(app, org.tenantId),
    applicationid: applicationId,
    azureactivedirectoryobjectid: servicePrincipal.objectId,
    isdisabled: false,
    accessmode: 4,
    _businessunitid_value: businessUnitId,
    createdon: nowIso(),
  };
  org.systemusers.push(row);
  const location = `${webApiBase(ctx, org.name)}systemusers(${row.systemuserid})`;
  if (wantsRepresentation(req)) {
    req.params.id = row.systemuserid;
    const reply = entityReply(ctx, req, org, caller, ENTITY_SETS.systemusers, row.systemuserid, 201);
    return { ...reply, headers: { ...reply.headers, 'OData-EntityId': location, Location: location } };
  }
  return odataReply(204, undefined, { 'OData-EntityId': location, Location: location });
}

/** Only `isdisabled` is writable here (addendum §6: PATCH isdisabled on an app user answers 204). */
export function updateSystemUser(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  const target = user(org, req);
  const body = jsonBody(req);
  requirePrivilege(org, caller.user, 'prvWriteUser', 'systemuser');
  for (const key of Object.keys(body)) {
    if (key === 'isdisabled' || (key === 'applicationid' && normalizeGuid(body[key]) === target.applicationid)) continue;
    throw queryNotSupported(`updating systemuser.${key}`);
  }
  if (typeof body.isdisabled === 'boolean' && body.isdisabled !== target.isdisabled) {
    requirePrivilege(org, caller.user, 'prvDisableUser', 'systemuser');
    target.isdisabled = body.isdisabled;
  } else if (body.isdisabled !== undefined && typeof body.isdisabled !== 'boolean') {
    throw invalidArgument('isdisabled must be true or false.');
  }
  if (wantsRepresentation(req)) return entityReply(ctx, req, org, caller, ENTITY_SETS.systemusers, target.systemuserid);
  return odataReply(204);
}

export function listUserRoles(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvReadUser', 'systemuser');
  const target = user(org, req);
  const nav = ENTITY_SETS.systemusers.navigations.systemuserroles_association;
  return collectionReply(ctx, req, org, caller, ENTITY_SETS.roles, nav.related(org, target));
}

/** Associating a role needs prvAssignRole (live: "missing prvAssignRole privilege … for entity 'role'") and read on roles. */
function requireAssign(org: OrgState, caller: Caller): void {
  requirePrivilege(org, caller.user, 'prvAssignRole', 'role');
  requirePrivilege(org, caller.user, 'prvReadRole', 'role');
}

export function associateRole(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requireAssign(org, caller);
  const target = user(org, req);
  const body = jsonBody(req);
  const roleId = boundId(body['@odata.id'], 'roles');
  if (!roleId) throw invalidArgument("The '@odata.id' property must reference a role, e.g. \"<org>/api/data/v9.2/roles(<id>)\".");
  const role = org.roles.find((r) => r.roleid === roleId);
  if (!role) throw recordNotFound('role', roleId);
  if (role._businessunitid_value !== target._businessunitid_value) {
    throw userInWrongBusiness({ userId: target.systemuserid, userBu: target._businessunitid_value, roleId, roleBu: role._businessunitid_value });
  }
  if (org.systemuserroles.some((l) => l.systemuserid === target.systemuserid && l.roleid === roleId)) {
    throw duplicateRecord('Cannot insert duplicate key.', ctx.options.statuses.duplicateAssociation);
  }
  const callerHolds = effectivePrivileges(org, caller.user.systemuserid);
  const beyondCaller = rolePrivileges(org, roleId).find((p) => {
    const held = callerHolds.get(p.name);
    return !held || !covers(held.depth, p.depth);
  });
  if (beyondCaller) throw assignRoleValidationFailure({ roleId, privilege: beyondCaller.name });
  org.systemuserroles.push({ systemuserid: target.systemuserid, roleid: roleId });
  return odataReply(204);
}

/** Both forms: `…/systemuserroles_association(<roleId>)/$ref` and `…/systemuserroles_association/$ref?$id=<url>`. */
export function disassociateRole(_ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requireAssign(org, caller);
  const target = user(org, req);
  const roleId = req.params.roleId ? parseKey(req.params.roleId, 'role') : boundId(req.url.searchParams.get('$id'), 'roles');
  if (!roleId) throw invalidArgument('Disassociate needs the role: …/systemuserroles_association(<roleId>)/$ref or ?$id=<org>/api/data/v9.2/roles(<roleId>).');
  org.systemuserroles = org.systemuserroles.filter((l) => !(l.systemuserid === target.systemuserid && l.roleid === roleId));
  return odataReply(204);
}
