#!/usr/bin/env node
// A stand-in `az` for tests: only `az account get-access-token --resource R [--tenant T] [--output json]`, answered
// by the emulator at $DVPKG_EMULATOR_URL (GET /_emulator/azure-cli/token). JSON on stdout and exit 0, or az's
// "ERROR: ..." text on stderr and exit 1.
const args = process.argv.slice(2);
const fail = (text) => {
  process.stderr.write(`ERROR: ${text}\n`);
  process.exit(1);
};
const option = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};
if (args[0] !== 'account' || args[1] !== 'get-access-token') fail(`fake az implements only 'account get-access-token', not '${args.join(' ')}'.`);
const output = option('--output') ?? option('-o') ?? 'json';
if (output !== 'json') fail(`fake az prints only --output json, not '${output}'.`);
const base = process.env.DVPKG_EMULATOR_URL;
if (!base) fail('DVPKG_EMULATOR_URL is not set (the emulator URL fake az asks).');
const url = new URL(`${base.replace(/\/+$/, '')}/_emulator/azure-cli/token`);
const resource = option('--resource');
if (resource !== undefined) url.searchParams.set('resource', resource);
const tenant = option('--tenant') ?? option('-t');
if (tenant !== undefined) url.searchParams.set('tenant', tenant);
const response = await fetch(url).catch((error) => fail(`cannot reach the emulator at ${base}: ${error.message}`));
const body = await response.json();
if (!response.ok) fail(body.error);
process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
