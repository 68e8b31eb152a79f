/**
 * Workload identity federation: a client_credentials `client_assertion` issued by an external OIDC provider
 * (entra-docs v2-oauth2-client-creds-grant-flow.md "Third case"; workload-identity-federation.md: Entra "validates
 * the external token against the OpenID Connect (OIDC) issuer URL"). The emulator can read the keys of one issuer
 * only, its own (`/_emulator/oidc`); any other issuer's assertion fails as one signed with an unpublished key.
 * Issuer matching is exact, so a trailing slash is a mismatch (Azure/login#175).
 */
import type { EmulatorContext } from '../context.js';
import { verifyJwtSignature, type DecodedJwt } from '../jwt.js';
import { oidcIssuer } from '../oidc.js';
import type { AppCredentials, FederatedCredentialRecord } from '../seed.js';
import {
  aadAssertionTimeRange,
  aadFederatedAudienceNotFound,
  aadFederatedIssuerNotFound,
  aadFederatedKeyNotFound,
  aadFederatedNoMatch,
  aadFederatedSubjectNotFound,
} from '../wire-errors.js';

/** Entra's own clock-skew allowance is undocumented; 5 minutes as for certificate assertions (inferred). */
const SKEW_SECONDS = 300;

export function credentialIssuer(ctx: EmulatorContext, credential: FederatedCredentialRecord): string {
  return credential.issuer ?? oidcIssuer(ctx);
}

/** Checks in the order the field errors imply: issuer, key and signature, time range, audience, subject, propagation. */
export function verifyFederatedAssertion(ctx: EmulatorContext, app: AppCredentials, decoded: DecodedJwt, correlationId: string | undefined): void {
  const { iss, sub, aud, exp, nbf } = decoded.payload;
  const issuer = String(iss);
  const byIssuer = app.federatedCredentials.filter((c) => credentialIssuer(ctx, c) === issuer);
  if (byIssuer.length === 0) throw aadFederatedIssuerNotFound(issuer, correlationId);
  const kid = String(decoded.header.kid ?? decoded.header.x5t ?? '');
  if (issuer !== oidcIssuer(ctx) || kid !== ctx.oidc.keys.kid || !verifyJwtSignature(decoded, ctx.oidc.keys.publicKey)) throw aadFederatedKeyNotFound(kid, issuer, correlationId);
  const now = Math.floor(Date.now() / 1000);
  if (typeof exp !== 'number' || exp + SKEW_SECONDS <= now || (typeof nbf === 'number' && nbf > now + SKEW_SECONDS)) throw aadAssertionTimeRange(correlationId);
  const audiences = (Array.isArray(aud) ? aud : [aud]).map(String);
  const byAudience = byIssuer.filter((c) => c.audiences.some((a) => audiences.includes(a)));
  if (byAudience.length === 0) throw aadFederatedAudienceNotFound(audiences.join(','), correlationId);
  const subject = String(sub);
  const match = byAudience.find((c) => c.subject === subject);
  const presented = { issuer, subject, audience: audiences.join(',') };
  if (!match) throw ctx.options.federatedSubjectMismatchCode === 70021 ? aadFederatedNoMatch(presented, correlationId) : aadFederatedSubjectNotFound(subject, correlationId);
  if (Date.now() < match.createdAt + ctx.options.federatedCredentialPropagationSeconds * 1000) throw aadFederatedNoMatch(presented, correlationId);
}
