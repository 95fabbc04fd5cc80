/** Seconds, readable at any scale: shared by every report format. */
export function seconds(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a < 0.001) return `${(x * 1e6).toFixed(0)} µs`;
  if (a < 1) return `${(x * 1000).toFixed(1)} ms`;
  if (a < 120) return `${x.toFixed(3)} s`;
  const m = Math.floor(a / 60);
  return `${x.toFixed(0)} s (${m} min ${Math.round(a - m * 60)} s)`;
}
