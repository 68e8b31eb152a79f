import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SHA256_STAMP } from './manifest-stamp.js';
import { runDeploy } from './run.js';

/** Entry of deploy.mjs: the package folder is wherever this file sits. */
const self = fileURLToPath(import.meta.url);

// Ctrl-C or a stop request ends the current request cleanly; a second one stops at once.
const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort(new Error(`stopped by ${signal}`));
  });
}

runDeploy({
  argv: process.argv.slice(2),
  env: process.env,
  packageDir: path.dirname(self),
  runner: { path: self, manifestStamp: MANIFEST_SHA256_STAMP },
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  signal: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runDeploy reports every error itself; reaching here is a bug, said without its details.
    process.stderr.write(`error: unexpected: ${error instanceof Error ? error.name : 'failure'} in the deploy runner\n`);
    process.exitCode = 1;
  },
);
