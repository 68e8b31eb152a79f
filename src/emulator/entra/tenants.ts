/** Resolving the `{tenant}` path segment of Entra routes. */
import type { EmulatorContext } from '../context.js';
import { aadTenantNotFound } from '../wire-errors.js';
import type { TenantRecord } from '../state.js';

/** The multi-tenant aliases real Entra accepts in place of a tenant. */
export const TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

export function isTenantAlias(segment: string): boolean {
  return (TENANT_ALIASES as readonly string[]).includes(segment.toLowerCase());
}

/** A tenant by id or domain; 90002 when unknown. Aliases resolve to undefined (the caller decides). */
export function resolveTenant(ctx: EmulatorContext, segment: string, correlationId?: string): TenantRecord | undefined {
  if (isTenantAlias(segment)) return undefined;
  const tenant = ctx.state.tenant(segment);
  if (!tenant) throw aadTenantNotFound(segment, correlationId);
  return tenant;
}

/** `client-request-id` from the query or form body: real Entra echoes it as the correlation id. */
export function correlationIdOf(url: URL, form?: URLSearchParams): string | undefined {
  return url.searchParams.get('client-request-id') ?? form?.get('client-request-id') ?? undefined;
}
