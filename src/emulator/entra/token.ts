/**
 * POST /{tenant}/oauth2/v2.0/token: client_credentials (secret, certificate or federated assertion), the
 * device-code grant in both spellings, authorization_code with PKCE, and refresh_token. Wire shapes: wire ref
 * §1.4, §1.5; codes: addendum §8, entra reference-error-codes.md.
 */
import { X509Certificate, createHash, createPublicKey, randomBytes } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import {
  aadAdminConsentRequired,
  aadApplicationNotFound,
  aadAuthorizationCodeExpired,
  aadAuthorizationCodeRedeemed,
  aadCodeForOtherTenant,
  aadCodeVerifierMismatch,
  aadCodeVerifierMissing,
  aadMalformedRequest,
  aadPublicClientWithCredential,
  aadReplyAddressMismatch,
  aadBlockedByConditionalAccess,
  aadConsentRequired,
  aadMfaRequired,
  aadPublicClientNotAllowed,
  aadResourceNotInRegistration,
  aadAuthorizationDeclined,
  aadAuthorizationPending,
  aadBadVerificationCode,
  aadExpiredDeviceCode,
  aadGrantNotSupportedOverCommon,
  aadInvalidClientAssertion,
  aadInvalidClientSecret,
  aadInvalidRefreshToken,
  aadMissingCredential,
  aadMissingParameter,
  aadMissingServicePrincipal,
  aadUnsupportedGrantType,
  aadUserNotInTenant,
} from '../wire-errors.js';
import { decodeJwt, verifyJwtSignature } from '../jwt.js';
import type { AppCredentials } from '../seed.js';
import type { EntraUserRecord, RefreshTokenRecord } from '../state.js';
import { verifyFederatedAssertion } from './federated.js';
import { appAccessToken, clientInfo, idToken, userAccessToken } from './issue.js';
import { isLoopbackRedirect } from './redirect-uri.js';
import { resolveResource, resourceScopes } from './resource.js';
import { correlationIdOf, resolveTenant } from './tenants.js';

const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEVICE_CODE_GRANTS = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code']);

export function formOf(req: EmulatorRequest): URLSearchParams {
  return new URLSearchParams(req.body.toString('utf8'));
}

export async function tokenEndpoint(ctx: EmulatorContext, req: EmulatorRequest): Promise<Reply> {
  const form = formOf(req);
  const correlationId = correlationIdOf(req.url, form);
  const grantType = form.get('grant_type');
  const clientId = basicAuth(req)?.clientId ?? form.get('client_id');
  if (clientId) req.note.caller = { appId: clientId };
  if (!grantType) throw aadMissingParameter('grant_type', correlationId);
  if (grantType === 'client_credentials') return clientCredentials(ctx, req, form, correlationId);
  if (DEVICE_CODE_GRANTS.has(grantType)) return deviceCodeGrant(ctx, req, form, correlationId);
  if (grantType === 'authorization_code') return authorizationCodeGrant(ctx, req, form, correlationId);
  if (grantType === 'refresh_token') return refreshTokenGrant(ctx, req, form, correlationId);
  throw aadUnsupportedGrantType(grantType, correlationId);
}

function basicAuth(req: EmulatorRequest): { clientId: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function clientCredentials(ctx: EmulatorContext, req: EmulatorRequest, form: URLSearchParams, correlationId: string | undefined): Reply {
  const tenantSegment = req.params.tenant ?? '';
  const tenant = resolveTenant(ctx, tenantSegment, correlationId);
  if (!tenant) throw aadGrantNotSupportedOverCommon(correlationId);
  const basic = basicAuth(req);
  const clientId = basic?.clientId ?? form.get('client_id');
  if (!clientId) throw aadMissingParameter('client_id', correlationId);
  const app = ctx.state.app(clientId);
  if (!app || (!app.multiTenant && app.homeTenantId !== tenant.id)) throw aadApplicationNotFound(clientId, tenantSegment, correlationId);
  const secret = basic?.secret ?? form.get('client_secret');
  const assertion = form.get('client_assertion');
  // The order of these checks is undocumented (option clientCredentialsCheckOrder). By default the client is
  // resolved in the requested tenant first: a multi-tenant app without a service principal there gets 7000229
  // whatever it sent, as the field reports show (with a credential sent).
  const credentialFirst = ctx.options.clientCredentialsCheckOrder === 'credential-first';
  if (credentialFirst && secret === null && assertion === null) throw aadMissingCredential(correlationId);
  const servicePrincipal = ctx.state.servicePrincipal(tenant.id, app.clientId);
  if (!servicePrincipal) throw aadMissingServicePrincipal(app.clientId, tenant.id, correlationId);
  let certificate = false;
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) throw aadMissingCredential(correlationId);
    // An assertion the app did not issue itself (iss is not its client id) is a federated one.
    const decoded = decodeJwt(assertion);
    if (decoded && decoded.payload.iss !== app.clientId) verifyFederatedAssertion(ctx, app, decoded, correlationId);
    else verifyAssertion(app, assertion, `${ctx.baseUrl}${req.url.pathname}`, correlationId);
    // appidacr 2: "client certificate or client assertion" (inferred for a federated one).
    certificate = true;
  } else if (secret !== null) {
    if (secret !== app.clientSecret) throw aadInvalidClientSecret(app.clientId, correlationId);
  } else {
    throw aadMissingCredential(correlationId);
  }
  const { audience } = resolveResource(ctx, form.get('scope'), { tenantName: tenantSegment, defaultOnly: true, correlationId });
  req.note.caller = { appId: app.clientId };
  return tokenReply(ctx, {
    access_token: appAccessToken(ctx, { audience, tenantId: tenant.id, appId: app.clientId, servicePrincipalId: servicePrincipal.objectId, certificate }),
  });
}

