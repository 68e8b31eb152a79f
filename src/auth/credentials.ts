import { readFileSync } from 'node:fs';
import { usageError } from '../errors.js';
import { normalizeGuid } from '../spec/guid.js';
import type { Redactor } from '../runtime/output.js';
import { readCertificateFile, type CertificateCredential } from './certificate-file.js';
import { fileErrorReason } from '../util/file-errors.js';
import { displayAvailable } from './system-browser.js';

/**
 * The one place credentials are resolved, for the runner and for `dvpkg verify`, with one
 * precedence: a flag, then the DVPKG_* variable, then the Azure SDK's name for it. Every file is
 * read here (a federated token file excepted: it is rotated under a running process, so it is read
 * at each sign-in), and every secret is registered for redaction before anything can echo a value.
 */

/** Where a federated (workload identity) assertion comes from. */
export type AssertionSource =
  | { kind: 'file'; path: string; source: string }
  /** The GitHub Actions job's OIDC token, requested per sign-in (docs.github.com, "OpenID Connect"). */
  | { kind: 'github-actions'; requestUrl: string; requestToken: string };

export type Credential =
  | { kind: 'browser'; clientId: string; openBrowser: boolean }
  | { kind: 'device-code'; clientId: string }
  | { kind: 'client-secret'; clientId: string; secret: string }
  | ({ kind: 'certificate'; clientId: string } & CertificateCredential)
  | { kind: 'federated'; clientId: string; assertion: AssertionSource }
  | { kind: 'azure-cli' };

export type AuthMode = Credential['kind'];
export const AUTH_MODES: readonly AuthMode[] = ['browser', 'device-code', 'client-secret', 'certificate', 'federated', 'azure-cli'];
/** A person signs in: the admin's own account, through the ISV's public client. */
export const PERSON_MODES: readonly AuthMode[] = ['browser', 'device-code'];

/** Each setting with its environment names, in precedence order after the flag. */
export const CREDENTIAL_ENV = {
  clientId: ['DVPKG_CLIENT_ID', 'AZURE_CLIENT_ID'],
  secret: ['DVPKG_CLIENT_SECRET', 'AZURE_CLIENT_SECRET'],
  certificate: ['DVPKG_CLIENT_CERTIFICATE_PATH', 'AZURE_CLIENT_CERTIFICATE_PATH'],
  tenant: ['DVPKG_TENANT_ID', 'AZURE_TENANT_ID'],
  /** The Azure SDK's WorkloadIdentityCredential name, as Kubernetes and Azure Pipelines tasks set it. */
  federatedTokenFile: ['DVPKG_FEDERATED_TOKEN_FILE', 'AZURE_FEDERATED_TOKEN_FILE'],
  actionsRequestUrl: ['ACTIONS_ID_TOKEN_REQUEST_URL'],
  actionsRequestToken: ['ACTIONS_ID_TOKEN_REQUEST_TOKEN'],
} as const;

export interface CredentialFlags {
  /** Absent: a certificate if one is given, else a secret, else a federated token, else `fallback`. */
  auth?: AuthMode;
  clientId?: string;
  clientSecretFile?: string;
  certificate?: string;
  federatedTokenFile?: string;
  /** Browser sign-in: open the system browser (false: only print the URL). */
  openBrowser?: boolean;
}

/**
 * How a person signs in when no --auth says: in the system browser where one can open, else with a
 * device code, and then a note saying why and how to choose.
 */
