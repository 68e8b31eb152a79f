import { ConfidentialClientApplication, CryptoProvider, LogLevel, PublicClientApplication, ResponseMode, type AccountInfo, type Configuration } from '@azure/msal-node';
import { DvpkgError } from '../errors.js';
import { poll, systemClock } from '../runtime/clock.js';
import { aadstsCode, explainAadsts, type SignInFlow } from './aadsts.js';
import { msalAuthorityConfig } from './authority.js';
import type { Credential } from './credentials.js';
import { federatedAssertion } from './federated-token.js';
import { retryingNetworkClient, type RetryingNetworkClient } from './network.js';
import { listenForCode } from './loopback-redirect.js';
import { openSystemBrowser } from './system-browser.js';
import type { ProviderContext, TokenProvider } from './token-provider.js';

/**
 * The only module that talks to msal-node (its public-client support may be dropped in a future
 * major, signin-research.md Q2: everything else sees a TokenProvider). One msal application per
 * tenant: a person signs in once, and every org of the tenant gets its token silently from the
 * refresh token. msal failures become DVPKG_SIGN_IN_FAILED with the AADSTS code explained for the flow.
 */

/** A person's sign-in in the browser is wall-clock time, whatever clock the run uses. */
const BROWSER_SIGN_IN_TIMEOUT_MS = 10 * 60_000;
const FEDERATED_RETRY_INTERVAL_MS = 5_000;

