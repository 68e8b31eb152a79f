/** The bearer tokens this emulator issued, checked as the Web API and the discovery service check them. */
import type { EmulatorContext, EmulatorRequest } from './context.js';
import { accessTokenIssuer } from './entra/issue.js';
import { decodeJwt, verifyJwtSignature } from './jwt.js';

const CLOCK_SKEW_SECONDS = 300;

/**
 * The claims of a bearer token this emulator signed for `audience`, still valid; undefined otherwise (the caller
 * answers 401 with its challenge).
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

