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
 * SVG labels); a format changes only the style.
 */
export function duration(x: number | null | undefined, style: DurationStyle = {}): string {
  const { digits = 3, minutesFrom = 120, missing = 'n/a', precision = 6, allDigits = false } = style;
  if (x === null || x === undefined || !Number.isFinite(x)) return missing;
  const a = Math.abs(x);
  if (a < 0.001) {
    const decimals = Math.max(0, Math.min(3, precision - 6));
    return `${decimals > 0 ? (x * 1e6).toFixed(decimals) : Math.round(x * 1e6)} µs`;
  }
  const every = allDigits && precision > 6;
  if (a < 1) return `${(x * 1000).toFixed(every ? precision - 3 : 1)} ms`;
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
 * `digits`: of a second, the capture's (digitsOf its summary).
 */
export function measuredDuration(x: number | null | undefined, digits: number): string {
  return duration(x, { precision: precisionOf(x, digits), allDigits: true });
}

/** Short labels of charts: two decimals, minutes from 100 s. */
export const LABEL: DurationStyle = { digits: 2, minutesFrom: 100 };

// One way to write a count in every report: en-US digits grouped by thousands (`3,000`), whatever the
// machine's locale, so that a header and the body of the same report agree and tests can compare text.
// Made on first use: building it loads ICU's number data, ~5 ms of start-up that `--help` never needs.
let INTEGER: Intl.NumberFormat | null = null;

/** A whole number as the reports write it: `3,000`. */
export function integer(x: number): string {
  return Number.isFinite(x) ? (INTEGER ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(x) : String(x);
}

/** `1 connection`, `3,000 connections`: the count and the noun in the right number. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${integer(n)} ${n === 1 ? one : many}`;
}

/**
 * A finding's key figure as printed: a bare count (`3000`, `24 of 30`) gets the same grouping as
 * the report's own numbers; any other text (a duration, an explanation) is left as the detector wrote it.
 */
export function figureValue(v: string): string {
  const m = /^(\d+)( of (\d+))?$/.exec(v);
  if (!m) return v;
  return integer(Number(m[1])) + (m[3] !== undefined ? ` of ${integer(Number(m[3]))}` : '');
}

// A count in a sentence: a run of 4+ digits standing alone (not part of an address, a port after `:`, a
// time, a decimal or a name), outside `code`, and not a port, byte offset or frame number named as such.
const PROSE_COUNT = /(^|[\s(])(\d{4,})(?=$|[\s),;:])/g;
const NOT_A_COUNT = /\b(?:port|offset|frame|frames)\s$/i;

/**
 * A detector's sentence (a verdict) with its counts grouped like the report's other numbers (`3,000
 * handshakes`): the one place the human formats do it, so detectors write plain numbers and JSON keeps
 * the verdict as the detector wrote it. Ports, byte offsets and frame numbers stay as they are.
 */
export function proseNumbers(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(PROSE_COUNT, (m, lead: string, digits: string, at: number) =>
            NOT_A_COUNT.test(part.slice(0, at + lead.length)) ? m : lead + integer(Number(digits)),
          ),
    )
    .join('');
}

/** What the vantage medians were read from: `40 clean handshakes`, or, without one, those whose SYN was re-sent. */
export function handshakesTimed(v: { handshakes: number; handshakeKind?: 'clean' | 'resent-syn' }): string {
  return v.handshakeKind === 'resent-syn'
    ? `${count(v.handshakes, 'handshake')} with a re-sent SYN (timed from the last SYN; none was clean)`
    : count(v.handshakes, 'clean handshake');
}
