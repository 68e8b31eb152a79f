import type { Clock } from '../runtime/clock.js';

/**
 * The one retry engine behind every HTTP call dvpkg makes (Web API, token, discovery, consent
 * probe). A call site says what an attempt came to; the engine decides whether to wait and try
 * again: 429 for as long as the waits stay within a budget, honouring Retry-After; 502/503/504
 * and dropped connections with capped exponential backoff and jitter, when the call site says the
 * attempt is safe to repeat.
 */

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

/** One wait before a retry, as every program reports it. */
export interface RetryEvent {
  /** What is retried: `GET solutions` for the Web API, `host/path` for other requests. */
  target: string;
  attempt: number;
  delayMs: number;
  /** `429`, an HTTP status, or a connection error code such as ECONNRESET. */
  reason: string;
}

export type AttemptResult<T> =
  | { kind: 'ok'; value: T }
  /** 429: the service refused before doing anything, so any request may be repeated. */
  | { kind: 'throttled'; retryAfterMs: number | undefined; giveUp: () => T }
  /** 5xx or no answer; `repeatable` says whether sending it again is safe. */
  | { kind: 'transient'; reason: string; retryAfterMs: number | undefined; repeatable: boolean; giveUp: () => T }
  /** Try again at once without counting an attempt (a renewed token); the call site bounds it. */
  | { kind: 'again' };

/**
 * One caller's throttle, shared by every org it talks to: Dataverse's service protection limits count per
 * user (api-limits.md), so when one org asks that user to wait, the others wait too instead of spending
 * the same budget and multiplying the 429s.
 */
export class ThrottleGate {
  #until = 0;

  hold(until: number): void {
    this.#until = Math.max(this.#until, until);
  }

  async wait(clock: Clock, signal?: AbortSignal): Promise<void> {
    const delay = this.#until - clock.now();
    if (delay > 0) await clock.sleep(delay, signal);
  }
}

export interface RetryHooks {
  /** Shared by the requests of one caller across orgs (a fleet run). */
  gate?: ThrottleGate;
  policy?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
}

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

export async function withRetry<T>(target: string, attempt: (n: number) => Promise<AttemptResult<T>>, hooks: RetryHooks & { clock: Clock }): Promise<T> {
  const policy = { ...DEFAULT_RETRY, ...hooks.policy };
  const random = hooks.random ?? Math.random;
  let failures = 0;
  let throttledMs = 0;
  for (let n = 1; ; n++) {
    await hooks.gate?.wait(hooks.clock, hooks.signal);
    const result = await attempt(n);
    if (result.kind === 'ok') return result.value;
    if (result.kind === 'again') continue;
    let delayMs: number;
    let reason: string;
    if (result.kind === 'throttled') {
      delayMs = retryDelayMs(n, policy, result.retryAfterMs, random);
      if ((result.retryAfterMs ?? 0) > policy.maxRetryAfterMs || throttledMs + delayMs > policy.maxThrottleWaitMs) return result.giveUp();
      throttledMs += delayMs;
      reason = '429';
      hooks.gate?.hold(hooks.clock.now() + delayMs);
    } else {
      if (!result.repeatable || failures + 1 >= policy.maxAttempts) return result.giveUp();
      failures++;
      delayMs = retryDelayMs(failures, policy, result.retryAfterMs, random);
      reason = result.reason;
    }
    hooks.onRetry?.({ target, attempt: n, delayMs, reason });
    await hooks.clock.sleep(delayMs, hooks.signal);
  }
}
