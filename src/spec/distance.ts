/**
 * Edit distance for "did you mean" suggestions, shared by the privilege catalog and the check of
 * the privileges of tables a source defines.
 */

/** Rows for `boundedDistance`, sized for strings up to `longest` characters. */
export function distanceRows(longest: number, max: number): Int32Array[] {
  return [0, 1, 2].map(() => new Int32Array(longest + max + 2));
}

/**
 * Optimal-string-alignment (restricted Damerau-Levenshtein) distance between `a` and `b`, or
 * `max + 1` as soon as it is certain to exceed `max`.
 */
export function boundedDistance(a: string, b: string, max: number, rows: Int32Array[]): number {
  // A shared prefix or suffix never changes the distance, and most catalog names share "prvRead"
  // and the like, so trimming them first leaves only the differing middle to compare.
  let start = 0;
  let endA = a.length;
  let endB = b.length;
  while (start < endA && start < endB && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (Math.abs(n - m) > max) return max + 1;
  if (n === 0 || m === 0) return Math.max(n, m);

  // Cells more than `max` off the diagonal already exceed `max`, so each row only computes the
  // band around it; `outside` stands in for every cell beyond the band.
  const outside = max + 1;
  let older = rows[0] as Int32Array;
  let prev = rows[1] as Int32Array;
  let cur = rows[2] as Int32Array;
  for (let j = 0; j <= Math.min(m, max); j++) prev[j] = j;
  let prevRowMin = 0;
  for (let i = 1; i <= n; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(m, i + max);
    cur[lo - 1] = lo === 1 ? i : outside;
    if (hi === i + max) prev[hi] = outside;
    const ca = a.charCodeAt(start + i - 1);
    let rowMin = outside;
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(start + j - 1);
      let v = (prev[j - 1] as number) + (ca === cb ? 0 : 1);
      const del = (prev[j] as number) + 1;
      if (del < v) v = del;
      const ins = (cur[j - 1] as number) + 1;
      if (ins < v) v = ins;
      if (
        i > 1 &&
        j > 1 &&
        ca === b.charCodeAt(start + j - 2) &&
        a.charCodeAt(start + i - 2) === cb
      ) {
        const swap = (older[j - 2] as number) + 1;
        if (swap < v) v = swap;
      }
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    // A transposition reaches row i from row i - 2, so only two consecutive rows above the bound
    // prove that every remaining path is too.
    if (rowMin > max && prevRowMin > max) return max + 1;
    prevRowMin = rowMin;
    const spare = older;
    older = prev;
    prev = cur;
    cur = spare;
  }
  const d = prev[m] as number;
  return d > max ? max + 1 : d;
}
