import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the runner sees it. Every wait and deadline goes through a Clock handed down by the
 * program, so tests run the runner in-process on a fake clock instead of real timers.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};

export type PollStep<T> = { done: true; value: T } | { done: false };

export interface PollOptions {
  /** Wait before the given attempt (1-based), after a step that was not done. */
  intervalMs: (attempt: number) => number;
  /** Clock time after which no further attempt starts. */
  deadline: number;
  clock: Clock;
  signal?: AbortSignal;
}

/**
 * The one wait loop: runs `step` until it is done or the deadline has passed. A step that
 * would start after the deadline does not run; the caller decides what timing out means.
 */
export async function poll<T>(step: (attempt: number) => Promise<PollStep<T>>, options: PollOptions): Promise<{ value: T } | { timedOut: true }> {
  for (let attempt = 1; ; attempt++) {
    const result = await step(attempt);
    if (result.done) return { value: result.value };
    const wait = options.intervalMs(attempt);
    if (options.clock.now() + wait > options.deadline) return { timedOut: true };
    await options.clock.sleep(wait, options.signal);
  }
}
