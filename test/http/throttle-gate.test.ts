import { expect } from 'chai';
import { ThrottleGate, withRetry, type AttemptResult } from '../../src/http/retry.js';
import type { Clock } from '../../src/runtime/clock.js';

/** Issue 14, item 2: a 429 one org gets makes the same identity's requests to other orgs wait too. */
describe('throttle gate: one identity, one service protection budget across orgs', () => {
  it("makes another org's request of the same identity wait out the Retry-After one org was given", async () => {
    const waits: Array<{ who: string; ms: number }> = [];
    let who = '';
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async (ms) => { waits.push({ who, ms }); now += ms; } };
    let throttled = false;
    const attempt = async (): Promise<AttemptResult<string>> => {
      if (who === 'org a' && !throttled) {
        throttled = true;
        return { kind: 'throttled', retryAfterMs: 5_000, giveUp: () => 'gave up' };
      }
      return { kind: 'ok', value: who };
    };
    const gate = new ThrottleGate();
    who = 'org a';
    expect(await withRetry('a', attempt, { clock, gate })).to.equal('org a');
    // Org b's request is sent at 1 s, while org a is still waiting (until 5 s).
    now = 1_000;
    who = 'org b';
    expect(await withRetry('b', attempt, { clock, gate })).to.equal('org b');
    who = 'another identity';
    expect(await withRetry('c', attempt, { clock, gate: new ThrottleGate() })).to.equal('another identity');
    expect(waits).to.deep.equal([
      { who: 'org a', ms: 5_000 },
      { who: 'org b', ms: 4_000 },
    ]);
  });
});
