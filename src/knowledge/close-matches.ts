// "Did you mean" suggestions for a mistyped id: edit distance for typos, substring for partial names
// like "overflow" or "reset".

export function closeMatches(wanted: string, candidates: readonly string[], limit = 4): string[] {
  const needle = wanted.toLowerCase();
  if (needle.length === 0) return [];
  const scored = candidates
    .map((c) => ({ c, distance: editDistance(needle, c) }))
    .filter(({ c, distance }) => c.includes(needle) || needle.includes(c) || distance <= Math.max(2, Math.floor(c.length / 4)))
    .sort((a, b) => a.distance - b.distance || a.c.localeCompare(b.c));
  return scored.slice(0, limit).map(({ c }) => c);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
