#!/usr/bin/env node
// A checkout runs from dist/, which `npm run build` writes. Without it, one line saying so and exit 2 (usage or
// install, README "Exit codes") instead of a stack trace. The file is looked for, not the import's error
// parsed, so another missing module inside a built dist/ still shows as the bug it is.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/bin/dvpkg.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  process.stderr.write(`dvpkg: ${fileURLToPath(entry)} is missing (this checkout is not built): run "npm run build" in ${root}\n`);
  process.exitCode = 2;
}
