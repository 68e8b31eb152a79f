/**
 * An OIDC issuer the emulator runs itself, as a CI provider does (GitHub: docs.github.com "About security
 * hardening with OpenID Connect"), so workload identity federation can be tested end to end. Its own RSA key,
 * not Entra's token key. Routes under /_emulator/oidc (never faulted):
 *   GET  .well-known/openid-configuration, GET keys   discovery and JWKS
 *   POST token {subject, audience?, lifetimeSeconds?} → {token} (a negative lifetime mints an expired one)
 *   GET  actions?subject=…&audience=…                 GitHub's ID-token request: `Authorization: Bearer
 *        <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` → {count, value}; the client appends `&audience=` to the URL it is given
 *        (Azure/azure-sdk-for-js gitHubActionsCredential.ts; terraform-provider-power-platform auth.go).
 *   GET  /_emulator/oidc                              {issuer, actionsRequestUrl, actionsRequestToken}
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { EmulatorContext, EmulatorRequest, Reply } from './context.js';
import { signJwt } from './jwt.js';
import { TOKEN_EXCHANGE_AUDIENCE } from './seed.js';
import { route, type Route } from './server.js';
import { EmulatorError, controlError } from './wire-errors.js';

/** GitHub does not document its ID tokens' lifetime; 10 minutes (inferred). */
const TOKEN_LIFETIME_SECONDS = 600;

export function oidcIssuer(ctx: Pick<EmulatorContext, 'baseUrl'>): string {
  return `${ctx.baseUrl}/_emulator/oidc`;
}

export function oidcToken(ctx: EmulatorContext, subject: string, audience = TOKEN_EXCHANGE_AUDIENCE, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): string {
  const now = Math.floor(Date.now() / 1000);
  const iat = Math.min(now, now + lifetimeSeconds - 60);
  return signJwt({ iss: oidcIssuer(ctx), sub: subject, aud: audience, iat, nbf: iat, exp: now + lifetimeSeconds, jti: randomUUID() }, ctx.oidc.keys.privateKey, { kid: ctx.oidc.keys.kid });
}

function bodyOf(req: EmulatorRequest): Record<string, unknown> {
  try {
    const value = JSON.parse(req.body.toString('utf8') || '{}') as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw controlError(400, 'The body must be a JSON object.');
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** GitHub answers a missing or wrong request token with an error body, never a token (statuses inferred: 401 missing, 403 wrong). */
function checkBearer(ctx: EmulatorContext, req: EmulatorRequest): void {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) throw new EmulatorError(401, { message: 'Requires authentication' }, { 'WWW-Authenticate': 'Bearer' });
  const sent = Buffer.from(header.slice(7));
  const expected = Buffer.from(ctx.oidc.actionsRequestToken);
  if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) throw new EmulatorError(403, { message: 'The request token is not valid.' });
}

const O = '^/_emulator/oidc';

export const oidcRoutes: Route[] = [
  route('GET', new RegExp(`${O}$`), (ctx) => ({
    status: 200,
    body: { issuer: oidcIssuer(ctx), actionsRequestUrl: `${oidcIssuer(ctx)}/actions`, actionsRequestToken: ctx.oidc.actionsRequestToken },
  })),
  route('GET', new RegExp(`${O}/\\.well-known/openid-configuration$`), (ctx): Reply => ({
    status: 200,
    body: {
      issuer: oidcIssuer(ctx),
      jwks_uri: `${oidcIssuer(ctx)}/keys`,
      subject_types_supported: ['public'],
      response_types_supported: ['id_token'],
      claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid'],
    },
  })),
  route('GET', new RegExp(`${O}/keys$`), (ctx) => {
    const jwk = ctx.oidc.keys.publicKey.export({ format: 'jwk' });
    return { status: 200, body: { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: ctx.oidc.keys.kid, n: jwk.n, e: jwk.e }] } };
  }),
  route('POST', new RegExp(`${O}/token$`), (ctx, req) => {
    const body = bodyOf(req);
    if (!nonEmpty(body.subject)) throw controlError(400, '"subject" is required (a non-empty string).');
    if (body.audience !== undefined && !nonEmpty(body.audience)) throw controlError(400, '"audience" must be a non-empty string.');
    if (body.lifetimeSeconds !== undefined && !Number.isInteger(body.lifetimeSeconds)) throw controlError(400, '"lifetimeSeconds" must be an integer (negative: already expired).');
    return { status: 200, body: { token: oidcToken(ctx, body.subject, body.audience as string | undefined, body.lifetimeSeconds as number | undefined) } };
  }),
  route('GET', new RegExp(`${O}/actions$`), (ctx, req) => {
    checkBearer(ctx, req);
    const subject = req.url.searchParams.get('subject');
    if (!subject) throw controlError(400, 'The request URL needs "subject=<sub>" (the emulator stands in for the workflow GitHub would derive it from).');
    const audience = req.url.searchParams.get('audience') || undefined;
    return { status: 200, body: { count: 1, value: oidcToken(ctx, subject, audience) } };
  }),
];
