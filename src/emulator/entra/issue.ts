/** Building the tokens the token endpoint hands out: RS256 access tokens, id tokens and client_info. */
import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.js';
import { base64UrlJson, signJwt } from '../jwt.js';
import type { EntraUserRecord } from '../state.js';

/** v1-style issuer (Dataverse is a v1 resource): `{authorityHost}/{tid}/`. */
export function accessTokenIssuer(ctx: EmulatorContext, tenantId: string): string {
  return `${ctx.baseUrl}/${tenantId}/`;
}

export function v2Issuer(ctx: EmulatorContext, tenant: string): string {
  return `${ctx.baseUrl}/${tenant}/v2.0`;
}

function times(ctx: EmulatorContext): { iat: number; nbf: number; exp: number } {
  const iat = Math.floor(Date.now() / 1000);
  return { iat, nbf: iat, exp: iat + ctx.options.tokenLifetimeSeconds };
}

function sign(ctx: EmulatorContext, claims: Record<string, unknown>): string {
  return signJwt(claims, ctx.keys.privateKey, { kid: ctx.keys.kid });
}

export function appAccessToken(ctx: EmulatorContext, args: { audience: string; tenantId: string; appId: string; servicePrincipalId: string; certificate: boolean }): string {
  return sign(ctx, {
    aud: args.audience,
    iss: accessTokenIssuer(ctx, args.tenantId),
    ...times(ctx),
    appid: args.appId,
    appidacr: args.certificate ? '2' : '1',
    azp: args.appId,
    azpacr: args.certificate ? '2' : '1',
    idp: accessTokenIssuer(ctx, args.tenantId),
    idtyp: 'app',
    oid: args.servicePrincipalId,
    sub: args.servicePrincipalId,
    tid: args.tenantId,
    uti: randomUUID(),
    ver: '1.0',
  });
}

export function userAccessToken(ctx: EmulatorContext, args: { audience: string; user: EntraUserRecord; clientId: string }): string {
  return sign(ctx, {
    aud: args.audience,
    iss: accessTokenIssuer(ctx, args.user.tenantId),
    ...times(ctx),
    amr: ['pwd', 'mfa'],
    appid: args.clientId,
    appidacr: '0',
    azp: args.clientId,
    idtyp: 'user',
    name: args.user.displayName,
    oid: args.user.objectId,
    scp: 'user_impersonation',
    sub: args.user.objectId,
    tid: args.user.tenantId,
    unique_name: args.user.upn,
    upn: args.user.upn,
    uti: randomUUID(),
    ver: '1.0',
  });
}

/** msal decodes the id token without checking its signature; it builds the account from these claims. */
export function idToken(ctx: EmulatorContext, user: EntraUserRecord, clientId: string, nonce?: string): string {
  return sign(ctx, {
    aud: clientId,
    ...(nonce === undefined ? {} : { nonce }),
    iss: v2Issuer(ctx, user.tenantId),
    ...times(ctx),
    name: user.displayName,
    oid: user.objectId,
    preferred_username: user.upn,
    sub: user.objectId,
    tid: user.tenantId,
    ver: '2.0',
  });
}

export function clientInfo(user: EntraUserRecord): string {
  return base64UrlJson({ uid: user.objectId, utid: user.tenantId });
}
