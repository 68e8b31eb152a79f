/**
 * Service protection API limits (powerapps-docs developer/data-platform/api-limits.md): per user, a number of
 * requests in a sliding window ("6000 within the 5-minute sliding window") and a number of concurrent requests
 * ("52 or higher"), answered with 429, `Retry-After` and 0x80072322 / 0x80072326 ("Application users" are
 * limited "in the same way"). Off unless the `serviceProtection` option or `PUT /_emulator/service-protection`
 * turns it on.
 *
 * Inferred: the real limits are per web server of one environment; the emulator counts per identity (tenant
 * and Entra object id: the user, or the application's service principal) across ALL its orgs, so one caller's
 * throttling in one org slows its whole fleet. Refused requests are not counted, so the window drains;
 * Retry-After is the seconds until the oldest counted request leaves the window (1 for the concurrency limit).
 * The execution-time limit (0x80072321) is not modelled.
 */
import { EmulatorConfigError, concurrentRequestsLimit, requestsLimit, type EmulatorError } from './wire-errors.js';

export interface ServiceProtectionLimits {
  /** Requests allowed per identity in the window (Dataverse's default: 6000). */
  requests: number;
  /** Sliding window length (default 300). */
  windowSeconds: number;
  /** Concurrent requests allowed per identity (Dataverse's default: 52); unlimited when absent. */
  concurrent?: number;
}

/** Checks a limits object (options and control API); null turns the limits off. */
export function validateServiceProtection(value: unknown): ServiceProtectionLimits | null {
  if (value === null) return null;
  const limits = value as Partial<ServiceProtectionLimits> | undefined;
  const whole = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1;
  if (typeof limits !== 'object' || !whole(limits.requests) || !whole(limits.windowSeconds) || (limits.concurrent !== undefined && !whole(limits.concurrent))) {
    throw new EmulatorConfigError('EMULATOR_USAGE', 'serviceProtection: expected { requests, windowSeconds, concurrent? } (whole numbers from 1) or null.');
  }
  return { requests: limits.requests as number, windowSeconds: limits.windowSeconds as number, ...(limits.concurrent === undefined ? {} : { concurrent: limits.concurrent }) };
}

/** Which limit refused a request: the request log's `throttle` field. */
export type ThrottleKind = 'requests' | 'concurrent';

export class ServiceProtection {
  #limits: ServiceProtectionLimits | null = null;
  /** Arrival times (ms) of the counted requests in the window, oldest first, per identity. */
  #arrivals = new Map<string, number[]>();
  #inFlight = new Map<string, number>();

  constructor(limits: ServiceProtectionLimits | null) {
    this.set(limits);
  }

  /** Replaces the limits and forgets every count. */
  set(limits: ServiceProtectionLimits | null): void {
    this.#limits = limits;
    this.#arrivals.clear();
  }

  limits(): ServiceProtectionLimits | null {
    return this.#limits && { ...this.#limits };
  }

  /** Admits a request of `identity` (a release to call when it is answered) or refuses it. */
  admit(identity: string, now = Date.now()): { release: () => void } | { refused: EmulatorError; kind: ThrottleKind } {
    const limits = this.#limits;
    if (!limits) return { release: () => undefined };
    const windowMs = limits.windowSeconds * 1000;
    const arrivals = (this.#arrivals.get(identity) ?? []).filter((t) => t > now - windowMs);
    this.#arrivals.set(identity, arrivals);
    const inFlight = this.#inFlight.get(identity) ?? 0;
    if (limits.concurrent !== undefined && inFlight >= limits.concurrent) return { refused: concurrentRequestsLimit(limits.concurrent, 1), kind: 'concurrent' };
    if (arrivals.length >= limits.requests) {
      const retryAfter = Math.max(1, Math.ceil(((arrivals[0] ?? now) + windowMs - now) / 1000));
      return { refused: requestsLimit(limits.requests, limits.windowSeconds, retryAfter), kind: 'requests' };
    }
    arrivals.push(now);
    this.#inFlight.set(identity, inFlight + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#inFlight.get(identity) ?? 1) - 1;
        if (left > 0) this.#inFlight.set(identity, left);
        else this.#inFlight.delete(identity);
      },
    };
  }
}
