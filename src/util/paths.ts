import path from 'node:path';

/** Paths in messages are relative to the working directory when that is shorter, as users typed them. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
