import type { AxiosResponse } from 'axios';
import { sleep } from './sleep.js';
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, type RetryPolicy } from '../dataverse/retry.js';

/**
 * For requests that are safe to repeat (token requests, tenant discovery, the consent
 * probe): retries 429 after `Retry-After`, and 502/503/504 and dropped connections with
 * capped exponential backoff and jitter. The last answer or error is returned as is.
 */

export interface RetryHooks {
  policy?: Partial<RetryPolicy>;
  onRetry?: (event: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

export async function sendWithRetry<T>(url: string, send: () => Promise<AxiosResponse<T>>, hooks: RetryHooks = {}): Promise<AxiosResponse<T>> {
  const policy = { ...DEFAULT_RETRY, ...hooks.policy };
  const wait = hooks.sleep ?? sleep;
  let failures = 0;
  let throttledMs = 0;
  for (let attempt = 1; ; attempt++) {
    let response: AxiosResponse<T> | undefined;
    let failure: unknown;
    try {
      response = await send();
    } catch (error) {
      failure = error;
    }
    if (response && !RETRYABLE.has(response.status)) return response;
    const header = response?.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof header === 'string' ? header : undefined);
    let delayMs: number;
    if (response?.status === 429) {
      delayMs = retryDelayMs(attempt, policy, retryAfterMs, hooks.random ?? Math.random);
      if ((retryAfterMs ?? 0) > policy.maxRetryAfterMs || throttledMs + delayMs > policy.maxThrottleWaitMs) return response;
      throttledMs += delayMs;
    } else {
      failures++;
      if (failures >= policy.maxAttempts) {
        if (response) return response;
        throw failure;
      }
      delayMs = retryDelayMs(failures, policy, retryAfterMs, hooks.random ?? Math.random);
    }
    hooks.onRetry?.({ url, attempt, delayMs, reason: response ? String(response.status) : ((failure as { code?: string }).code ?? 'network error') });
    await wait(delayMs);
  }
}
