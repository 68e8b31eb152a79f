import { readFileSync } from 'node:fs';
import { usageError } from '../errors.js';
import { normalizeGuid } from '../spec/guid.js';
import type { Redactor } from '../runtime/output.js';
import { readCertificateFile, type CertificateCredential } from './certificate-file.js';
import { fileErrorReason } from '../util/file-errors.js';

/**
 * The one place credentials are resolved, for the runner and for `dvpkg verify`, with one
 * precedence: a flag, then the DVPKG_* variable, then the Azure SDK's name for it. Every file is
 * read here, and every secret is registered for redaction before anything that can echo a value.
 */

export type Credential =
  | { kind: 'device-code'; clientId: string }
  | { kind: 'client-secret'; clientId: string; secret: string }
  | ({ kind: 'certificate'; clientId: string } & CertificateCredential);

export type AuthMode = Credential['kind'];
export const AUTH_MODES: readonly AuthMode[] = ['device-code', 'client-secret', 'certificate'];

/** Each setting with its environment names, in precedence order after the flag. */
export const CREDENTIAL_ENV = {
  clientId: ['DVPKG_CLIENT_ID', 'AZURE_CLIENT_ID'],
  secret: ['DVPKG_CLIENT_SECRET', 'AZURE_CLIENT_SECRET'],
  certificate: ['DVPKG_CLIENT_CERTIFICATE_PATH', 'AZURE_CLIENT_CERTIFICATE_PATH'],
  tenant: ['DVPKG_TENANT_ID', 'AZURE_TENANT_ID'],
} as const;

export interface CredentialFlags {
  /** Absent: a certificate if one is given, else a secret if one is given, else `fallback`. */
  auth?: AuthMode;
  clientId?: string;
  clientSecretFile?: string;
  certificate?: string;
}

/** A value and where it came from, so a message names the flag or variable the user set. */
export interface Sourced {
  value: string;
  source: string;
}

export function fromFlagOrEnv(flag: string, flagValue: string | undefined, names: readonly string[], env: NodeJS.ProcessEnv): Sourced | undefined {
  if (flagValue !== undefined) return { value: flagValue, source: flag };
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { value, source: name };
  }
  return undefined;
}

export function resolveCredential(
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
  defaults: { fallback: AuthMode; clientId?: string; publicClientId: string },
): Credential {
  // Secrets first: a message about a later setting may echo a value that is in fact the secret.
  for (const name of CREDENTIAL_ENV.secret) redactor.add(env[name]);
  const secretFile = flags.clientSecretFile;
  let secret: Sourced | undefined;
  if (secretFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(secretFile, 'utf8').trim();
    } catch (error) {
      throw usageError(`--client-secret-file ${secretFile}: cannot read it (${fileErrorReason(error)})`);
    }
    redactor.add(text);
    secret = { value: text, source: '--client-secret-file' };
  } else secret = fromFlagOrEnv('', undefined, CREDENTIAL_ENV.secret, env);
  const certificate = fromFlagOrEnv('--certificate', flags.certificate, CREDENTIAL_ENV.certificate, env);
  const mode: AuthMode = flags.auth ?? (certificate ? 'certificate' : secret ? 'client-secret' : defaults.fallback);
  if (mode === 'device-code') return { kind: 'device-code', clientId: defaults.publicClientId };

  const idRaw = fromFlagOrEnv('--client-id', flags.clientId, CREDENTIAL_ENV.clientId, env) ?? (defaults.clientId ? { value: defaults.clientId, source: 'the package' } : undefined);
  if (!idRaw) throw usageError(`--auth ${mode} needs --client-id <your app's client id> (or ${CREDENTIAL_ENV.clientId.join(' or ')})`);
  const clientId = normalizeGuid(idRaw.value);
  if (!clientId) throw usageError(`${idRaw.source} ${idRaw.value}: expected a GUID (the app's client id)`);
  if (mode === 'client-secret') {
    if (!secret?.value) throw usageError(`--auth client-secret: no secret; set ${CREDENTIAL_ENV.secret.join(' or ')}, or use --client-secret-file <file>`);
    return { kind: 'client-secret', clientId, secret: secret.value };
  }
  if (!certificate) throw usageError(`--auth certificate needs --certificate <pem file with the private key and certificate> (or ${CREDENTIAL_ENV.certificate.join(' or ')})`);
  const pair = readCertificateFile(certificate.value, certificate.source);
  redactor.add(pair.privateKeyPem);
  return { kind: 'certificate', clientId, ...pair };
}
