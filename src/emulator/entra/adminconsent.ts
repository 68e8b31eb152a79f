/**
 * GET /{tenant}/adminconsent and /{tenant}/v2.0/adminconsent (wire ref §2): the emulated admin always accepts,
 * which creates the app's service principal in the tenant. `redirect_uri` is Required and "must exactly match
 * one of the redirect URIs that you registered" (entra-docs v2-oauth2-client-creds-grant-flow.md): an
 * unregistered one is refused with 50011 before anything happens; a missing one on an app with no URIs
 * still records the consent, then shows 500113 (observed in the field); a missing one on an app with URIs
 * returns to the first registered URI (inferred). Errors of a known app redirect as real Entra does.
 */
import type { EmulatorContext, EmulatorRequest, Reply } from '../context.js';
import { aadApplicationNotFound, aadMissingParameter, aadNoReplyAddress, aadRedirectUriMismatch } from '../wire-errors.js';
import { resolveTenant } from './tenants.js';

function redirect(location: string, params: Record<string, string>): Reply {
  const target = new URL(location);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return { status: 302, headers: { Location: target.toString() } };
}

export function adminConsent(ctx: EmulatorContext, req: EmulatorRequest, version: 'v1' | 'v2'): Reply {
  const query = req.url.searchParams;
  const tenantSegment = req.params.tenant ?? '';
  const admin = ctx.state.entraUser(ctx.state.data.adminUpn);
  const tenant = resolveTenant(ctx, tenantSegment) ?? (admin ? ctx.state.tenant(admin.tenantId) : undefined);
  const clientId = query.get('client_id');
  const redirectUri = query.get('redirect_uri');
  const state = query.get('state');
  if (!clientId) throw aadMissingParameter('client_id');
  req.note.caller = { appId: clientId, ...(admin ? { upn: admin.upn } : {}) };
  const app = ctx.state.app(clientId);
  if (!tenant || !app || (!app.multiTenant && app.homeTenantId !== tenant.id)) {
    const error = aadApplicationNotFound(clientId, tenantSegment);
    if (!redirectUri) throw error;
    const body = error.body as { error: string; error_description: string };
    return redirect(redirectUri, { error: body.error, error_description: body.error_description, ...(state === null ? {} : { state }) });
  }
  if (redirectUri !== null && !app.redirectUris.includes(redirectUri)) throw aadRedirectUriMismatch(app.clientId, redirectUri);
  ctx.state.grantConsent(tenant.id, app.clientId);
  const target = redirectUri ?? app.redirectUris[0];
  if (target === undefined) throw aadNoReplyAddress();
  const params: Record<string, string> = { admin_consent: 'True', tenant: tenant.id };
  if (version === 'v2' && query.get('scope') !== null) params.scope = query.get('scope') ?? '';
  if (state !== null) params.state = state;
  return redirect(target, params);
}

