/**
 * Bearer-token checks for every Web API request: signature, expiry, audience and issuer (else 401 with the
 * bearer challenge), tenant and an enabled systemuser for the caller (else 403), per addendum §6 and §9.
 */
import type { EmulatorContext, EmulatorRequest } from '../context.js';
import { orgUrl } from '../context.js';
import { dataverseUnauthorized, userDisabled, userNotMemberOfOrg } from '../wire-errors.js';
import { accessTokenIssuer } from '../entra/issue.js';
import { decodeJwt, verifyJwtSignature } from '../jwt.js';
import type { OrgState, SystemUserRow } from '../state.js';

export interface Caller {
  user: SystemUserRow;
  /** `<tid>/<oid>`: the Entra identity (user, or the app's service principal), the same in every org. */
  identity: string;
  appId?: string;
  upn?: string;
}

const CLOCK_SKEW_SECONDS = 300;

/**
 * The claims of a bearer token this emulator signed for `audience`, still valid; undefined otherwise (the caller
 * answers 401 with its challenge). Shared by the Web API and the discovery service.
 */
export function verifiedBearer(ctx: EmulatorContext, req: EmulatorRequest, audience: string): Record<string, unknown> | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  const decoded = match?.[1] ? decodeJwt(match[1]) : undefined;
  if (!decoded || !verifyJwtSignature(decoded, ctx.keys.publicKey)) return undefined;
  const claims = decoded.payload;
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now) return undefined;
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_SECONDS) return undefined;
  const aud = typeof claims.aud === 'string' ? claims.aud.replace(/\/+$/, '').toLowerCase() : '';
  if (aud !== audience.toLowerCase()) return undefined;
  const tid = typeof claims.tid === 'string' ? claims.tid : '';
  if (claims.iss !== accessTokenIssuer(ctx, tid)) return undefined;
  return claims;
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