function baseConfig(ctx: ProviderContext, clientId: string, network: RetryingNetworkClient): Configuration {
  const authority = msalAuthorityConfig(ctx.authorityHost, ctx.tenant);
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
  if (error instanceof DvpkgError) return error;
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

export function personProvider(credential: Extract<Credential, { kind: 'browser' | 'device-code' }>, ctx: ProviderContext): TokenProvider {
  const network = retryingNetworkClient(ctx.hooks);
  const app = new PublicClientApplication(baseConfig(ctx, credential.clientId, network));
  const flow = credential.kind;
  const who = flow === 'browser' ? 'the signed-in admin (browser)' : 'the signed-in admin (device code)';
  const crypto = new CryptoProvider();
  let account: AccountInfo | null = null;
  const signIn = async (scopes: string[]) => {
    if (flow === 'device-code') {
      // A refused device-code request still reaches this callback, with no code to show.
      return app.acquireTokenByDeviceCode({ scopes, deviceCodeCallback: (response) => { if (response.userCode) ctx.onDeviceCode?.(response.message); } });
    }
    // Authorization code with PKCE on a loopback redirect (entra-docs v2-oauth2-auth-code-flow.md). msal builds
    // the URL and redeems the code; the listener is dvpkg's, so it closes on a timeout or an interruption too.
    const pkce = await crypto.generatePkceCodes();
    const state = crypto.createNewGuid();
    const loopback = await listenForCode(state, {
      timeoutMs: BROWSER_SIGN_IN_TIMEOUT_MS,
      ...(ctx.hooks.signal ? { signal: ctx.hooks.signal } : {}),
      timeoutMessage: `sign-in as ${who} failed: nobody completed the sign-in in the browser within ${BROWSER_SIGN_IN_TIMEOUT_MS / 60_000} minutes; run again`,
    });
    try {
      const url = await app.getAuthCodeUrl({ scopes, redirectUri: loopback.redirectUri, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', state, responseMode: ResponseMode.FORM_POST, prompt: 'select_account' });
      ctx.onBrowserSignIn?.(url, credential.openBrowser ? await openSystemBrowser(url) : false);
      const { code } = await loopback.answer;
      return await app.acquireTokenByCode({ code, scopes, redirectUri: loopback.redirectUri, codeVerifier: pkce.verifier });
    } finally {
      loopback.close();
    }
  };
  // Orgs of one tenant asking at once share one interactive sign-in; a first sign-in that failed is not
  // asked again for every org (one browser tab or device code per tenant, whatever the concurrency).
  let first: Promise<unknown> | undefined;
  let firstFailure: DvpkgError | undefined;
  return {
    identity: () => account?.username,
    async token(resource, forceRefresh) {
      // A public client asks for the delegated permission itself; `.default` would ask only for the
      // app's statically configured permissions (authenticate-oauth.md, IMPORTANT note).
      const scopes = [`${resource}/user_impersonation`];
      if (!account && first) await first.catch(() => undefined);
      if (!account && firstFailure) throw firstFailure;
      try {
        if (account) {
          // Another org of the tenant, or a renewal: the refresh token serves it without asking the admin.
          // A refresh that fails mid-run (revoked, sign-in frequency) asks again rather than abandoning work under way.
          const silent = await app.acquireTokenSilent({ account, scopes, forceRefresh }).catch(() => null);
          if (silent?.accessToken) return silent.accessToken;
        }
        const signing = signIn(scopes);
        if (!account) first = signing;
        const result = await signing;
        if (!result?.accessToken) throw new Error('no access token in the response');
        account = result.account;
        return result.accessToken;
      } catch (error) {
        const failed = signInFailed(error, who, flow, network);
        if (!account && !ctx.hooks.signal?.aborted) firstFailure = failed;
        throw failed;
      }
    },
  };
}

export function appProvider(credential: Extract<Credential, { kind: 'client-secret' | 'certificate' | 'federated' }>, ctx: ProviderContext): TokenProvider {
  const network = retryingNetworkClient(ctx.hooks);
  const config = baseConfig(ctx, credential.clientId, network);
  const secretOrKey =
    credential.kind === 'client-secret'
      ? { clientSecret: credential.secret }
      : credential.kind === 'certificate'
        ? { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKeyPem, x5c: credential.certificatePem } }
        : { clientAssertion: () => federatedAssertion(credential.assertion, ctx.cloud.federatedAudience, ctx.hooks) };
  const confidential = new ConfidentialClientApplication({ ...config, auth: { ...config.auth, ...secretOrKey } });
  const flow: SignInFlow = credential.kind === 'federated' ? 'federated' : 'app';
  const who = `app ${credential.clientId}${credential.kind === 'federated' ? ' (federated)' : ''}`;
  const once = async (resource: string, forceRefresh: boolean) => {
    try {
      const result = await confidential.acquireTokenByClientCredential({ scopes: [`${resource}/.default`], skipCache: forceRefresh });
      if (!result?.accessToken) throw new Error('no access token in the response');
      return result.accessToken;
    } catch (error) {
      throw Object.assign(signInFailed(error, who, flow, network), { aadsts: aadstsCode(error) ?? network.lastErrorCode() });
    }
  };
  return {
    identity: () => credential.clientId,
    async token(resource, forceRefresh) {
      if (credential.kind !== 'federated' || !ctx.federatedWaitMs) return once(resource, forceRefresh);
      // Entra: a new federated credential takes a while to be in effect, and 70021 is the answer until then;
      // "we also recommend adding retry logic" (workload-identity-federation-create-trust.md).
      const clock = ctx.hooks.clock ?? systemClock;
      const deadline = clock.now() + ctx.federatedWaitMs;
      const waited = await poll<string>(
        async (attempt) => {
          try {
            return { done: true, value: await once(resource, forceRefresh) };
          } catch (error) {
            if ((error as { aadsts?: string }).aadsts !== '70021' || clock.now() + FEDERATED_RETRY_INTERVAL_MS > deadline) throw error;
            ctx.hooks.onRetry?.({ target: 'federated sign-in', attempt, delayMs: FEDERATED_RETRY_INTERVAL_MS, reason: 'AADSTS70021, no matching federated credential (yet)' });
            return { done: false };
          }
        },
        { intervalMs: () => FEDERATED_RETRY_INTERVAL_MS, deadline, clock, ...(ctx.hooks.signal ? { signal: ctx.hooks.signal } : {}) },
      );
      if ('timedOut' in waited) throw new DvpkgError('DVPKG_SIGN_IN_FAILED', `sign-in as ${who} failed: AADSTS70021 (${explainAadsts('70021', 'federated')})`);
      return waited.value;
    },
  };
}
