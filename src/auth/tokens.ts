import { ConfidentialClientApplication, LogLevel, PublicClientApplication, type AccountInfo, type Configuration } from '@azure/msal-node';
import { DvpkgError } from '../errors.js';
import { aadstsCode, explainAadsts, type SignInFlow } from './aadsts.js';
import { msalAuthorityConfig } from './authority.js';
import type { Credential } from './credentials.js';
import { retryingNetworkClient, type RetryingNetworkClient } from './network.js';
import type { SendHooks } from '../http/send.js';

/**
 * The only module that talks to msal-node. It hands out tokens for one org and turns msal
 * failures into DVPKG_SIGN_IN_FAILED with the AADSTS code explained for the flow in use.
 */

export interface TokenSourceOptions {
  credential: Credential;
  authorityHost: string;
  tenant: string;
  orgUrl: string;
  onDeviceCode?: (message: string) => void;
  hooks?: SendHooks;
}

export interface SignedInTokenSource {
  getToken(forceRefresh: boolean): Promise<string>;
  /** Who signed in: a UPN for a person, the client id for an app. */
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

export function signInFailed(error: unknown, who: string, flow: SignInFlow, network?: RetryingNetworkClient): DvpkgError {
  const code = aadstsCode(error) ?? network?.lastErrorCode();
  const meaning = explainAadsts(code, flow);
  const networkError = (error as { errorCode?: unknown }).errorCode === 'network_error';
  const networkFailure = network?.lastFailure();
  // msal's own text is neither the user's words nor guaranteed free of request details: only its first line.
  const raw = networkError && networkFailure ? networkFailure : error instanceof Error ? error.message : String(error);
  const detail = (raw.split(/\r?\n/)[0] ?? raw).slice(0, 300);
  const message = code ? `sign-in as ${who} failed: AADSTS${code}${meaning ? ` (${meaning})` : ''}` : `sign-in as ${who} failed: ${detail}`;
  return new DvpkgError('DVPKG_SIGN_IN_FAILED', message);
}

export function createTokenSource(options: TokenSourceOptions): SignedInTokenSource {
  const org = options.orgUrl.replace(/\/+$/, '');
  const credential = options.credential;
  const network = retryingNetworkClient(options.hooks);
  if (credential.kind === 'device-code') {
    // A public client asks for the delegated permission itself; `.default` would ask only for the
    // app's statically configured permissions (authenticate-oauth.md, IMPORTANT note).
    const scopes = [`${org}/user_impersonation`];
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
          // A refused device-code request still reaches this callback, with no code to show.
          const result = await app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (response) => { if (response.userCode) options.onDeviceCode?.(response.message); } });
          if (!result?.accessToken) throw new Error('no access token in the response');
          account = result.account;
          return result.accessToken;
        } catch (error) {
          throw signInFailed(error, 'the signed-in admin (device code)', 'user', network);
        }
      },
    };
  }
  const scopes = [`${org}/.default`];
  const config = baseConfig(options, credential.clientId, network);
  const confidential = new ConfidentialClientApplication({
    ...config,
    auth: {
      ...config.auth,
      ...(credential.kind === 'client-secret'
        ? { clientSecret: credential.secret }
        : { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKeyPem, x5c: credential.certificatePem } }),
    },
  });
  return {
    identity: () => credential.clientId,
    async getToken(forceRefresh) {
      try {
        const result = await confidential.acquireTokenByClientCredential({ scopes, skipCache: forceRefresh });
        if (!result?.accessToken) throw new Error('no access token in the response');
        return result.accessToken;
      } catch (error) {
        throw signInFailed(error, `app ${credential.clientId}`, 'app', network);
      }
    },
  };
}
