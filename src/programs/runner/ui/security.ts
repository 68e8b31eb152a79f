import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The checks every request to the `--ui` page passes, as pure functions. The page runs a deploy with the
 * admin's sign-in, so only the browser tab that opened the printed URL may talk to it: a per-run token
 * (256 bits), then an HttpOnly SameSite=Strict cookie; a Host of this loopback port only (a DNS-rebinding
 * page has another Host); an Origin of this port on every POST (another site cannot post to it).
 */

export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Sent with every answer, refusals included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const origins = (port: number) => [`127.0.0.1:${port}`, `localhost:${port}`];

export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && origins(port).includes(host.toLowerCase());
}

/** Same-origin: the Origin names this server as the Host did (a POST without an Origin is refused too). */
export function originAllowed(origin: string | undefined, host: string | undefined, port: number): boolean {
  return origin !== undefined && hostAllowed(host, port) && origin.toLowerCase() === `http://${host!.toLowerCase()}`;
}

/** Per port: two runs at once on one machine share the browser's cookies for 127.0.0.1. */
export function cookieName(port: number): string {
  return `dvpkg_ui_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

export function cookieToken(header: string | undefined, port: number): string | undefined {
  const name = `${cookieName(port)}=`;
  return header
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(name))
    ?.slice(name.length);
}
