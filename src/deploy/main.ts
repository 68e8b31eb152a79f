import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDeploy } from './run.js';

/** Entry of deploy.mjs: the package folder is wherever this file sits. */
const packageDir = path.dirname(fileURLToPath(import.meta.url));

runDeploy({ argv: process.argv.slice(2), env: process.env, packageDir, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: unexpected: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
