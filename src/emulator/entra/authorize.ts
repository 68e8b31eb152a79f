/**
 * GET /{tenant}/oauth2/v2.0/authorize and the emulator's sign-in form (POST /{tenant}/login): the authorization
 * code flow with PKCE (entra-docs v2-oauth2-auth-code-flow.md). Problems with the client or its redirect URI are
 * shown on a page (400) and never redirected; everything after that goes back to the redirect URI with
 * `response_mode` query, fragment or form_post (msal-node 7 always asks form_post).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import {
  EmulatorError,
  aadApplicationNotFound,
  aadFlowTokenExpired,
  aadInvalidCodeChallenge,
  aadLoginRequired,
  aadMalformedRequest,
  aadMissingParameter,
  aadNoReplyAddress,
  aadRedirectUriMismatch,
  aadUnsupportedResponseMode,
  aadUnsupportedResponseType,
  aadUserCancelled,
  aadUserNotInTenant,
} from '../wire-errors.js';
import type { AppCredentials } from '../seed.js';
import type { EntraUserRecord, OrgState, TenantRecord } from '../state.js';
import { clientInfo } from './issue.js';
import { errorPage, formPostPage, signInPage } from './html.js';
import { redirectUriRegistered } from './redirect-uri.js';
import { resolveResource, resourceScopes } from './resource.js';
import { resolveTenant } from './tenants.js';
import { formOf, signInConsent } from './token.js';

type ResponseMode = 'query' | 'fragment' | 'form_post';

/** An authorize request whose client and redirect URI are valid: from here on errors go to the redirect URI. */
interface ValidRequest {
  tenantSegment: string;
  tenant: TenantRecord | undefined;
  app: AppCredentials;
  redirectUri: string;
  responseMode: ResponseMode;
  query: Record<string, string>;
  correlationId: string | undefined;
}

const RESPONSE_MODES = new Set<string>(['query', 'fragment', 'form_post']);

/** The `error` values RFC 6749 §4.1.2.1 and OIDC Core §3.1.2.6 allow on an authorization response. */
const AUTHORIZE_ERRORS = new Set(['invalid_request', 'unauthorized_client', 'access_denied', 'unsupported_response_type', 'invalid_scope', 'server_error', 'temporarily_unavailable', 'interaction_required', 'login_required', 'consent_required', 'invalid_resource']);

export function authorizeEndpoint(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const query = Object.fromEntries(req.url.searchParams);
  return onPage(() => {
    const request = validate(ctx, req.params.tenant ?? '', query);
    req.note.caller = { appId: request.app.clientId };
    return begin(ctx, request);
  });
}

/** POST /{tenant}/login: the sign-in form's answer. The pending request is server-side; only its id comes back. */
export function signInSubmit(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const form = formOf(req);
  return onPage(() => {
    const pending = ctx.state.data.pendingSignIns.get(form.get('flow') ?? '');
    if (!pending) throw aadFlowTokenExpired();
    // Validated again: the registration may have changed while the form was open.
    const request = validate(ctx, pending.tenantSegment, pending.query);
    req.note.caller = { appId: request.app.clientId };
    if (form.get('action') === 'cancel') {
      ctx.state.data.pendingSignIns.delete(pending.id);
      return deliverError(request, aadUserCancelled(request.correlationId), { error_subcode: 'cancel' });
    }
    const account = (form.get('account') ?? '').trim();
    const user = account === '' ? undefined : ctx.state.entraUser(account);
    if (!user) {
      // The sign-in page's words for AADSTS50034 UserAccountNotFound; the form stays open.
      return signInPage({ action: loginUrl(ctx, pending.tenantSegment), flow: pending.id, account, appName: request.app.name, error: "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin. (AADSTS50034: We couldn't find an account with that username.)" });
    }
    ctx.state.data.pendingSignIns.delete(pending.id);
    req.note.caller = { appId: request.app.clientId, upn: user.upn };
    return complete(ctx, request, user);
  });
}

function onPage(run: () => Reply): Reply {
  try {
    return run();
  } catch (error) {
    if (error instanceof EmulatorError) return errorPage(error);
    throw error;
  }
}

function loginUrl(ctx: EmulatorContext, tenantSegment: string): string {
  return `${ctx.baseUrl}/${encodeURIComponent(tenantSegment)}/login`;
}

/** What Entra refuses on its own page: no client, unknown tenant or app, no or unregistered redirect URI, bad response_mode. */
function validate(ctx: EmulatorContext, tenantSegment: string, query: Record<string, string>): ValidRequest {
  const correlationId = query['client-request-id'];
  const clientId = query.client_id;
  if (!clientId) throw aadMissingParameter('client_id', correlationId);
  const tenant = resolveTenant(ctx, tenantSegment, correlationId);
  const app = ctx.state.app(clientId);
  if (!app || (!app.multiTenant && tenant !== undefined && app.homeTenantId !== tenant.id)) throw aadApplicationNotFound(clientId, tenantSegment, correlationId);
  if (app.redirectUris.length === 0) throw aadNoReplyAddress(correlationId);
  const redirectUri = query.redirect_uri;
  if (!redirectUri) throw aadMissingParameter('redirect_uri', correlationId);
  if (!redirectUriRegistered(app.redirectUris, redirectUri)) throw aadRedirectUriMismatch(app.clientId, redirectUri, correlationId);
  // "query: Default when requesting an access token" (v2-oauth2-auth-code-flow.md).
  const responseMode = query.response_mode ?? 'query';
  if (!RESPONSE_MODES.has(responseMode)) throw aadUnsupportedResponseMode(responseMode, correlationId);
  return { tenantSegment, tenant, app, redirectUri, responseMode: responseMode as ResponseMode, query, correlationId };
}

