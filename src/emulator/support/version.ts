/**
 * Solution version order: `major.minor.build.revision`, compared part by part as numbers (powerapps-docs
 * maker/data-platform/update-solutions.md, "major.minor.build.revision"). A missing trailing part counts as 0
 * (inferred: exports always carry four parts; package.ts accepts two to four).
 */
export function compareSolutionVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}
