/** GUID helpers the emulator needs: parse the forms clients send, and derive stable ids. */
import { createHash } from 'node:crypto';

const GUID_TEXT = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** `{ABC…}` or `abc…` to the lower-case form Dataverse answers with; undefined for anything else. */
export function normalizeGuid(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const braced = text.startsWith('{');
  if (braced !== text.endsWith('}')) return undefined;
  const parts = GUID_TEXT.exec(text);
  return parts ? parts.slice(1).join('-').toLowerCase() : undefined;
}

/** Name-based UUID, version 5 (RFC 9562 §5.5): stable ids for rows the emulator derives. */
export function nameBasedUuid(name: string, namespace: string): string {
  const digest = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}
