/**
 * Control API under `{url}/_emulator` (JSON in and out, never faulted): state, reset, request log, device-code
 * approval, consent, tampering with roles, users and solutions, connections, and faults.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from './context.js';
import { settleDeviceCode } from './entra/devicecode.js';
import { EmulatorError, controlError } from './wire-errors.js';
import type { FaultSpec } from './faults.js';
import type { ServiceProtectionLimits } from './service-protection.js';
import { LEVELS, isLevel, type Level } from './levels.js';
import { normalizeGuid } from './support/guid.js';
import { TOKEN_EXCHANGE_AUDIENCE, federatedCredentialProblems, policyProblems } from './seed.js';
import { oidcIssuer } from './oidc.js';
import { route, type Route } from './server.js';
import { addConnection } from './connections.js';
import {
  addTeam,
  nowIso,
  removeSolution,
  roleCopyId,
  rootBusinessUnit,
  upsertRoleWithCopies,
  type OrgState,
  type RoleRow,
  type SystemUserRow,
} from './state.js';

/** Hooks the running emulator provides for what is more than a state edit. */
export interface ControlHooks {
  reset(): void;
  setFaults(spec: FaultSpec | string): void;
  setServiceProtection(limits: ServiceProtectionLimits | null): void;
}

const ok = (body?: unknown): Reply => (body === undefined ? { status: 204 } : { status: 200, body });

