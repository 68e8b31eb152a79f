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
  activeUserDelete,
  assignRoleValidationFailure,
  userInWrongBusiness,
} from '../wire-errors.js';
import { normalizeGuid } from '../support/guid.js';
import { appUserDomainName, nowIso, type OrgState, type RoleRow, type SystemUserRow } from '../state.js';
import type { Caller } from './auth.js';
import { ENTITY_SETS, collectionReply, entityReply, findRow, odataReply, parseKey } from './entity-sets.js';
import { boundId, jsonBody, wantsRepresentation } from './request-body.js';
import { effectivePrivileges, requirePrivilege, rolePrivileges } from './security.js';
import { covers } from '../levels.js';

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
  // A soft-deleted row (deletedstate 1) still holds the applicationid: Microsoft's provider purges it before
  // it can create again (terraform-provider-power-platform api_application.go), its test mocks this 412.
  if (org.systemusers.some((u) => u.applicationid === applicationId)) {
    throw duplicateRecord('A record with matching key values already exists.', ctx.options.statuses.duplicateAppUser);
  }
  const app = ctx.state.app(applicationId);
  const servicePrincipal = ctx.state.servicePrincipal(org.tenantId, applicationId);
  const lagging = servicePrincipal !== undefined && Date.now() - servicePrincipal.createdAt < ctx.options.consentLagMs;
  if (!app || !servicePrincipal || lagging) throw azureApplicationIdNotFound(applicationId, ctx.options.statuses.appUserServicePrincipalMissing);
  const row: SystemUserRow = {
    systemuserid: randomUUID(),
    // "System appends a # to the application user FNU, this is by design" (MicrosoftDocs/power-platform PR #930).
    fullname: `# ${app.name}`,
    domainname: appUserDomainName(app, org.tenantId),
    internalemailaddress: appUserDomainName(app, org.tenantId),
    applicationid: applicationId,
    azureactivedirectoryobjectid: servicePrincipal.objectId,
    isdisabled: false,
    // Stored as sent; absent means the column default 0 (systemuser.md AccessMode, DefaultFormValue 0).
    // Microsoft's provider sends 4 (TF CreateScopedApplicationUser); whether Dataverse forces 4 is unknown.
    accessmode: accessMode(body.accessmode),
    deletedstate: 0,
    _businessunitid_value: businessUnitId,
    createdon: nowIso(),
  };
  org.systemusers.push(row);
  const location = `${webApiBase(ctx, org.name)}systemusers(${row.systemuserid})`;
  // "the OData-EntityId header containing the URI to the created record is not returned" with
  // return=representation (powerapps-docs webapi/create-entity-web-api.md).
  if (wantsRepresentation(req)) return entityReply(ctx, req, org, caller, ENTITY_SETS.systemusers, row.systemuserid, 201);
  return odataReply(204, undefined, { 'OData-EntityId': location, Location: location });
}

/** AccessMode choices 0-5 (systemuser.md); anything else is refused as Dataverse refuses an unknown option value. */
function accessMode(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 5) throw invalidArgument(`accessmode must be one of the AccessMode choices 0-5, got ${JSON.stringify(value)}.`);
  return value;
}

/**
 * DELETE systemusers(<id>): an active user is refused (PPAC manage-application-users.md: "Only application
 * users with the inactive state can be deleted"); an inactive one is soft-deleted (deletedstate 1, the row
 * stays queryable, its roles are removed as PPAC's delete-users.md describes); deleting a soft-deleted row
 * purges it (TF PermanentlyDeleteSystemUser sends the second DELETE). prvWriteUser is checked (inferred).
 */
export function deleteSystemUser(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requirePrivilege(org, caller.user, 'prvWriteUser', 'systemuser');
  const target = user(org, req);
  if (target.deletedstate === 1) {
    org.systemusers = org.systemusers.filter((u) => u !== target);
    return odataReply(204);
  }
  if (!target.isdisabled) throw activeUserDelete(target.systemuserid, ctx.options.statuses.activeUserDelete);
  target.deletedstate = 1;
  org.systemuserroles = org.systemuserroles.filter((l) => l.systemuserid !== target.systemuserid);
  org.teammemberships = org.teammemberships.filter((m) => m.systemuserid !== target.systemuserid);
  return odataReply(204);
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
  requireRolePrivileges(ctx, org, caller, target, role);
  org.systemuserroles.push({ systemuserid: target.systemuserid, roleid: roleId });
  return odataReply(204);
}

/** 0x80048d3b, assigning and removing alike: the caller must hold every privilege of the role at its depth, teams included. */
function requireRolePrivileges(ctx: EmulatorContext, org: OrgState, caller: Caller, target: SystemUserRow, role: RoleRow): void {
  const callerHolds = effectivePrivileges(org, caller.user.systemuserid);
  const missing = rolePrivileges(org, role.roleid).filter((p) => {
    const held = callerHolds.get(p.name);
    return !held || !covers(held.depth, p.depth);
  });
  if (missing.length === 0) return;
  throw assignRoleValidationFailure({
    callerId: caller.user.systemuserid,
    roleId: role.roleid,
    principalId: target.systemuserid,
    roleBusinessUnitId: role._businessunitid_value,
    missing: missing.map((p) => ({ name: p.name, privilegeId: p.privilegeid, depth: p.depth, businessUnitId: role._businessunitid_value })),
    status: ctx.options.statuses.assignRoleValidation,
  });
}

/** Both forms: `…/systemuserroles_association(<roleId>)/$ref` and `…/systemuserroles_association/$ref?$id=<url>`. */
export function disassociateRole(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState, caller: Caller): Reply {
  requireAssign(org, caller);
  const target = user(org, req);
  const roleId = req.params.roleId ? parseKey(req.params.roleId, 'role') : boundId(req.url.searchParams.get('$id'), 'roles');
  if (!roleId) throw invalidArgument('Disassociate needs the role: …/systemuserroles_association(<roleId>)/$ref or ?$id=<org>/api/data/v9.2/roles(<roleId>).');
  const role = org.roles.find((r) => r.roleid === roleId);
  if (role && org.systemuserroles.some((l) => l.systemuserid === target.systemuserid && l.roleid === roleId)) requireRolePrivileges(ctx, org, caller, target, role);
  org.systemuserroles = org.systemuserroles.filter((l) => !(l.systemuserid === target.systemuserid && l.roleid === roleId));
  return odataReply(204);
}
