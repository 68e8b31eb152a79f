/** Puts the test `az` (fake-az.mjs) on a PATH: a temp dir holding an `az` symlink to it. */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_AZ = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-az.mjs');

export interface FakeAzDir {
  /** Directory to put first on PATH. */
  dir: string;
  /** `PATH` with `dir` first, and DVPKG_EMULATOR_URL, for a child process's env. */
  env(emulatorUrl: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

export async function fakeAzDir(): Promise<FakeAzDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dvpkg-fake-az-'));
  await symlink(FAKE_AZ, path.join(dir, 'az'));
  return {
    dir,
    env: (emulatorUrl, base = process.env) => ({ ...base, PATH: `${dir}${path.delimiter}${base.PATH ?? ''}`, DVPKG_EMULATOR_URL: emulatorUrl }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
