/**
 * A token source shaped like the Azure CLI, for tests of clients that run `az account get-access-token
 * --resource <org url> [--tenant <t>] --output json` (test/emulator/support/fake-az.mjs asks these routes).
 *   GET /_emulator/azure-cli/token?resource=&tenant=   az's JSON: accessToken, expiresOn (local
 *       "YYYY-MM-DD HH:MM:SS.ffffff"), expires_on (POSIX seconds), subscription, tenant, tokenType
 *       (MicrosoftDocs/azure-docs-cli docs-ref-conceptual/includes/refresh-token.md "Example output").
 *   PUT /_emulator/azure-cli {upn | null}               who is logged in (null: nobody, as after `az logout`).
 * Errors answer `{ "error": "<text az prints after ERROR: >" }`.
 */
import type { EmulatorContext, EmulatorRequest, Reply } from './context.js';
import { orgUrl } from './context.js';
import { userAccessToken } from './entra/issue.js';
import { route, type Route } from './server.js';
import { derivedId } from './state.js';
import { EmulatorError, aadTenantNotFound, aadUnknownResource, aadUserNotInTenant, controlError } from './wire-errors.js';

/** The Azure CLI's public client id (azure-sdk-for-js identity constants.ts, "this is the Azure CLI clientID"). */
export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** az's own words when no account is logged in. */
export const AZ_LOGIN_REQUIRED = "Please run 'az login' to setup account.";

function azError(status: number, text: string): EmulatorError {
  return new EmulatorError(status, { error: text });
}

/** An AADSTS refusal as az prints it: the description, then how to sign in for that resource (field; inferred). */
function azAadError(error: EmulatorError, resource: string): EmulatorError {
  const description = (error.body as { error_description: string }).error_description;
  return azError(400, `${description}\nInteractive authentication is needed. Please run:\naz login --scope ${resource}/.default`);
}

function pad(value: number, size = 2): string {
  return String(value).padStart(size, '0');
}

/** `expiresOn` is a local datetime with microseconds (the same docs page). */
function localDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds() * 1000, 6)}`;
}

function token(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const upn = ctx.state.data.azureCliUpn;
  const user = upn === null ? undefined : ctx.state.entraUser(upn);
  if (!user) throw azError(401, AZ_LOGIN_REQUIRED);
  const resource = (req.url.searchParams.get('resource') ?? '').replace(/\/+$/, '');
  const tenantParam = req.url.searchParams.get('tenant');
  const tenant = tenantParam ? ctx.state.tenant(tenantParam) : ctx.state.tenant(user.tenantId);
  if (!tenant) throw azAadError(aadTenantNotFound(tenantParam ?? ''), resource);
  if (tenant.id !== user.tenantId) throw azAadError(aadUserNotInTenant(user.upn, tenantParam ?? tenant.id, AZURE_CLI_CLIENT_ID), resource);
  const org = ctx.state.data.orgs.find((o) => orgUrl(ctx, o.name).toLowerCase() === resource.toLowerCase());
  if (!org) throw azAadError(aadUnknownResource(resource, tenant.id), resource);
  // The Azure CLI is a first-party client, pre-authorized: no consent step (inferred).
  const expires = new Date(Date.now() + ctx.options.tokenLifetimeSeconds * 1000);
  return {
    status: 200,
    body: {
      accessToken: userAccessToken(ctx, { audience: orgUrl(ctx, org.name), user, clientId: AZURE_CLI_CLIENT_ID }),
      expiresOn: localDateTime(expires),
      expires_on: Math.floor(expires.getTime() / 1000),
      subscription: derivedId('azure-cli-subscription', tenant.id),
      tenant: tenant.id,
      tokenType: 'Bearer',
    },
  };
}

export const azureCliRoutes: Route[] = [
  route('GET', /^\/_emulator\/azure-cli\/token$/, token),
  route('PUT', /^\/_emulator\/azure-cli$/, (ctx, req) => {
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw controlError(400, 'The body must be a JSON object {"upn": "<upn>" | null}.');
    }
    const upn = (body as { upn?: unknown } | null)?.upn;
    if (upn !== null && typeof upn !== 'string') throw controlError(400, '"upn" must be the UPN of an Entra user, or null to log out.');
    if (typeof upn === 'string' && !ctx.state.entraUser(upn)) throw controlError(400, `No Entra user ${upn}.`);
    ctx.state.data.azureCliUpn = typeof upn === 'string' ? (ctx.state.entraUser(upn)?.upn ?? upn) : null;
    return { status: 200, body: { upn: ctx.state.data.azureCliUpn } };
  }),
];