export function personSignInMode(env: NodeJS.ProcessEnv): { mode: AuthMode; note?: string } {
  const display = displayAvailable(env);
  if (display.available) return { mode: 'browser' };
  return { mode: 'device-code', note: `signing in with a device code: ${display.reason ?? 'no browser can be opened here'}; use --auth browser to sign in through a browser anyway (its URL is printed)` };
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

/**
 * How long a federated sign-in retries AADSTS70021 for a credential added moments ago:
 * DVPKG_FEDERATED_WAIT_SECONDS, default 60 (Entra documents the delay and asks for retries, not its length).
 */
export function federatedWaitMs(env: NodeJS.ProcessEnv): number {
  const raw = env['DVPKG_FEDERATED_WAIT_SECONDS'];
  if (raw === undefined || raw === '') return 60_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw usageError(`DVPKG_FEDERATED_WAIT_SECONDS ${raw}: expected a number of seconds`);
  return seconds * 1000;
}

/** Every secret a credential setting can hold, registered before any message can echo one. */
export function redactCredentialEnv(env: NodeJS.ProcessEnv, redactor: Redactor): void {
  for (const name of [...CREDENTIAL_ENV.secret, ...CREDENTIAL_ENV.actionsRequestToken]) redactor.add(env[name]);
}

function federatedSource(flags: CredentialFlags, env: NodeJS.ProcessEnv): AssertionSource | undefined {
  const file = fromFlagOrEnv('--federated-token-file', flags.federatedTokenFile, CREDENTIAL_ENV.federatedTokenFile, env);
  if (file) return { kind: 'file', path: file.value, source: file.source };
  const requestUrl = fromFlagOrEnv('', undefined, CREDENTIAL_ENV.actionsRequestUrl, env);
  const requestToken = fromFlagOrEnv('', undefined, CREDENTIAL_ENV.actionsRequestToken, env);
  if (requestUrl && requestToken) return { kind: 'github-actions', requestUrl: requestUrl.value, requestToken: requestToken.value };
  return undefined;
}

/** Read once up front so a wrong path is a usage error; it is read again at each sign-in (it is rotated). */
function checkTokenFile(source: Extract<AssertionSource, { kind: 'file' }>): void {
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8').trim();
  } catch (error) {
    throw usageError(`${source.source} ${source.path}: cannot read it (${fileErrorReason(error)})`);
  }
  const problem = tokenFileProblem(source, text);
  if (problem) throw usageError(problem);
}

/** What is wrong with a federated token file's text, if anything: it must hold a compact JWS (three base64url parts). */
export function tokenFileProblem(source: Extract<AssertionSource, { kind: 'file' }>, text: string): string | undefined {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(text) ? undefined : `${source.source} ${source.path}: does not hold a token (expected a JWT, three base64url parts separated by dots)`;
}

export function resolveCredential(
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
  /** `fallback`: the mode when nothing chooses one; without it, finding no credential is a usage error. */
  defaults: { fallback?: AuthMode; clientId?: string; publicClientId: string },
): Credential {
  redactCredentialEnv(env, redactor);
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
  const federated = federatedSource(flags, env);
  const mode = flags.auth ?? (certificate ? 'certificate' : secret ? 'client-secret' : federated ? 'federated' : defaults.fallback);
  if (mode === undefined) {
    throw usageError(
      `no app credential: set ${CREDENTIAL_ENV.secret.at(-1)}, pass --certificate <pem> (or set ${CREDENTIAL_ENV.certificate.at(-1)}), pass --federated-token-file <file> (or set ${CREDENTIAL_ENV.federatedTokenFile.at(-1)}, or run in GitHub Actions with "permissions: id-token: write"), or use --auth azure-cli`,
    );
  }
  if (mode === 'browser') return { kind: 'browser', clientId: defaults.publicClientId, openBrowser: flags.openBrowser ?? true };
  if (mode === 'device-code') return { kind: 'device-code', clientId: defaults.publicClientId };
  if (mode === 'azure-cli') return { kind: 'azure-cli' };

  const idRaw = fromFlagOrEnv('--client-id', flags.clientId, CREDENTIAL_ENV.clientId, env) ?? (defaults.clientId ? { value: defaults.clientId, source: 'the package' } : undefined);
  if (!idRaw) throw usageError(`--auth ${mode} needs --client-id <your app's client id> (or ${CREDENTIAL_ENV.clientId.join(' or ')})`);
  const clientId = normalizeGuid(idRaw.value);
  if (!clientId) throw usageError(`${idRaw.source} ${idRaw.value}: expected a GUID (the app's client id)`);
  if (mode === 'client-secret') {
    if (!secret?.value) throw usageError(`--auth client-secret: no secret; set ${CREDENTIAL_ENV.secret.join(' or ')}, or use --client-secret-file <file>`);
    return { kind: 'client-secret', clientId, secret: secret.value };
  }
  if (mode === 'federated') {
    if (!federated) {
      throw usageError(
        `--auth federated: no federated token; pass --federated-token-file <file> (or set ${CREDENTIAL_ENV.federatedTokenFile.join(' or ')}), or run in a GitHub Actions job with "permissions: id-token: write" (which sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)`,
      );
    }
    if (federated.kind === 'file') checkTokenFile(federated);
    return { kind: 'federated', clientId, assertion: federated };
  }
  if (!certificate) throw usageError(`--auth certificate needs --certificate <pem file with the private key and certificate> (or ${CREDENTIAL_ENV.certificate.join(' or ')})`);
  const pair = readCertificateFile(certificate.value, certificate.source);
  redactor.add(pair.privateKeyPem);
  return { kind: 'certificate', clientId, ...pair };
}
