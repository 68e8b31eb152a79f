/**
 * deploy.mjs carries the sha256 of its package's manifest.json, written into it by
 * `dvpkg build` in place of a placeholder of the same length. The manifest in turn lists
 * the hashes of the solution zip, the README and the unstamped runner, so a change to any
 * file of the package is caught before the runner makes a request.
 */

const PREFIX = 'dvpkg:manifest-sha256:';

/** Built at run time so the literal occurs only once in the bundle: where it is replaced. */
export function stampPlaceholder(): string {
  return PREFIX + 'x'.repeat(64 - PREFIX.length);
}

export function isStamped(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

export function stampRunner(runner: Buffer, manifestSha256: string): Buffer {
  const text = runner.toString('latin1');
  const placeholder = stampPlaceholder();
  const first = text.indexOf(placeholder);
  if (first < 0 || text.indexOf(placeholder, first + 1) >= 0) throw new Error('the runner bundle must hold the manifest placeholder exactly once');
  return Buffer.from(text.slice(0, first) + manifestSha256 + text.slice(first + placeholder.length), 'latin1');
}

/** The runner's bytes as built, before stamping: what the manifest's runner hash covers. */
export function unstampRunner(runner: Buffer, manifestSha256: string): Buffer {
  return Buffer.from(runner.toString('latin1').split(manifestSha256).join(stampPlaceholder()), 'latin1');
}
