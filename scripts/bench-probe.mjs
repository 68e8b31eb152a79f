// Preloaded into every benchmarked process: reports its peak RSS on exit, on fd 3.
// On Linux, VmHWM of /proc/self/status: getrusage's maxRSS survives exec, so a child forked by a
// large benchmark process would report the parent's size instead of its own.
import { readFileSync, writeSync } from 'node:fs';

function peakKb() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  try {
    writeSync(3, `${peakKb()}\n`);
  } catch {
    // Not run by the benchmark (no fd 3): nothing to report.
  }
});
