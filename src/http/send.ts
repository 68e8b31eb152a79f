import type { AxiosResponse } from 'axios';
import { systemClock } from '../runtime/clock.js';
import { parseRetryAfter, withRetry, type RetryHooks } from './retry.js';

/**
 * Requests outside the Web API that are safe to repeat (token requests, tenant discovery, the
 * consent probe), through the one retry engine. The last answer is returned as it is, so the
 * caller reads Entra's error body; a request that never got an answer throws its error.
 */

export interface SendHooks extends RetryHooks {
  /** Every attempt, for request counts (tenant discovery is a request to the org). */
  onRequest?: (event: { url: string; status: number | 'network-error' }) => void;
}

const RETRYABLE = new Set([502, 503, 504]);

function header(value: unknown): string | undefined {
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

export function sendWithRetry<T>(url: string, send: () => Promise<AxiosResponse<T>>, hooks: SendHooks = {}): Promise<AxiosResponse<T>> {
  const target = (() => {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  })();
  return withRetry<AxiosResponse<T>>(
    target,
    async () => {
      let response: AxiosResponse<T>;
      try {
        response = await send();
      } catch (error) {
        hooks.onRequest?.({ url, status: 'network-error' });
        const code = (error as { code?: string }).code ?? 'network error';
        if (code === 'ERR_CANCELED') throw error;
        return { kind: 'transient', reason: code, retryAfterMs: undefined, repeatable: true, giveUp: () => { throw error; } };
      }
      hooks.onRequest?.({ url, status: response.status });
      const retryAfterMs = parseRetryAfter(header(response.headers['retry-after']));
      if (response.status === 429) return { kind: 'throttled', retryAfterMs, giveUp: () => response };
      if (RETRYABLE.has(response.status)) return { kind: 'transient', reason: String(response.status), retryAfterMs, repeatable: true, giveUp: () => response };
      return { kind: 'ok', value: response };
    },
    { ...hooks, clock: hooks.clock ?? systemClock },
  );
}
