/** Compact JWS (RS256 / PS256) with node:crypto only: the emulator signs access tokens and checks client assertions. */
import { constants, createHash, sign, verify, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'RS256' | 'PS256';

export interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  x5t?: string;
  'x5t#S256'?: string;
  x5c?: string[];
  [name: string]: unknown;
}

export type JwtPayload = Record<string, unknown>;

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
}

export function base64UrlEncode(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function base64UrlJson(value: unknown): string {
  return base64UrlEncode(JSON.stringify(value));
}

function keyFor(alg: JwtAlgorithm, key: KeyObject) {
  return alg === 'PS256'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : { key, padding: constants.RSA_PKCS1_PADDING };
}

export function signJwt(payload: JwtPayload, privateKey: KeyObject, header: Omit<JwtHeader, 'alg'> & { alg?: JwtAlgorithm } = {}): string {
  const alg: JwtAlgorithm = header.alg ?? 'RS256';
  const signingInput = `${base64UrlJson({ typ: 'JWT', ...header, alg })}.${base64UrlJson(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), keyFor(alg, privateKey));
  return `${signingInput}.${base64UrlEncode(signature)}`;
}

/** Parses without checking anything; returns undefined for anything that is not a three-part JSON JWS. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as unknown;
    if (!isRecord(header) || !isRecord(payload) || typeof header.alg !== 'string') return undefined;
    return { header: header as JwtHeader, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
  } catch {
    return undefined;
  }
}

export function verifyJwtSignature(decoded: DecodedJwt, publicKey: KeyObject): boolean {
  const alg = decoded.header.alg;
  if (alg !== 'RS256' && alg !== 'PS256') return false;
  try {
    return verify('sha256', Buffer.from(decoded.signingInput), keyFor(alg, publicKey), decoded.signature);
  } catch {
    return false;
  }
}

/** RFC 7638 thumbprint, used as the `kid` of the emulator's signing key. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return base64UrlEncode(createHash('sha256').update(canonical).digest());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