/** Checks what real Entra checks on a certificate assertion (wire ref §1.2): key, signature, aud, exp/nbf, iss = sub = client id. */
function verifyAssertion(app: AppCredentials, assertion: string, tokenEndpointUrl: string, correlationId: string | undefined): void {
  const decoded = decodeJwt(assertion);
  if (!decoded) throw aadInvalidClientAssertion('The client assertion is not a well-formed JWT.', correlationId);
  const certificate = new X509Certificate(app.certificatePem);
  const sha256 = Buffer.from(app.thumbprintSha256, 'hex').toString('base64url');
  const sha1 = createHash('sha1').update(certificate.raw).digest('base64url');
  const x5tS256 = decoded.header['x5t#S256'];
  const x5t = decoded.header.x5t;
  if ((x5tS256 !== undefined && x5tS256 !== sha256) || (x5tS256 === undefined && x5t !== undefined && x5t !== sha1)) {
    throw aadInvalidClientAssertion(`The key was not found. Thumbprint of key used by client: '${String(x5tS256 ?? x5t)}'. Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.`, correlationId);
  }
  if (!verifyJwtSignature(decoded, createPublicKey(app.certificatePem))) {
    throw aadInvalidClientAssertion('The signature of the client assertion does not match the registered certificate.', correlationId);
  }
  const { aud, exp, nbf, iss, sub } = decoded.payload;
  const now = Math.floor(Date.now() / 1000);
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(tokenEndpointUrl)) throw aadInvalidClientAssertion(`Audience validation failed. Expected '${tokenEndpointUrl}', got '${String(aud)}'.`, correlationId);
  if (typeof exp !== 'number' || exp <= now) throw aadInvalidClientAssertion('The client assertion has expired (exp).', correlationId);
  if (typeof nbf === 'number' && nbf > now + 300) throw aadInvalidClientAssertion('The client assertion is not yet valid (nbf).', correlationId);
  if (iss !== app.clientId || sub !== app.clientId) throw aadInvalidClientAssertion('The iss and sub claims must both be the client id.', correlationId);
}

function deviceCodeGrant(ctx: EmulatorContext, req: EmulatorRequest, form: URLSearchParams, correlationId: string | undefined): Reply {
  const deviceCode = form.get('device_code');
  if (!deviceCode) throw aadMissingParameter('device_code', correlationId);
  const record = ctx.state.data.deviceCodes.find((c) => c.deviceCode === deviceCode);
  if (!record || record.clientId !== (form.get('client_id') ?? '').toLowerCase()) throw aadBadVerificationCode(correlationId);
  const app = publicClientApp(ctx, record.clientId, req.params.tenant ?? '', correlationId);
  if (record.expiresAt <= Date.now()) throw aadExpiredDeviceCode(correlationId);
  if (record.status === 'pending') throw aadAuthorizationPending(correlationId);
  ctx.state.data.deviceCodes = ctx.state.data.deviceCodes.filter((c) => c !== record);
  if (record.status === 'denied') throw aadAuthorizationDeclined(correlationId);
  const user = record.upn ? ctx.state.entraUser(record.upn) : undefined;
  if (!user) throw aadAuthorizationDeclined(correlationId);
  const tenantSegment = req.params.tenant ?? '';
  const tenant = resolveTenant(ctx, tenantSegment, correlationId);
  if (tenant && tenant.id !== user.tenantId) throw aadUserNotInTenant(user.upn, tenantSegment, record.clientId, correlationId);
  const { audience, resource } = resolveResource(ctx, record.scope, { tenantName: tenantSegment, defaultOnly: false, correlationId });
  checkDelegatedScope(ctx, app, record.scope, resource, correlationId);
  const home = ctx.state.tenant(user.tenantId);
  if (home?.policies.blockDeviceCode) throw aadBlockedByConditionalAccess(correlationId);
  if (home?.policies.requireMfa) throw aadMfaRequired(resource, correlationId);
  signInConsent(ctx, app, user, correlationId);
  return userTokens(ctx, req, { user, audience, clientId: record.clientId, scope: record.scope, flow: 'device-code' });
}

