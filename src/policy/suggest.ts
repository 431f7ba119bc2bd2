/**
 * "Did you mean" suggestions for misspelt check ids, parameter names, severities and policy names.
 */

/** Edit distance (insertions, deletions, substitutions and adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `input`, when it is close enough to be a likely typo and no other
 * candidate is as close (case is ignored; for dotted ids the part after the dot is compared as
 * well, so "vrfy" finds "smtp.vrfy").
 */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  let tied = false;
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const tail = hay.includes('.') ? hay.slice(hay.indexOf('.') + 1) : hay;
    let score = Math.min(editDistance(needle, hay), editDistance(needle, tail) + 1);
    // "warning" for "warn", "strict" for "campus-strict": one is the start of the other.
    const shorter = Math.min(needle.length, hay.length);
    if (shorter >= 3 && (hay.startsWith(needle) || needle.startsWith(hay))) score = Math.min(score, 1.5);
    if (score < bestScore) {
      bestScore = score;
      best = c;
      tied = false;
    } else if (score === bestScore) {
      tied = true;
    }
  }
  // "TLSv1.4" is as close to TLSv1.1 as to TLSv1.3: no suggestion beats a wrong one.
  if (best === undefined || tied) return undefined;
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestScore <= limit ? best : undefined;
}

/** `; did you mean "x"?` or the empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const n = nearest(input, candidates);
  return n === undefined ? '' : `; did you mean "${n}"?`;
}
