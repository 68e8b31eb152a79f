#!/usr/bin/env node
// A checkout runs from dist/, which `npm run build` writes; without it, say so instead of a stack trace.
import('../dist/bin/dvpkg.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bin/dvpkg.js')) throw error;
  process.stderr.write('dvpkg: this checkout is not built yet (dist/ is missing): run "npm run build" in it first\n');
  process.exitCode = 1;
});
