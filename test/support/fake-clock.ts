import type { Clock } from '../../src/runtime/clock.js';

/**
 * Virtual time for in-process runs: `now()` advances only by what the code under test sleeps, and
 * each sleep really waits `ms / speedup` (at most `maxRealMs`), so a 90-second retry window passes
 * in well under a second while the emulator, on real time, still gets to finish its work.
 */
export function fakeClock(options: { speedup?: number; maxRealMs?: number; start?: number } = {}): Clock & { slept: number[] } {
  const speedup = options.speedup ?? 100;
  const maxRealMs = options.maxRealMs ?? 20;
  let now = options.start ?? Date.UTC(2026, 0, 1);
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        slept.push(ms);
        now += ms;
        const timer = setTimeout(resolve, Math.min(maxRealMs, ms / speedup));
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      }),
  };
}
