import { readFile } from 'node:fs/promises';
import axios from 'axios';
import { DvpkgError } from '../errors.js';
import { sendWithRetry, type SendHooks } from '../http/send.js';
import { fileErrorReason } from '../util/file-errors.js';
import { tokenFileProblem, type AssertionSource } from './credentials.js';

/**
 * The external token a federated sign-in presents as its client assertion
 * (entra-docs v2-oauth2-client-creds-grant-flow.md, "Third case"). A token file is read at each
 * sign-in because its writer (Kubernetes, an Azure Pipelines task) rotates it; the GitHub Actions
 * token is requested from the job's token service with the audience Entra expects, as @azure/identity's
 * GitHubActionsCredential and the Power Platform terraform provider do (`&audience=` appended to
 * ACTIONS_ID_TOKEN_REQUEST_URL, the request token as a bearer, the JWT in `value`).
 */
export async function federatedAssertion(source: AssertionSource, audience: string, hooks: SendHooks = {}): Promise<string> {
  if (source.kind === 'file') {
    let text: string;
    try {
      text = (await readFile(source.path, 'utf8')).trim();
    } catch (error) {
      throw new DvpkgError('DVPKG_SIGN_IN_FAILED', `${source.source} ${source.path}: cannot read the federated token (${fileErrorReason(error)})`);
    }
    const problem = tokenFileProblem(source, text);
    if (problem) throw new DvpkgError('DVPKG_SIGN_IN_FAILED', problem);
    return text;
  }
  let url: URL;
  try {
    url = new URL(source.requestUrl);
  } catch {
    throw new DvpkgError('DVPKG_SIGN_IN_FAILED', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL; is this a GitHub Actions job with "permissions: id-token: write"?');
  }
  url.searchParams.set('audience', audience);
  const target = url.toString();
  const response = await sendWithRetry(
    target,
    () => axios.get<unknown>(target, { headers: { Authorization: `Bearer ${source.requestToken}`, Accept: 'application/json' }, validateStatus: () => true, timeout: 30_000, maxRedirects: 0, ...(hooks.signal ? { signal: hooks.signal } : {}) }),
    hooks,
  ).catch((error: unknown) => {
    if (hooks.signal?.aborted) throw error;
    throw new DvpkgError('DVPKG_SIGN_IN_FAILED', `could not reach the GitHub Actions token service at ${url.origin} (${(error as { code?: string }).code ?? 'no answer'})`);
  });
  const value = (response.data as { value?: unknown } | undefined)?.value;
  if (response.status !== 200 || typeof value !== 'string' || value === '') {
    throw new DvpkgError(
      'DVPKG_SIGN_IN_FAILED',
      `the GitHub Actions token service at ${url.origin} answered ${response.status} without a token; the job needs "permissions: id-token: write"`,
    );
  }
  return value;
}
