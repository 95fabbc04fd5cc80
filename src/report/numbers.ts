/**
 * Numbers as every report prints them: one Intl.NumberFormat (en-US digit
 * grouping, `3,000`), and a count with its noun in the right number.
 */
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** An integer with thousands separators: `3,000`. */
export function formatCount(n: number): string {
  return COUNT.format(Math.round(n));
}

/** `1 connection`, `2 connections`, `3,000 connections`; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? one : many}`;
}
