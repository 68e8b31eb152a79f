import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PassThrough, Writable } from 'node:stream';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runDeploy } from '../../src/programs/runner/run.js';
import type { Clock } from '../../src/runtime/clock.js';
import type { RunResult } from './cli.js';
import type { BuiltPackage } from './deploy-harness.js';
import { fakeClock } from './fake-clock.js';

export interface InProcessOptions {
  clock?: Clock;
  /** Stdin as a terminal that answers the prompt with this line. */
  answer?: string;
  signal?: AbortSignal;
  /** A fleet run: no `--org` (the arguments name `--orgs`). */
  fleet?: boolean;
  /** Called with everything written to stdout so far, as it is written (to act on a printed sign-in URL). */
  onStdout?: (textSoFar: string) => void;
}

function memory(onText?: (text: string) => void): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write: (chunk, _encoding, done) => {
        text += String(chunk);
        onText?.(text);
        done();
      },
    }),
    text: () => text,
  };
}

/**
 * Runs the deploy runner in this process, as deploy.mjs would run it, on a fake clock: the same
 * program (options, integrity check, sign-in with the real msal-node, Web API calls with axios over
 * HTTP to the emulator), without a process start or real waits.
 */
export async function runInProcess(pkg: BuiltPackage, emulator: RunningEmulator, args: string[] = [], env: NodeJS.ProcessEnv = {}, options: InProcessOptions = {}): Promise<RunResult> {
  const stdout = memory(options.onStdout);
  const stderr = memory();
  const stdin = Object.assign(new PassThrough(), { isTTY: options.answer !== undefined });
  if (options.answer !== undefined) stdin.end(`${options.answer}\n`);
  const manifestStamp = createHash('sha256').update(await readFile(`${pkg.dir}/manifest.json`)).digest('hex');
  const code = await runDeploy({
    argv: [...(options.fleet ? [] : ['--org', emulator.orgUrl]), '--authority-host', emulator.authorityHost, ...args],
    env: { DVPKG_CLIENT_SECRET: undefined, AZURE_CLIENT_SECRET: undefined, AZURE_CLIENT_ID: undefined, AZURE_TENANT_ID: undefined, ...env },
    packageDir: pkg.dir,
    runner: { path: pkg.runner, manifestStamp },
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin,
    clock: options.clock ?? fakeClock(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
