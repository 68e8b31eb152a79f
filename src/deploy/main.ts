import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SHA256_STAMP } from './manifest-stamp.js';
import { runDeploy } from './run.js';
import { redactSecrets } from '../util/redact.js';

/** Entry of deploy.mjs: the package folder is wherever this file sits. */
const self = fileURLToPath(import.meta.url);

runDeploy({
  argv: process.argv.slice(2),
  env: process.env,
  packageDir: path.dirname(self),
  runner: { path: self, manifestStamp: MANIFEST_SHA256_STAMP },
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${redactSecrets(`error: unexpected: ${error instanceof Error ? error.message : String(error)}`)}\n`);
    process.exitCode = 1;
  },
);
