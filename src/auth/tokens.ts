import { ConfidentialClientApplication, LogLevel, PublicClientApplication, type AccountInfo, type Configuration } from '@azure/msal-node';
import { DvpkgError } from '../errors.js';
import { redactSecrets, registerSecret } from '../util/redact.js';
import { aadstsCode, explainAadsts } from './aadsts.js';
import { msalAuthorityConfig } from './authority.js';
import { retryingNetworkClient, type RetryingNetworkClient } from './network.js';
import type { RetryHooks } from '../util/http-retry.js';

/**
 * The only module that talks to msal-node. It hands out tokens for one org and
 * turns msal failures into DVPKG_SIGN_IN_FAILED with the AADSTS code explained.
 */

export type Credential =
  | { kind: 'device-code'; clientId: string; onCode: (message: string) => void }
  | { kind: 'client-secret'; clientId: string; secret: string }
  | { kind: 'certificate'; clientId: string; privateKeyPem: string; thumbprintSha256: string; certificatePem?: string };

export interface TokenSourceOptions {
  credential: Credential;
  authorityHost: string;
  tenant: string;
  orgUrl: string;
  retry?: RetryHooks;
}

export interface SignedInTokenSource {
  getToken(forceRefresh: boolean): Promise<string>;
  /** Who signed in: a UPN for device code, the client id otherwise. */
  readonly identity: () => string | undefined;
}

function baseConfig(options: TokenSourceOptions, clientId: string, network: RetryingNetworkClient): Configuration {
  const authority = msalAuthorityConfig(options.authorityHost, options.tenant);
  return {
    auth: {
      clientId,
      authority: authority.authority,
      ...(authority.authorityMetadata ? { authorityMetadata: authority.authorityMetadata } : {}),
      ...(authority.knownAuthorities ? { knownAuthorities: authority.knownAuthorities } : {}),
    },
    system: {
      networkClient: network,
      disableInternalRetries: true,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  };
}

export function signInFailed(error: unknown, who: string, networkFailure?: string): DvpkgError {
  const code = aadstsCode(error);
  const meaning = explainAadsts(code);
  const networkError = (error as { errorCode?: unknown }).errorCode === 'network_error';
  const raw = networkError && networkFailure ? networkFailure : error instanceof Error ? error.message : String(error);
  const detail = redactSecrets(raw.split(/\r?\n/)[0] ?? raw).slice(0, 400);
  const message = code ? `sign-in as ${who} failed: AADSTS${code}${meaning ? ` (${meaning})` : ''}` : `sign-in as ${who} failed: ${detail}`;
  return new DvpkgError('DVPKG_SIGN_IN_FAILED', message);
}

export function createTokenSource(options: TokenSourceOptions): SignedInTokenSource {
  const scopes = [`${options.orgUrl.replace(/\/+$/, '')}/.default`];
  const credential = options.credential;
  const network = retryingNetworkClient(options.retry);
  if (credential.kind === 'device-code') {
    const app = new PublicClientApplication(baseConfig(options, credential.clientId, network));
    let account: AccountInfo | null = null;
    return {
      identity: () => account?.username,
      async getToken(forceRefresh) {
        try {
          if (account) {
            // A refresh that fails mid-run (revoked, sign-in frequency policy) asks the admin to sign in
            // again rather than abandoning work under way.
            const silent = await app.acquireTokenSilent({ account, scopes, forceRefresh }).catch(() => null);
            if (silent?.accessToken) return silent.accessToken;
          }
          const result = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (response) => credential.onCode(response.message) });
          if (!result?.accessToken) throw new Error('no access token in the response');
          account = result.account;
          return result.accessToken;
        } catch (error) {
          throw signInFailed(error, 'the signed-in admin (device code)', network.lastFailure());
        }
      },
    };
  }
  const config = baseConfig(options, credential.clientId, network);
  const confidential = new ConfidentialClientApplication({
    ...config,
    auth: {
      ...config.auth,
      ...(credential.kind === 'client-secret'
        ? { clientSecret: credential.secret }
        : {
            clientCertificate: {
              thumbprintSha256: credential.thumbprintSha256,
              privateKey: credential.privateKeyPem,
              ...(credential.certificatePem ? { x5c: credential.certificatePem } : {}),
            },
          }),
    },
  });
  if (credential.kind === 'client-secret') registerSecret(credential.secret);
  else registerSecret(credential.privateKeyPem);
  return {
    identity: () => credential.clientId,
    async getToken(forceRefresh) {
      try {
        const result = await confidential.acquireTokenByClientCredential({ scopes, skipCache: forceRefresh });
        if (!result?.accessToken) throw new Error('no access token in the response');
        return result.accessToken;
      } catch (error) {
        throw signInFailed(error, `app ${credential.clientId}`, network.lastFailure());
      }
    },
  };
}
