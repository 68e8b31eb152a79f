/** Mapping requested scopes to an org: `{orgUrl}/.default` (or `{orgUrl}//.default`) names the org as resource. */
import type { EmulatorContext } from '../context.js';
import { orgUrl } from '../context.js';
import { aadInvalidScope, aadUnknownResource } from '../wire-errors.js';
import type { OrgState } from '../state.js';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export function resourceScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()));
}

/**
 * The org the scopes address. Client credentials accept only one `/.default` scope; delegated flows also
 * accept `/user_impersonation`. Unknown resource → 500011, malformed → 70011.
 */
export function resolveResource(
  ctx: EmulatorContext,
  scope: string | null,
  args: { tenantName: string; defaultOnly: boolean; correlationId?: string | undefined },
): { org: OrgState; resource: string } {
  const scopes = resourceScopes(scope ?? '');
  if (scopes.length !== 1) throw aadInvalidScope(scope ?? '', args.correlationId);
  const only = scopes[0] ?? '';
  const slash = only.lastIndexOf('/');
  const permission = only.slice(slash + 1);
  if (slash <= 0 || (permission !== '.default' && (args.defaultOnly || permission !== 'user_impersonation'))) {
    throw aadInvalidScope(only, args.correlationId);
  }
  const resource = only.slice(0, slash).replace(/\/+$/, '');
  const org = ctx.state.data.orgs.find((o) => orgUrl(ctx, o.name).toLowerCase() === resource.toLowerCase());
  if (!org) throw aadUnknownResource(resource, args.tenantName, args.correlationId);
  return { org, resource };
}
