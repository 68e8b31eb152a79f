/**
 * Mapping requested scopes to a resource: `{orgUrl}/.default` (or `{orgUrl}//.default`) names an org, and
 * `{discoveryUrl}/.default` the Global Discovery Service (the emulator's stand-in for
 * `https://globaldisco.crm.dynamics.com`, powerapps-docs discovery-service.md).
 */
import type { EmulatorContext } from '../context.js';
import { discoveryUrl, orgUrl } from '../context.js';
import { aadInvalidScope, aadUnknownResource } from '../wire-errors.js';
import type { OrgState } from '../state.js';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export function resourceScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
}

/**
 * The resource the scopes address: its token audience, and the org when it is one (none for the discovery
 * service). Client credentials accept only one `/.default` scope; delegated flows also accept
 * `/user_impersonation`. Unknown resource → 500011, malformed → 70011.
 */
export function resolveResource(
  ctx: EmulatorContext,
  scope: string | null,
  args: { tenantName: string; defaultOnly: boolean; correlationId?: string | undefined },
): { audience: string; resource: string; org?: OrgState } {
  const scopes = resourceScopes(scope ?? '');
  if (scopes.length !== 1) throw aadInvalidScope(scope ?? '', args.correlationId);
  const only = scopes[0] ?? '';
  const slash = only.lastIndexOf('/');
  const permission = only.slice(slash + 1);
  if (slash <= 0 || (permission !== '.default' && (args.defaultOnly || permission !== 'user_impersonation'))) {
    throw aadInvalidScope(only, args.correlationId);
  }
  const resource = only.slice(0, slash).replace(/\/+$/, '');
  if (resource.toLowerCase() === discoveryUrl(ctx).toLowerCase()) return { audience: discoveryUrl(ctx), resource };
  const org = ctx.state.data.orgs.find((o) => orgUrl(ctx, o.name).toLowerCase() === resource.toLowerCase());
  if (!org) throw aadUnknownResource(resource, args.tenantName, args.correlationId);
  return { audience: orgUrl(ctx, org.name), resource, org };
}
