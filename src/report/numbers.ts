// The reports' one number format lives in units.ts (integer, count); these are its names in the
// HTML, SVG and Markdown renderers.
import { count, integer } from './units.js';

/** An integer with thousands separators: `3,000`. */
export function formatCount(n: number): string {
  return integer(Math.round(n));
}

/** `1 connection`, `2 connections`, `3,000 connections`; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return count(Math.round(n), one, many);
}
