import { createHash } from 'node:crypto';

const GUID = /^\{?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}?$/;

/** Lower-case, brace-less form, or undefined when the text is not a GUID (braces must pair). */
export function normalizeGuid(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.startsWith('{') !== text.endsWith('}')) return undefined;
  const match = GUID.exec(text);
  return match ? match.slice(1, 6).join('-').toLowerCase() : undefined;
}

/** Braced lower-case form, as Dataverse writes role ids in solution XML. */
export function bracedGuid(id: string): string {
  return `{${id}}`;
}

/** Namespace for role ids dvpkg derives; fixed forever, since a changed id deletes the role on upgrade. */
export const ROLE_ID_NAMESPACE = '6f1c2a44-6d2e-4b8e-9a53-0c7d1e5b9f20';

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name). */
export function uuidV5(name: string, namespace: string = ROLE_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The stable id of a role that declares none: publisher unique name (case-insensitive) + role name. */
export function deriveRoleId(publisherUniqueName: string, roleName: string): string {
  return uuidV5(`${publisherUniqueName.toLowerCase()}/${roleName}`);
}