/**
 * The code from /authorize, redeemed once, by the client and at the tenant it was issued to, with the same
 * redirect_uri and the PKCE verifier of its challenge. A loopback redirect is the "Mobile and desktop
 * applications" platform, a public client: no secret, and presenting one is 700025 (scenario-desktop-app-
 * registration.md; the platform is inferred from the URI). Any other redirect is a web one and needs the
 * app's secret or certificate.
 */
function authorizationCodeGrant(ctx: EmulatorContext, req: EmulatorRequest, form: URLSearchParams, correlationId: string | undefined): Reply {
  const code = form.get('code');
  if (!code) throw aadMissingParameter('code', correlationId);
  const record = ctx.state.data.authorizationCodes.get(code);
  const clientId = basicAuth(req)?.clientId ?? form.get('client_id');
  if (!record || record.clientId !== (clientId ?? '').toLowerCase()) throw aadMalformedRequest('invalid_grant', correlationId);
  if (record.redeemed) throw aadAuthorizationCodeRedeemed(correlationId);
  if (record.expiresAt <= Date.now()) throw aadAuthorizationCodeExpired(correlationId);
  const tenantSegment = req.params.tenant ?? '';
  if (tenantSegment.toLowerCase() !== record.tenantSegment.toLowerCase()) throw aadCodeForOtherTenant(correlationId);
  const redirectUri = form.get('redirect_uri');
  if (redirectUri !== record.redirectUri) throw aadReplyAddressMismatch(redirectUri ?? '', record.redirectUri, correlationId);
  const app = ctx.state.app(record.clientId);
  if (!app) throw aadApplicationNotFound(record.clientId, tenantSegment, correlationId);
  const secret = basicAuth(req)?.secret ?? form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (isLoopbackRedirect(record.redirectUri)) {
    if (secret !== null || assertion !== null) throw aadPublicClientWithCredential(correlationId);
  } else if (assertion !== null) {
    verifyAssertion(app, assertion, `${ctx.baseUrl}${req.url.pathname}`, correlationId);
  } else if (secret === null) {
    throw aadMissingCredential(correlationId);
  } else if (secret !== app.clientSecret) {
    throw aadInvalidClientSecret(app.clientId, correlationId);
  }
  if (record.codeChallenge !== null) {
    const verifier = form.get('code_verifier');
    if (!verifier) throw aadCodeVerifierMissing(correlationId);
    if (!verifierMatches(verifier, record.codeChallenge, record.codeChallengeMethod)) throw aadCodeVerifierMismatch(correlationId);
  }
  record.redeemed = true;
  const user = ctx.state.entraUser(record.upn);
  if (!user) throw aadMalformedRequest('invalid_grant', correlationId);
  const scope = form.get('scope') ?? record.scope;
  const { audience, resource } = resolveResource(ctx, scope, { tenantName: tenantSegment, defaultOnly: false, correlationId });
  checkDelegatedScope(ctx, app, scope, resource, correlationId);
  return userTokens(ctx, req, { user, audience, clientId: app.clientId, scope, flow: 'authorization-code', ...(record.nonce === null ? {} : { nonce: record.nonce }) });
}

/** Delegated flows without a credential need "Allow public client flows" on the registration (7000218 otherwise). */
function publicClientApp(ctx: EmulatorContext, clientId: string, tenantSegment: string, correlationId: string | undefined): AppCredentials {
  const app = ctx.state.app(clientId);
  if (!app) throw aadApplicationNotFound(clientId, tenantSegment, correlationId);
  if (!app.publicClient) throw aadPublicClientNotAllowed(correlationId);
  return app;
}

