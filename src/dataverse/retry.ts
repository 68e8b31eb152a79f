/** Retry timing for the Web API client; pure so tests can check it without waiting. */

export interface RetryPolicy {
  /** Attempts in all for 5xx answers and dropped connections, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for; the request fails instead. */
  maxRetryAfterMs: number;
  /**
   * 429s are retried for as long as their waits add up to less than this, however many
   * there are: service protection can throttle a caller for minutes, and waiting is the fix.
   */
  maxThrottleWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 15_000, maxRetryAfterMs: 5 * 60_000, maxThrottleWaitMs: 10 * 60_000 };

/** Seconds (possibly fractional, as ServiceClient parses them) or an HTTP date. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Capped exponential backoff with full jitter, never shorter than the server asked for. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs: number | undefined, random: () => number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
