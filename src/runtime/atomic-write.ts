import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Writes to a sibling temp file and renames it into place, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Builds a whole folder under a temp name and swaps it in at the end. The old folder, if
 * any, is moved aside first and removed only after the new one is in place.
 */
export async function writeDirAtomic(dir: string, files: ReadonlyArray<{ name: string; data: Buffer | string; mode?: number }>): Promise<void> {
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const suffix = randomBytes(6).toString('hex');
  const temp = path.join(parent, `.${path.basename(dir)}.${suffix}.tmp`);
  const old = path.join(parent, `.${path.basename(dir)}.${suffix}.old`);
  let hadOld = false;
  try {
    await mkdir(temp);
    for (const folder of new Set(files.map((file) => path.dirname(path.join(temp, file.name))))) await mkdir(folder, { recursive: true });
    // Written at once: each write waits on the disk, not on the others.
    await Promise.all(files.map((file) => writeFile(path.join(temp, file.name), file.data, file.mode === undefined ? undefined : { mode: file.mode })));
    hadOld = await rename(dir, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // The previous folder goes back where it was: a failed write leaves the old output, not none.
    if (hadOld) await rename(old, dir).catch(() => undefined);
    throw error;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
