// Capture time (issue 22: times and durations exact). A packet's time inside tcpdiag is integer nanoseconds
// since the run's base: a whole second chosen once per run (track/run.ts: the first frame's, which for a
// --merge is the earliest file's first; `watch --port` takes the wall clock's second at its start). The
// decoder makes it as (tsSec - base)·1e9 + tsNsec: a double holding an integer, exact up to 2^53 ns
// (≈ 104 days) from the base, so a time, and a difference of two, is the capture's own value. Every stored
// time and every duration (the tracker's slots, the Connection record, the detectors' thresholds: `1 * S`)
// is in these nanoseconds; a derived value (a median of two, a half span) may have a fraction.
//
// Seconds appear only where a time is written (report/, cli/): through `seconds` here; every place that
// turns a capture time into an absolute one (ISO dates, epoch fields, watch's windows and wall clock) goes
// through absoluteTime / epochNumber / epochOf with the run's base: the base's whole seconds and the time's
// nanoseconds added as integers, never through a float of epoch seconds.

/** Nanoseconds in a second, a millisecond, a microsecond: thresholds are written `1 * S`, `200 * MS`. */
export const S = 1e9;
export const MS = 1e6;
export const US = 1e3;

/** Nanoseconds a time or a duration may reach and still be an exact integer in a double (2^53 ≈ 104 days). */
export const EXACT_NANOS_SPAN = 2 ** 53;

/** Nanoseconds as seconds (a float): for printers and JSON writers only. */
export function seconds(ns: number): number {
  return ns / S;
}

/** Seconds (a user's option, a wall clock) as nanoseconds. */
export function nanos(sec: number): number {
  return sec * S;
}

/**
 * A capture time `t` (nanoseconds since the base whole second `base`) as the capture's own (sec, nsec),
 * exact within EXACT_NANOS_SPAN of the base; past it (a capture whose clock jumped by years:
 * public/example2.pcap spans 4.5 years, where a double of 1.4e17 ns holds 16 ns) to the microsecond.
 */
export function absoluteTime(base: number, t: number): { sec: number; nsec: number } {
  const unit = Math.abs(t) < EXACT_NANOS_SPAN ? 1 : 1000;
  const n = Math.round(t / unit) * unit;
  let whole = Math.floor(n / S);
  let nsec = n - whole * S;
  if (unit !== 1) nsec = Math.round(nsec / unit) * unit;
  if (nsec >= S) {
    whole += 1;
    nsec -= S;
  } else if (nsec < 0) {
    whole -= 1;
    nsec += S;
  }
  return { sec: base + whole, nsec };
}

/**
 * Epoch seconds of a capture time as a JSON number: the double nearest the exact (sec, nsec) of
 * absoluteTime (a double of epoch seconds holds ~0.24 µs; the ISO text, where there is one, holds all).
 */
export function epochNumber(base: number, t: number): number {
  const { sec, nsec } = absoluteTime(base, t);
  return sec + nsec / 1e9;
}

/**
 * Epoch seconds of a capture time, as a float: for what is a float anyway (a window's bounds in watch's
 * events, a chart's axis), never for a printed time or a difference (absoluteTime).
 */
export function epochOf(base: number, t: number): number {
  return base + t / S;
}

/** The capture time (nanoseconds since `base`) of a timestamp: what the decoder computes for each packet. */
export function captureTime(base: number, sec: number, nsec: number): number {
  return (sec - base) * S + nsec;
}

/**
 * A duration between two capture times (nanoseconds) in whole nanoseconds, with the digits the capture
 * has: to the nanosecond past the microsecond (`digits` > 6), else whole microseconds (as nanoseconds);
 * whole microseconds too past EXACT_NANOS_SPAN (a clock that jumped by years: public/pcapng-example.pcapng's
 * SYN-ACK is stamped 46 years before its ACK), where a double holds no more.
 */
export function durationNanos(ns: number, digits: number): number {
  return digits > 6 && Math.abs(ns) < EXACT_NANOS_SPAN ? Math.round(ns) : Math.round(ns / 1e3) * 1000;
}

/**
 * A duration between capture times (nanoseconds) as seconds that print as they are (`0.000004`, not
 * `4.0531158447265625e-06`): with the digits the capture has, whole microseconds for a microsecond
 * capture (or coarser), whole nanoseconds past that (`digits`: of a second, the capture's): an integer
 * count over a power of ten, the decimal itself when printed.
 */
export function exactSeconds(ns: number, digits = 6): number {
  return digits > 6 ? seconds(durationNanos(ns, digits)) : Math.round(ns / 1e3) / 1e6;
}
