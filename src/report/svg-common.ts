/**
 * Small helpers shared by the HTML report's inline SVG charts: coordinates,
 * number and time formatting, "nice" axis ticks.
 */

/** A coordinate with at most two decimals (keeps the SVG small and stable). */
export function n2(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

import { duration, type DurationStyle } from '../diagnose/duration.js';
import { integer } from './units.js';

/** Short labels of charts: two decimals, minutes from 100 s. */
const LABEL: DurationStyle = { digits: 2, minutesFrom: 100 };

/** An integer with thousands separators (the reports' one format: units.ts). */
export function int(x: number): string {
  return integer(Math.round(x));
}

/** A short duration for labels: `12 µs`, `3.9 ms`, `3.92 s`, `2 min 5 s`. */
export function shortDuration(x: number): string {
  return duration(x, LABEL);
}

/** A bucket width for labels: `0.5 s`, `1 min`, `1 h`. */
export function bucketLabel(b: number): string {
  if (b >= 3600 && b % 3600 === 0) return `${b / 3600} h`;
  if (b >= 60 && b % 60 === 0) return `${b / 60} min`;
  return `${+b.toFixed(3)} s`;
}

/**
 * UTC wall-clock time of epoch seconds: `HH:MM:SS`, with `digits` decimals of
 * seconds (truncated, like the ISO times of the JSON report).
 */
export function clock(epoch: number, digits = 0): string {
  if (!Number.isFinite(epoch)) return '';
  const ms = Math.floor(epoch * 1000 + 1e-6);
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const base = d.toISOString().slice(11, 19);
  if (digits <= 0) return base;
  // Sub-millisecond digits from the float itself.
  const frac = epoch - Math.floor(epoch);
  const f = Math.floor(frac * 10 ** digits + 1e-6)
    .toString()
    .padStart(digits, '0')
    .slice(0, digits);
  return `${base}.${f}`;
}

/** `HH:MM:SS` (or with decimals) from an ISO 8601 time as the report writes it; falls back to the epoch. */
export function clockOfIso(iso: string, epoch: number, digits = 0): string {
  const m = /T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return clock(epoch, digits);
  if (digits <= 0) return m[1]!;
  return `${m[1]}.${(m[2] ?? '').padEnd(digits, '0').slice(0, digits)}`;
}

/** The UTC date (YYYY-MM-DD) of epoch seconds. */
export function utcDate(epoch: number): string {
  const d = new Date(Math.floor(epoch) * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 10);
}

const TIME_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** A tick step for a time span so that at most `max` ticks fit. */
export function timeStep(span: number, max: number): number {
  for (const s of TIME_STEPS) if (span / s <= max) return s;
  return Math.ceil(span / max / 86400) * 86400;
}

/** Decimals of seconds needed to tell ticks `step` apart. */
export function stepDigits(step: number): number {
  if (step >= 1) return 0;
  if (step >= 0.1) return 1;
  if (step >= 0.01) return 2;
  return 3;
}

/** Ticks at multiples of `step` within [from, to]. */
export function timeTicks(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(from / step - 1e-9);
  for (let k = first; k * step <= to + 1e-9 && out.length < 1000; k++) out.push(+(k * step).toFixed(6));
  return out;
}

/** Integer ticks 0..top for a count axis (top is the nice maximum). */
export function countTicks(max: number, want = 5): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const raw = max / want;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  step = Math.max(1, Math.round(step));
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) ticks.push(v);
  return { top, ticks };
}

/** Estimated width of a label in user units (system sans-serif, average glyph ≈ 0.58 em). */
export function textWidth(s: string, fontSize: number): number {
  return s.length * fontSize * 0.58;
}

/** An SVG element string. Attribute values must already be escaped (numbers or escapeAttr). */
export function tag(name: string, attrs: Record<string, string | number>, body?: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? n2(v) : v}"`)
    .join('');
  return body === undefined ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}
