import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usageError } from '../errors.js';
import { fileErrorReason } from '../util/file-errors.js';

export interface CertificateCredential {
  privateKeyPem: string;
  certificatePem: string;
  thumbprintSha256: string;
}

/** A PEM file with the private key and the certificate registered on the app. */
export function readCertificateFile(file: string, source: string): CertificateCredential {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`${source} ${file}: cannot read it (${fileErrorReason(error)})`);
  }
  const key = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(text)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  if (!key) throw usageError(`${source} ${file}: no private key found; expected a PEM file with a PRIVATE KEY block and a CERTIFICATE block`);
  if (!cert) throw usageError(`${source} ${file}: no certificate found; expected a PEM file with a PRIVATE KEY block and a CERTIFICATE block`);
  try {
    createPrivateKey(key);
    const x509 = new X509Certificate(cert);
    return { privateKeyPem: key, certificatePem: cert, thumbprintSha256: createHash('sha256').update(x509.raw).digest('hex') };
  } catch (error) {
    // Node's text names what is wrong with the key or certificate, never its bytes.
    throw usageError(`${source} ${file}: not a usable key and certificate (${(error as Error).message})`);
  }
}
