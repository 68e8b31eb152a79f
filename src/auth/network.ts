import axios from 'axios';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { sendWithRetry, type SendHooks } from '../http/send.js';

/**
 * msal-node's HTTP client, replaced so that token requests go through dvpkg's one retry engine.
 * msal itself would cache a 429 or 5xx as a throttle for 60 s and fail every identical request
 * until then; here they are retried first, honouring Retry-After.
 */
export interface RetryingNetworkClient extends INetworkModule {
  /** Why the last request failed without an answer; msal reports only "network_error". */
  lastFailure(): string | undefined;
  /**
   * The AADSTS code of the last error Entra answered. msal does not always pass it on: a device-code
   * request refused with 90002 (unknown tenant) reaches the caller as a bare "bad_verification_code".
   */
  lastErrorCode(): string | undefined;
}

export function retryingNetworkClient(hooks: SendHooks = {}): RetryingNetworkClient {
  let lastFailure: string | undefined;
  let lastErrorCode: string | undefined;
  const send = async <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> => {
    const response = await sendWithRetry(
      url,
      () =>
        axios.request<T>({
          method,
          url,
          headers: options?.headers ?? {},
          ...(method === 'POST' ? { data: options?.body ?? '' } : {}),
          timeout: timeout ?? 60_000,
          validateStatus: () => true,
          maxRedirects: 0,
          responseType: 'json',
          transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
          ...(hooks.signal ? { signal: hooks.signal } : {}),
        }),
      hooks,
    ).catch((error: unknown) => {
      // Only the URL and the error code: an axios error carries the request, i.e. the credential.
      lastFailure = `network request to ${new URL(url).origin} failed (${(error as { code?: string }).code ?? 'no answer'})`;
      throw new Error(lastFailure);
    });
    const codes = (response.data as { error_codes?: unknown } | undefined)?.error_codes;
    if (response.status >= 400 && Array.isArray(codes) && codes.length > 0) lastErrorCode ??= String(codes[0]);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(response.headers)) if (typeof value === 'string') headers[key] = value;
    return { headers, body: response.data, status: response.status };
  };
  return {
    lastFailure: () => lastFailure,
    lastErrorCode: () => lastErrorCode,
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>('GET', url, options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}
