import { expect } from 'chai';
import { withRetry, type AttemptResult, type RetryEvent } from '../../src/http/retry.js';
import { poll } from '../../src/runtime/clock.js';
import { fakeClock } from '../support/fake-clock.js';

/** The one retry engine and the one wait loop, on a fake clock. */
describe('the retry engine', () => {
  const giveUp = (what: string) => () => {
    throw new Error(what);
  };

  it('waits what Retry-After says on 429, for as long as the throttle budget lasts, then gives up', async () => {
    const clock = fakeClock({ speedup: 1e6 });
    const events: RetryEvent[] = [];
    let calls = 0;
    const attempt = async (): Promise<AttemptResult<string>> => (++calls, { kind: 'throttled', retryAfterMs: 60_000, giveUp: giveUp('throttled too long') });
    const failure = await withRetry('GET things', attempt, { clock, onRetry: (e) => events.push(e), policy: { maxThrottleWaitMs: 5 * 60_000 } }).catch((e: Error) => e);
    expect((failure as Error).message).to.equal('throttled too long');
    expect(clock.slept).to.deep.equal([60_000, 60_000, 60_000, 60_000, 60_000]);
    expect(calls).to.equal(6);
    expect(events.map((e) => e.reason)).to.deep.equal(['429', '429', '429', '429', '429']);
    expect(events[0]).to.include({ target: 'GET things', attempt: 1, delayMs: 60_000 });
  });

  it('retries a repeatable transient failure with capped backoff, and never one that is not', async () => {
    const clock = fakeClock({ speedup: 1e6 });
    let calls = 0;
    const value = await withRetry('GET x', async (): Promise<AttemptResult<string>> => (++calls < 3 ? { kind: 'transient', reason: '503', retryAfterMs: undefined, repeatable: true, giveUp: giveUp('no') } : { kind: 'ok', value: 'fine' }), { clock, random: () => 1 });
    expect(value).to.equal('fine');
    expect(clock.slept).to.deep.equal([500, 1000]);
    const once = fakeClock({ speedup: 1e6 });
    const error = await withRetry('POST x', async (): Promise<AttemptResult<string>> => ({ kind: 'transient', reason: 'ECONNRESET', retryAfterMs: undefined, repeatable: false, giveUp: giveUp('unknown outcome') }), { clock: once }).catch((e: Error) => e);
    expect((error as Error).message).to.equal('unknown outcome');
    expect(once.slept).to.deep.equal([]);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const clock = fakeClock({ speedup: 1, maxRealMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped')), 20);
    const started = Date.now();
    const error = await withRetry('GET x', async (): Promise<AttemptResult<string>> => ({ kind: 'throttled', retryAfterMs: 5_000, giveUp: giveUp('no') }), { clock, signal: controller.signal }).catch((e: Error) => e);
    expect((error as Error).message).to.equal('stopped');
    expect(Date.now() - started).to.be.below(2_000);
  });
});

describe('poll', () => {
  it('runs until done, waiting the interval for each attempt, and times out by the clock', async () => {
    const clock = fakeClock({ speedup: 1e6 });
    let n = 0;
    const done = await poll(async () => (++n === 4 ? { done: true, value: n } : { done: false }), { intervalMs: (a) => a * 1000, deadline: clock.now() + 60_000, clock });
    expect(done).to.deep.equal({ value: 4 });
    expect(clock.slept).to.deep.equal([1000, 2000, 3000]);
    const never = await poll(async () => ({ done: false }), { intervalMs: () => 10_000, deadline: clock.now() + 25_000, clock });
    expect(never).to.deep.equal({ timedOut: true });
  });
});