function begin(ctx: EmulatorContext, request: ValidRequest): Reply {
  const { query, correlationId } = request;
  let resourceOrg: OrgState | undefined;
  try {
    if (!query.response_type) throw aadMissingParameter('response_type', correlationId);
    if (query.response_type !== 'code') throw aadUnsupportedResponseType(query.response_type, correlationId);
    checkChallenge(query, correlationId);
    if (resourceScopes(query.scope ?? '').length > 0) resourceOrg = resolveResource(ctx, query.scope ?? '', { tenantName: request.tenantSegment, defaultOnly: false, correlationId }).org;
  } catch (error) {
    if (error instanceof EmulatorError) return deliverError(request, error);
    throw error;
  }
  if (ctx.state.data.settings.autoApproveBrowserSignIn) {
    // The admin of the tenant the sign-in names (its authority, else the org its scope addresses).
    const admin = ctx.state.entraUser(ctx.state.adminFor(request.tenant?.id ?? resourceOrg?.tenantId));
    if (admin) return complete(ctx, request, admin);
  }
  // No session to reuse when the form is on (inferred: auto-approval stands for a signed-in admin session).
  if (query.prompt === 'none') return deliverError(request, aadLoginRequired(correlationId));
  const id = randomUUID();
  ctx.state.data.pendingSignIns.set(id, { id, tenantSegment: request.tenantSegment, query });
  return signInPage({ action: loginUrl(ctx, request.tenantSegment), flow: id, account: query.login_hint ?? '', appName: request.app.name });
}

/**
 * S256 or plain ("The Microsoft identity platform supports both plain and S256"; without a method the challenge
 * is plain). An S256 challenge is a base64url SHA-256: 43 characters; a plain one is a verifier, 43 to 128.
 */
function checkChallenge(query: Record<string, string>, correlationId: string | undefined): void {
  const challenge = query.code_challenge;
  const method = query.code_challenge_method;
  if (method !== undefined && method !== 'S256' && method !== 'plain') throw aadMalformedRequest('invalid_request', correlationId);
  if (challenge === undefined) {
    if (method !== undefined) throw aadMissingParameter('code_challenge', correlationId);
    return;
  }
  const size = challenge.length;
  if (method === 'S256' ? size !== 43 : size < 43 || size > 128) throw aadInvalidCodeChallenge(correlationId);
}

/** After the user is known: tenant membership, consent, then a single-use code bound to the whole request. */
function complete(ctx: EmulatorContext, request: ValidRequest, user: EntraUserRecord): Reply {
  const { app, query, correlationId } = request;
  try {
    if (request.tenant && request.tenant.id !== user.tenantId) throw aadUserNotInTenant(user.upn, request.tenantSegment, app.clientId, correlationId);
    // blockDeviceCode does not apply here, and the browser sign-in stands for an MFA-capable one (requireMfa met).
    signInConsent(ctx, app, user, correlationId);
  } catch (error) {
    if (error instanceof EmulatorError) return deliverError(request, error);
    throw error;
  }
  const code = randomBytes(48).toString('base64url');
  ctx.state.data.authorizationCodes.set(code, {
    clientId: app.clientId,
    tenantSegment: request.tenantSegment,
    redirectUri: request.redirectUri,
    scope: query.scope ?? '',
    codeChallenge: query.code_challenge ?? null,
    codeChallengeMethod: query.code_challenge_method === 'S256' ? 'S256' : 'plain',
    nonce: query.nonce ?? null,
    upn: user.upn,
    expiresAt: Date.now() + ctx.options.authorizationCodeLifetimeSeconds * 1000,
    redeemed: false,
  });
  // msal asks `client_info=1` and reads client_info from the response (msal-node PublicClientApplication).
  const params: Record<string, string> = { code, ...(query.client_info === '1' ? { client_info: clientInfo(user) } : {}) };
  if (query.state !== undefined) params.state = query.state;
  params.session_state = randomUUID();
  return deliver(request, params);
}

/**
 * An error on the redirect: `error` (an authorization-response name; a token-endpoint name such as invalid_grant
 * becomes access_denied, 65001 consent_required: inferred) and `error_description` with the AADSTS text.
 */
function deliverError(request: ValidRequest, error: EmulatorError, extra: Record<string, string> = {}): Reply {
  const body = error.body as { error: string; error_description: string; error_codes: number[] };
  const name = AUTHORIZE_ERRORS.has(body.error) ? body.error : body.error_codes[0] === 65001 ? 'consent_required' : 'access_denied';
  const params: Record<string, string> = { error: name, error_description: body.error_description, ...extra };
  if (request.query.state !== undefined) params.state = request.query.state;
  return deliver(request, params);
}

function deliver(request: ValidRequest, params: Record<string, string>): Reply {
  if (request.responseMode === 'form_post') return formPostPage(request.redirectUri, params);
  const target = new URL(request.redirectUri);
  if (request.responseMode === 'fragment') target.hash = new URLSearchParams(params).toString();
  else for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return { status: 302, headers: { Location: target.toString() } };
}
