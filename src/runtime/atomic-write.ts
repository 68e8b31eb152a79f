import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Synchronous on purpose. These writes end a command (a build's package, a run's reports) with
 * nothing left to overlap them with, and each asynchronous call waits on a thread-pool round trip:
 * on a busy two-core machine a build's dozen of them cost about 50 ms, while the bytes themselves
 * (a few MB into the page cache) take one or two.
 */

/** Writes to a sibling temp file and renames it into place, so readers never see half a file. */
export function writeFileAtomic(file: string, data: Buffer | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, data);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Builds a whole folder under a temp name and swaps it in at the end. The old folder, if
 * any, is moved aside first and removed only after the new one is in place.
 */
export function writeDirAtomic(dir: string, files: ReadonlyArray<{ name: string; data: Buffer | string; mode?: number }>): void {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const temp = path.join(parent, `.${path.basename(dir)}.${suffix}.tmp`);
  const old = path.join(parent, `.${path.basename(dir)}.${suffix}.old`);
  let hadOld = false;
  try {
    mkdirSync(temp);
    for (const file of files) {
      const target = path.join(temp, file.name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.data, file.mode === undefined ? undefined : { mode: file.mode });
    }
    try {
      renameSync(dir, old);
      hadOld = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    renameSync(temp, dir);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    // The previous folder goes back where it was: a failed write leaves the old output, not none.
    if (hadOld) {
      try {
        renameSync(old, dir);
      } catch {
        // The new folder's error is the one to report; the old one stays under its .old name.
      }
    }
    throw error;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
