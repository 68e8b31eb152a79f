/**
 * Bearer-token checks for every Web API request: signature, expiry, audience and issuer (else 401 with the
 * bearer challenge), tenant and an enabled systemuser for the caller (else 403), per addendum §6 and §9.
 */
import type { EmulatorContext, EmulatorRequest } from '../context.js';
import { orgUrl } from '../context.js';
import { dataverseUnauthorized, userDisabled, userNotMemberOfOrg } from '../wire-errors.js';
import { verifiedBearer } from '../bearer.js';
import type { OrgState, SystemUserRow } from '../state.js';

export interface Caller {
  user: SystemUserRow;
  /** `<tid>/<oid>`: the Entra identity (user, or the app's service principal), the same in every org. */
  identity: string;
  appId?: string;
  upn?: string;
}

export function authenticate(ctx: EmulatorContext, req: EmulatorRequest, org: OrgState): Caller {
  const url = orgUrl(ctx, org.name);
  const claims = verifiedBearer(ctx, req, url);
  if (!claims) throw dataverseUnauthorized(`${ctx.baseUrl}/${org.tenantId}/oauth2/authorize`, `${url}/`);
  const tid = typeof claims.tid === 'string' ? claims.tid : '';
  const appId = typeof claims.appid === 'string' ? claims.appid : undefined;
  const upn = typeof claims.upn === 'string' ? claims.upn : undefined;
  req.note.caller = { ...(appId ? { appId } : {}), ...(upn ? { upn } : {}) };
  if (tid !== org.tenantId) throw userNotMemberOfOrg();
  const delegated = typeof claims.scp === 'string';
  const user = delegated
    ? org.systemusers.find((u) => u.azureactivedirectoryobjectid === claims.oid)
    : org.systemusers.find((u) => u.applicationid !== null && u.applicationid === appId);
  if (!user) throw userNotMemberOfOrg();
  req.note.caller = { ...req.note.caller, userId: user.systemuserid };
  if (user.isdisabled) throw userDisabled(user.systemuserid, org.organizationId, ctx.options.statuses.disabledUser);
  return { user, identity: `${tid}/${String(claims.oid)}`, ...(appId && !delegated ? { appId } : {}), ...(upn ? { upn } : {}) };
}
