// Preloaded into every benchmarked process: reports its peak RSS on exit, on fd 3.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  try {
    writeSync(3, `${process.resourceUsage().maxRSS}\n`);
  } catch {
    // Not run by the benchmark (no fd 3): nothing to report.
  }
});