function json(req: EmulatorRequest): Record<string, unknown> {
  const text = req.body.toString('utf8').trim();
  if (text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw controlError(400, 'The body must be a JSON object.');
}

function guidField(body: Record<string, unknown>, name: string): string {
  const value = normalizeGuid(body[name]);
  if (!value) throw controlError(400, `"${name}" must be a GUID.`);
  return value;
}

function org(ctx: EmulatorContext, req: EmulatorRequest): OrgState {
  const found = ctx.state.org(req.params.org ?? '');
  if (!found) throw controlError(404, `No org named "${req.params.org ?? ''}".`);
  return found;
}

function role(o: OrgState, id: string | undefined): RoleRow {
  const found = o.roles.find((r) => r.roleid === normalizeGuid(id));
  if (!found) throw controlError(404, `No role ${id ?? ''} in org ${o.name}.`);
  return found;
}

function user(o: OrgState, id: string | undefined): SystemUserRow {
  const found = o.systemusers.find((u) => u.systemuserid === normalizeGuid(id));
  if (!found) throw controlError(404, `No systemuser ${id ?? ''} in org ${o.name}.`);
  return found;
}

function level(value: unknown): Level {
  if (!isLevel(value)) throw controlError(400, `"level" must be one of ${LEVELS.join(', ')}.`);
  return value as Level;
}

function setPrivilege(o: OrgState, rootRoleId: string, name: unknown, depth: Level): void {
  const privilege = o.privileges.find((p) => p.name === name);
  if (!privilege) throw controlError(400, `No privilege named "${String(name)}" in org ${o.name}.`);
  o.roleprivileges = o.roleprivileges.filter((rp) => !(rp.roleid === rootRoleId && rp.privilegeid === privilege.privilegeid));
  o.roleprivileges.push({ roleid: rootRoleId, privilegeid: privilege.privilegeid, depth });
}

/** Binds the copy of a role in the user's business unit, skipping the BU rule Dataverse enforces (tamper tests). */
function bindRole(o: OrgState, target: SystemUserRow, roleId: string | undefined): void {
  const root = role(o, roleId)._parentrootroleid_value;
  const copy = roleCopyId(o, root, target._businessunitid_value, rootBusinessUnit(o).businessunitid);
  if (!o.systemuserroles.some((l) => l.systemuserid === target.systemuserid && l.roleid === copy)) {
    o.systemuserroles.push({ systemuserid: target.systemuserid, roleid: copy });
  }
}

export function controlRoutes(hooks: ControlHooks): Route[] {
  const C = '^/_emulator';
  const O = `${C}/orgs/(?<org>[^/]+)`;
  return [
    route('GET', new RegExp(`${C}/state$`), (ctx) => ok(ctx.state.snapshot())),
    route('POST', new RegExp(`${C}/reset$`), () => {
      hooks.reset();
      return ok();
    }),
    route('GET', new RegExp(`${C}/log$`), (ctx) => ok(ctx.log.entries())),
    route('DELETE', new RegExp(`${C}/log$`), (ctx) => {
      ctx.log.clear();
      return ok();
    }),
    route('POST', new RegExp(`${C}/device-codes/(?<decision>approve|deny)$`), (ctx, req) => {
      const body = json(req);
      if (typeof body.userCode !== 'string') throw controlError(400, '"userCode" is required.');
      const result = settleDeviceCode(ctx, body.userCode, req.params.decision === 'deny' ? 'deny' : 'approve', typeof body.upn === 'string' ? body.upn : undefined);
      if (result === 'unknown-code') throw controlError(404, `No pending device code with user code ${body.userCode}.`);
      if (result === 'unknown-user') throw controlError(400, `No Entra user ${String(body.upn)}.`);
      return ok();
    }),
    route('POST', new RegExp(`${C}/consent$`), (ctx, req) => {
      const body = json(req);
      const tenant = ctx.state.tenant(String(body.tenantId ?? ''));
      if (!tenant) throw controlError(404, `No tenant ${String(body.tenantId)}.`);
      if (!ctx.state.app(String(body.clientId ?? ''))) throw controlError(404, `No app ${String(body.clientId)}.`);
      return ok(ctx.state.grantConsent(tenant.id, guidField(body, 'clientId')));
    }),
    route('DELETE', new RegExp(`${C}/consent$`), (ctx, req) => {
      const tenantId = req.url.searchParams.get('tenantId') ?? '';
      const clientId = req.url.searchParams.get('clientId') ?? '';
      const tenant = ctx.state.tenant(tenantId);
      if (!tenant || !ctx.state.revokeConsent(tenant.id, clientId)) throw controlError(404, `No consent for app ${clientId} in tenant ${tenantId}.`);
      return ok();
    }),
    route('POST', new RegExp(`${O}/roles$`), (ctx, req) => {
      const o = org(ctx, req);
      const body = json(req);
      if (typeof body.name !== 'string' || body.name === '') throw controlError(400, '"name" is required.');
      const id = body.id === undefined ? randomUUID() : guidField(body, 'id');
      upsertRoleWithCopies(o, { id, name: body.name, managed: false, customizable: true });
      for (const grant of Array.isArray(body.privileges) ? (body.privileges as Array<Record<string, unknown>>) : []) setPrivilege(o, id, grant.name, level(grant.level));
      return { status: 201, body: role(o, id) };
    }),
    route('POST', new RegExp(`${O}/roles/(?<role>[^/]+)/privileges$`), (ctx, req) => {
      const o = org(ctx, req);
      const body = json(req);
      setPrivilege(o, role(o, req.params.role)._parentrootroleid_value, body.name, level(body.level));
      return ok();
    }),
    route('DELETE', new RegExp(`${O}/roles/(?<role>[^/]+)/privileges/(?<name>[^/]+)$`), (ctx, req) => {
      const o = org(ctx, req);
      const rootId = role(o, req.params.role)._parentrootroleid_value;
      const privilege = o.privileges.find((p) => p.name === req.params.name);
      const before = o.roleprivileges.length;
      o.roleprivileges = o.roleprivileges.filter((rp) => !(rp.roleid === rootId && rp.privilegeid === privilege?.privilegeid));
      if (o.roleprivileges.length === before) throw controlError(404, `Role ${rootId} does not hold ${req.params.name ?? ''}.`);
      return ok();
    }),
    route('POST', new RegExp(`${O}/systemusers$`), (ctx, req) => {
      const o = org(ctx, req);
      const body = json(req);
      const applicationId = body.applicationId === undefined ? null : guidField(body, 'applicationId');
      const entraObjectId = body.entraObjectId === undefined ? null : guidField(body, 'entraObjectId');
      if (!applicationId && !entraObjectId) throw controlError(400, 'Give "applicationId" (application user) or "entraObjectId" (interactive user).');
      const businessUnitId = body.businessUnitId === undefined ? rootBusinessUnit(o).businessunitid : guidField(body, 'businessUnitId');
      if (!o.businessunits.some((bu) => bu.businessunitid === businessUnitId)) throw controlError(404, `No business unit ${businessUnitId}.`);
      const entra = ctx.state.data.users.find((u) => u.objectId === entraObjectId);
      const row: SystemUserRow = {
        systemuserid: body.id === undefined ? randomUUID() : guidField(body, 'id'),
        fullname: typeof body.fullName === 'string' ? body.fullName : entra?.displayName ?? ctx.state.app(applicationId ?? '')?.name ?? 'Emulated user',
        domainname: entra?.upn ?? `${applicationId ?? entraObjectId}@${o.tenantId}.com`,
        internalemailaddress: entra?.upn ?? null,
        applicationid: applicationId,
        azureactivedirectoryobjectid: entraObjectId ?? (applicationId ? ctx.state.servicePrincipal(o.tenantId, applicationId)?.objectId ?? null : null),
        isdisabled: body.isdisabled === true,
        accessmode: applicationId ? 4 : 0,
        deletedstate: 0,
        _businessunitid_value: businessUnitId,
        createdon: nowIso(),
      };
      o.systemusers.push(row);
      for (const roleId of Array.isArray(body.roles) ? body.roles : []) bindRole(o, row, String(roleId));
      return { status: 201, body: row };
    }),
    route('PATCH', new RegExp(`${O}/systemusers/(?<user>[^/]+)$`), (ctx, req) => {
      const target = user(org(ctx, req), req.params.user);
      const body = json(req);
      if (typeof body.isdisabled !== 'boolean') throw controlError(400, '"isdisabled" must be true or false.');
      target.isdisabled = body.isdisabled;
      return ok(target);
    }),
    route('POST', new RegExp(`${O}/systemusers/(?<user>[^/]+)/roles$`), (ctx, req) => {
      const o = org(ctx, req);
      bindRole(o, user(o, req.params.user), String(json(req).roleId ?? ''));
      return ok();
    }),
    route('POST', new RegExp(`${O}/teams$`), (ctx, req) => {
      const o = org(ctx, req);
      const body = json(req);
      if (typeof body.name !== 'string' || body.name === '') throw controlError(400, '"name" is required.');
      if (body.kind !== undefined && body.kind !== 'owner' && body.kind !== 'entra-group') throw controlError(400, '"kind" must be "owner" or "entra-group".');
      const businessUnitId = body.businessUnitId === undefined ? rootBusinessUnit(o).businessunitid : guidField(body, 'businessUnitId');
      const ids = (field: string) => (Array.isArray(body[field]) ? (body[field] as unknown[]) : []).map((v) => normalizeGuid(v) ?? '');
      const roles = ids('roles').map((id) => role(o, id)._parentrootroleid_value);
      const members = ids('members').map((id) => user(o, id).systemuserid);
      const team = addTeam(o, { id: body.id === undefined ? randomUUID() : guidField(body, 'id'), name: body.name, kind: body.kind === 'entra-group' ? 'entra-group' : 'owner', businessUnitId, roles, members });
      return { status: 201, body: team };
    }),
    route('PUT', new RegExp(`${C}/tenants/(?<tenant>[^/]+)/policies$`), (ctx, req) => {
      const tenant = ctx.state.tenant(req.params.tenant ?? '');
      if (!tenant) throw controlError(404, `No tenant ${req.params.tenant ?? ''}.`);
      const body = json(req);
      const problems = policyProblems(body);
      if (problems.length) throw controlError(400, problems.map(([field, expected]) => `"${field}": expected ${expected}`).join('; '));
      tenant.policies = { ...tenant.policies, ...body };
      return ok(tenant.policies);
    }),
    route('PATCH', new RegExp(`${C}/apps/(?<app>[^/]+)$`), (ctx, req) => {
      const app = ctx.state.app(req.params.app ?? '');
      if (!app) throw controlError(404, `No app ${req.params.app ?? ''}.`);
      const body = json(req);
      if (body.publicClient !== undefined && typeof body.publicClient !== 'boolean') throw controlError(400, '"publicClient" must be true or false.');
      if (body.redirectUris !== undefined && !(Array.isArray(body.redirectUris) && body.redirectUris.every((u) => typeof u === 'string'))) throw controlError(400, '"redirectUris" must be an array of URIs.');
      if (typeof body.publicClient === 'boolean') app.publicClient = body.publicClient;
      if (Array.isArray(body.redirectUris)) app.redirectUris = body.redirectUris as string[];
      const { clientSecret: _secret, privateKeyPem: _key, ...visible } = app;
      return ok(visible);
    }),
    route('POST', new RegExp(`${C}/apps/(?<app>[^/]+)/federated-credentials$`), (ctx, req) => {
      const app = ctx.state.app(req.params.app ?? '');
      if (!app) throw controlError(404, `No app ${req.params.app ?? ''}.`);
      const body = json(req);
      const unknown = Object.keys(body).filter((key) => !['subject', 'issuer', 'audience'].includes(key));
      if (unknown.length) throw controlError(400, `Unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}: give "subject", "issuer"?, "audience"?.`);
      if (body.audience !== undefined && (typeof body.audience !== 'string' || body.audience === '')) throw controlError(400, '"audience": expected a non-empty string');
      const problems = federatedCredentialProblems({ subject: body.subject, ...(body.issuer === undefined ? {} : { issuer: body.issuer }) });
      if (problems.length) throw controlError(400, problems.map(([field, expected]) => `"${field}": expected ${expected}`).join('; '));
      const credential = { issuer: typeof body.issuer === 'string' ? body.issuer : oidcIssuer(ctx), subject: String(body.subject), audiences: [typeof body.audience === 'string' ? body.audience : TOKEN_EXCHANGE_AUDIENCE], createdAt: Date.now() };
      app.federatedCredentials.push(credential);
      return { status: 201, body: { issuer: credential.issuer, subject: credential.subject, audiences: credential.audiences } };
    }),
    route('GET', new RegExp(`${C}/settings$`), (ctx) => ok(ctx.state.data.settings)),
    route('PATCH', new RegExp(`${C}/settings$`), (ctx, req) => {
      const body = json(req);
      const unknown = Object.keys(body).filter((key) => key !== 'autoApproveBrowserSignIn');
      if (unknown.length) throw controlError(400, `Unknown setting(s) ${unknown.map((k) => `"${k}"`).join(', ')}: the only one is "autoApproveBrowserSignIn".`);
      if (body.autoApproveBrowserSignIn !== undefined && typeof body.autoApproveBrowserSignIn !== 'boolean') throw controlError(400, '"autoApproveBrowserSignIn" must be true or false.');
      if (typeof body.autoApproveBrowserSignIn === 'boolean') ctx.state.data.settings.autoApproveBrowserSignIn = body.autoApproveBrowserSignIn;
      return ok(ctx.state.data.settings);
    }),
    route('POST', new RegExp(`${O}/solutions$`), (ctx, req) => {
      const o = org(ctx, req);
      const body = json(req);
      if (typeof body.uniqueName !== 'string' || typeof body.version !== 'string') throw controlError(400, '"uniqueName" and "version" are required.');
      const now = nowIso();
      const existing = o.solutions.find((s) => s.uniquename.toLowerCase() === String(body.uniqueName).toLowerCase());
      const fields = { uniquename: body.uniqueName, friendlyname: typeof body.friendlyName === 'string' ? body.friendlyName : body.uniqueName, version: body.version, ismanaged: body.managed !== false, modifiedon: now };
      if (existing) Object.assign(existing, fields);
      else o.solutions.push({ solutionid: randomUUID(), installedon: now, _publisherid_value: null, ...fields });
      return ok(o.solutions.find((s) => s.uniquename === body.uniqueName));
    }),
    route('DELETE', new RegExp(`${O}/solutions/(?<solution>[^/]+)$`), (ctx, req) => {
      const o = org(ctx, req);
      const name = decodeURIComponent(req.params.solution ?? '').toLowerCase();
      const target = o.solutions.find((s) => s.uniquename.toLowerCase() === name);
      if (!target) throw controlError(404, `No solution ${req.params.solution ?? ''} in org ${o.name}.`);
      // An uninstall without its checks (lock, pending upgrade, dependencies): the tamper tool.
      removeSolution(o, target);
      return ok();
    }),
    route('POST', new RegExp(`${O}/connections$`), (ctx, req) => {
      const o = org(ctx, req);
      const body = json(req);
      if (typeof body.connectorId !== 'string' || body.connectorId.trim() === '') throw controlError(400, '"connectorId" is required: "/providers/Microsoft.PowerApps/apis/<api>" or "<api>".');
      if (body.name !== undefined && typeof body.name !== 'string') throw controlError(400, '"name" must be a string.');
      const connection = addConnection(o, { connectorId: body.connectorId, ...(typeof body.name === 'string' ? { name: body.name } : {}) });
      return { status: 201, body: { connectionId: connection.connectionId, connectorId: connection.connectorId, name: connection.name } };
    }),
    route('GET', new RegExp(`${C}/service-protection$`), (ctx) => ok({ limits: ctx.protection.limits() })),
    route('PUT', new RegExp(`${C}/service-protection$`), (_ctx, req) => {
      let limits: unknown;
      try {
        limits = JSON.parse(req.body.toString('utf8'));
        hooks.setServiceProtection(limits as ServiceProtectionLimits | null);
      } catch (error) {
        throw controlError(400, error instanceof Error ? error.message : String(error));
      }
      return ok();
    }),
    route('GET', new RegExp(`${C}/faults$`), (ctx) => ok(ctx.faults.spec())),
    route('PUT', new RegExp(`${C}/faults$`), (_ctx, req) => {
      const text = req.body.toString('utf8').trim();
      try {
        hooks.setFaults(text.startsWith('{') ? (JSON.parse(text) as FaultSpec) : text);
      } catch (error) {
        if (error instanceof EmulatorError) throw error;
        throw controlError(400, error instanceof Error ? error.message : String(error));
      }
      return ok();
    }),
  ];
}

