// "Did you mean": the known name closest to a misspelt one, for error messages about unknown fields and names.

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours: "blockSzie" is one from "blockSize"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1]![j] as number) + 1, (d[i]![j - 1] as number) + 1, (d[i - 1]![j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[i - 2]![j - 2] as number) + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length] as number;
}

/**
 * The candidate closest to `name` (case ignored), if it is close enough to be a likely misspelling: at most a third of
 * the name's length in edits (and at least one allowed), or else the only candidate that contains it ("Pool" in
 * "IPPool"). Ties go to the first candidate.
 */
export function closestName(name: string, names: Iterable<string>): string | undefined {
  const candidates = [...names];
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(name.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  if (bestDistance <= limit) return best;
  const lower = name.toLowerCase();
  const containing = candidates.filter((c) => name.length >= 3 && c.toLowerCase().includes(lower));
  return containing.length === 1 ? containing[0] : undefined;
}

/** " (did you mean blockSize?)" or "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closestName(name, candidates);
  return c === undefined ? '' : ` (did you mean ${c}?)`;
}
