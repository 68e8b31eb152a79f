/**
 * A real self-signed X.509 v3 certificate built from a minimal DER encoder, so tests get a certificate
 * `crypto.X509Certificate` parses and msal-node can send as `x5c` — without openssl or a dependency.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface GeneratedCertificate {
  certificatePem: string;
  privateKeyPem: string;
  /** Hex sha256 of the certificate DER: what msal-node's `thumbprintSha256` expects. */
  thumbprintSha256: string;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (tagNumber: number, content: Buffer) => tlv(0xa0 + tagNumber, content);
const nullValue = () => Buffer.from([0x05, 0x00]);
const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bitString = (content: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));

function integer(value: Buffer): Buffer {
  let bytes = value;
  while (bytes.length > 1 && bytes[0] === 0 && ((bytes[1] ?? 0) & 0x80) === 0) bytes = bytes.subarray(1);
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function objectId(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [part & 0x7f];
    for (let n = part >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 requires. */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectId(COMMON_NAME), utf8String(commonName))));
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const keyPairs = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();

/**
 * An RSA key pair per purpose (the token-signing key, one per app), generated once per process: key
 * generation costs a few hundred milliseconds, and a test suite starts hundreds of emulators. Keys
 * of different purposes still differ, so one app's key never verifies as another's.
 */
export function keyPairFor(purpose: string): { publicKey: KeyObject; privateKey: KeyObject } {
  let pair = keyPairs.get(purpose);
  if (!pair) {
    pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPairs.set(purpose, pair);
  }
  return pair;
}

export function createSelfSignedCertificate(options: { commonName: string; validDays?: number; keyPair?: { publicKey: KeyObject; privateKey: KeyObject } }): GeneratedCertificate {
  const { publicKey, privateKey } = options.keyPair ?? generateKeyPairSync('rsa', { modulusLength: 2048 });
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (options.validDays ?? 365) * 86_400_000);
  const algorithm = sequence(objectId(SHA256_WITH_RSA), nullValue());
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name(options.commonName),
    sequence(time(notBefore), time(notAfter)),
    name(options.commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  return {
    certificatePem: toPem('CERTIFICATE', der),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: createHash('sha256').update(der).digest('hex'),
  };
}