/**
 * `<org>/user_impersonation` always names the delegated permission; `<org>/.default` asks for what the
 * registration lists statically, so an app without a static Dataverse permission gets no Dataverse consent
 * ("use a <environment-url>/user_impersonation scope for a public client", powerapps-docs authenticate-oauth.md).
 */
function checkDelegatedScope(ctx: EmulatorContext, app: AppCredentials, scope: string, resource: string, correlationId: string | undefined): void {
  const asksDefault = resourceScopes(scope).some((s) => s.endsWith('/.default'));
  if (asksDefault && !app.staticDataversePermission) throw aadResourceNotInRegistration(ctx.options.defaultScopeWithoutPermissionCode, app.clientId, app.name, resource, correlationId);
}

/**
 * A user's first sign-in to an app without a service principal in the user's tenant: with user consent
 * allowed (Entra's default) the sign-in consents and creates it; disabled → 65001; admin consent
 * workflow → 90094 (entra reference-error-codes.md).
 */
export function signInConsent(ctx: EmulatorContext, app: AppCredentials, user: EntraUserRecord, correlationId: string | undefined): void {
  if (ctx.state.servicePrincipal(user.tenantId, app.clientId)) return;
  const policy = ctx.state.tenant(user.tenantId)?.policies.userConsent ?? 'allow';
  if (policy === 'deny') throw aadConsentRequired(app.clientId, app.name, correlationId);
  if (policy === 'admin-approval') throw aadAdminConsentRequired(correlationId);
  ctx.state.grantConsent(user.tenantId, app.clientId);
}

/** RFC 7636 §4.6: S256 compares BASE64URL(SHA256(verifier)), plain the verifier itself. */
function verifierMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  return derived === challenge;
}

function refreshTokenGrant(ctx: EmulatorContext, req: EmulatorRequest, form: URLSearchParams, correlationId: string | undefined): Reply {
  const token = form.get('refresh_token');
  const record = token ? ctx.state.data.refreshTokens.get(token) : undefined;
  if (!record || record.clientId !== (form.get('client_id') ?? '').toLowerCase()) throw aadInvalidRefreshToken(correlationId);
  const user = ctx.state.entraUser(record.upn);
  if (!user) throw aadInvalidRefreshToken(correlationId);
  const tenantSegment = req.params.tenant ?? '';
  const app = refreshingApp(ctx, record, tenantSegment, correlationId);
  const scope = form.get('scope') ?? record.scope;
  const { audience, resource } = resolveResource(ctx, scope, { tenantName: tenantSegment, defaultOnly: false, correlationId });
  checkDelegatedScope(ctx, app, scope, resource, correlationId);
  return userTokens(ctx, req, { user, audience, clientId: record.clientId, scope, flow: record.flow });
}

/**
 * "Allow public client flows" governs device code (and ROPC) only (scenario-desktop-app-registration.md): a
 * refresh token from a browser sign-in refreshes without it (inferred from the same page: loopback needs only
 * a redirect URI); one from device code keeps needing it.
 */
function refreshingApp(ctx: EmulatorContext, record: RefreshTokenRecord, tenantSegment: string, correlationId: string | undefined): AppCredentials {
  if (record.flow === 'device-code') return publicClientApp(ctx, record.clientId, tenantSegment, correlationId);
  const app = ctx.state.app(record.clientId);
  if (!app) throw aadApplicationNotFound(record.clientId, tenantSegment, correlationId);
  return app;
}

function userTokens(
  ctx: EmulatorContext,
  req: EmulatorRequest,
  args: { user: EntraUserRecord; audience: string; clientId: string; scope: string; flow: RefreshTokenRecord['flow']; nonce?: string },
): Reply {
  const refreshToken = randomBytes(32).toString('base64url');
  ctx.state.data.refreshTokens.set(refreshToken, { clientId: args.clientId, upn: args.user.upn, scope: args.scope, flow: args.flow });
  req.note.caller = { appId: args.clientId, upn: args.user.upn };
  return tokenReply(ctx, {
    scope: resourceScopes(args.scope).join(' '),
    access_token: userAccessToken(ctx, { audience: args.audience, user: args.user, clientId: args.clientId }),
    refresh_token: refreshToken,
    id_token: idToken(ctx, args.user, args.clientId, args.nonce),
    client_info: clientInfo(args.user),
  });
}

function tokenReply(ctx: EmulatorContext, fields: Record<string, string>): Reply {
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
    body: { token_type: 'Bearer', expires_in: ctx.options.tokenLifetimeSeconds, ext_expires_in: ctx.options.tokenLifetimeSeconds, ...fields },
  };
}
