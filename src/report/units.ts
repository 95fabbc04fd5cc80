export interface DurationStyle {
  /** Decimals of whole seconds (default 3). */
  digits?: number;
  /** From this many seconds up, minutes and seconds: `2 min 5 s` (default 120). */
  minutesFrom?: number;
  /** For a missing or non-finite value (default `n/a`). */
  missing?: string;
}

/**
 * A duration in seconds, readable at any scale: µs below a millisecond, ms with one decimal below a
 * second, seconds with `digits` decimals, minutes and seconds past `minutesFrom`. The one duration
 * formatter of the reports (text, markdown, HTML and its SVG labels); a format changes only the style.
 */
export function duration(x: number | null | undefined, style: DurationStyle = {}): string {
  const { digits = 3, minutesFrom = 120, missing = 'n/a' } = style;
  if (x === null || x === undefined || !Number.isFinite(x)) return missing;
  const a = Math.abs(x);
  if (a < 0.001) return `${Math.round(x * 1e6)} µs`;
  if (a < 1) return `${(x * 1000).toFixed(1)} ms`;
  if (a < minutesFrom) return `${x.toFixed(digits)} s`;
  const m = Math.floor(a / 60);
  return `${x < 0 ? '-' : ''}${m} min ${Math.round(a - m * 60)} s`;
}

/** Short labels of charts: two decimals, minutes from 100 s. */
export const LABEL: DurationStyle = { digits: 2, minutesFrom: 100 };
