// How a duration is written in prose: the reports' figures and tables, and the detectors' own text (the
// overflow's added latency, evidence notes). Here, at the bottom of the stages that write prose (as
// plural.ts), so that a detector writes its final text once and report/ writes the same way.

import { exactSeconds } from '../capture/time-base.js';

export interface DurationStyle {
  /** Decimals of whole seconds (default 3). */
  digits?: number;
  /** From this many seconds up, minutes and seconds: `2 min 5 s` (default 120). */
  minutesFrom?: number;
  /** For a missing or non-finite value (default `n/a`). */
  missing?: string;
  /**
   * Digits of a second the value is exact to: the capture's (6 for µs, 9 for ns) for a span between two
   * packets' own timestamps, 6 for one the analysis derives from float times (default 6). Below a
   * millisecond, where the digits are what is read, the µs get the decimals past 6 (`804.603 µs`).
   */
  precision?: number;
  /**
   * Every digit of `precision` at every scale when it is past the microsecond (a value read exactly from
   * a nanosecond capture): `22.259601 ms`, `7.617416308 s`, not `22.3 ms`, `7.617 s`. Minutes stay whole.
   */
  allDigits?: boolean;
}

/**
 * A duration in seconds, readable at any scale: µs below a millisecond (with the sub-µs digits the value
 * has: `precision`), ms with one decimal below a second, seconds with `digits` decimals, minutes and
 * seconds past `minutesFrom`. The one duration formatter of the reports (text, markdown, HTML and its
 * SVG labels) and the detectors' text; a format changes only the style.
 */
export function duration(x: number | null | undefined, style: DurationStyle = {}): string {
  const { digits = 3, minutesFrom = 120, missing = 'n/a', precision = 6, allDigits = false } = style;
  if (x === null || x === undefined || !Number.isFinite(x)) return missing;
  const a = Math.abs(x);
  // Each unit's text is used only while it rounds below 1000: 0.99996 s is 1.000 s, not 1000.0 ms.
  if (a < 0.001) {
    const decimals = Math.max(0, Math.min(3, precision - 6));
    const us = decimals > 0 ? (x * 1e6).toFixed(decimals) : String(Math.round(x * 1e6));
    if (Math.abs(Number(us)) < 1000) return `${us} µs`;
  }
  const every = allDigits && precision > 6;
  if (a < 1) {
    const ms = (x * 1000).toFixed(every ? precision - 3 : 1);
    if (Math.abs(Number(ms)) < 1000) return `${ms} ms`;
  }
  if (a < minutesFrom) return `${x.toFixed(every ? precision : digits)} s`;
  // Rounded to the second before the minutes are taken: 3599.999 s is 60 min 0 s, not 59 min 60 s.
  const whole = Math.round(a);
  const m = Math.floor(whole / 60);
  return `${x < 0 ? '-' : ''}${m} min ${whole - m * 60} s`;
}

/**
 * The `precision` to write a derived duration with (a median, a latency): the capture's `digits` when the
 * value has digits past the microsecond (read exactly from a nanosecond capture), else the microsecond's
 * (whole µs: a µs capture), so that `3 µs` is not written `3.000 µs`.
 */
export function precisionOf(x: number | null | undefined, digits: number): number {
  if (x === null || x === undefined || !Number.isFinite(x)) return 6;
  return Math.round(x * 1e9) % 1000 !== 0 ? Math.max(6, digits) : 6;
}

/**
 * A duration measured between packets, with the digits it has: every one of a nanosecond capture's where
 * the value has digits past the microsecond (`7.617416308 s`), else as `duration` writes it (`7.617 s`).
 * `x`: seconds as the report has them (exactSeconds); `digits`: of a second, the capture's (digitsOf its
 * summary); `style`: what else differs from `duration`'s default (an evidence note's `digits: 2`).
 */
export function measuredDuration(x: number | null | undefined, digits: number, style: Pick<DurationStyle, 'digits' | 'minutesFrom'> = {}): string {
  return duration(x, { ...style, precision: precisionOf(x, digits), allDigits: true });
}

/**
 * measuredDuration of a span in capture nanoseconds (capture/time-base.ts), first kept to the digits the
 * capture has (exactSeconds): the text a detector writes is the one the report would write of the
 * seconds it puts in the JSON.
 */
export function measuredNanos(ns: number, digits: number, style: Pick<DurationStyle, 'digits' | 'minutesFrom'> = {}): string {
  return measuredDuration(exactSeconds(ns, digits), digits, style);
}
