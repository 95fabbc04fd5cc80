// Capture time (issue 22: times and durations exact). A packet's time inside tcpdiag is seconds since the
// run's base: a whole second chosen once per run (track/run.ts: the first frame's, which for a --merge is
// the earliest file's first; `watch --port` takes the wall clock's second at its start). The decoder makes
// it as (tsSec - base) + tsNsec·1e-9: a double of a few seconds to a few days, which holds a nanosecond
// capture's times to well under a nanosecond (an ulp of 2^-31 s ≈ 0.47 ns up to 2^21 s ≈ 24 days), so a
// time or a difference of two rounded to the nanosecond is the capture's own value, where a float of epoch
// seconds (~0.24 µs at today's epoch) was not. These are seconds, not integer nanoseconds: the detectors'
// thresholds stay in seconds; the nanoseconds are recovered by rounding (exactNanos), exactly, for spans
// under ~24 days (past that, as before: the float's precision).
//
// Every place that turns a capture time into an absolute one (ISO dates, epoch fields, watch's windows and
// wall clock) goes through absoluteTime / epochOf here with the run's base: the base's whole seconds and
// the time's nanoseconds are added as integers, never through a float of epoch seconds.

/** Seconds a capture time or a duration may reach and still round to its own nanoseconds (2^21 s ≈ 24 days). */
export const EXACT_NANOS_SPAN = 2 ** 21;

/**
 * A capture time `t` (seconds since the base whole second `base`) as the capture's own (sec, nsec), exact to
 * the nanosecond within EXACT_NANOS_SPAN of the base; past it (a capture whose clock jumped by years:
 * public/example2.pcap spans 4.5 years, and a double of 1.4e8 s holds ~15 ns) to the microsecond, which a
 * double still holds a century from the base, as the float epoch times before did.
 */
export function absoluteTime(base: number, t: number): { sec: number; nsec: number } {
  const whole = Math.floor(t);
  const unit = Math.abs(t) < EXACT_NANOS_SPAN ? 1 : 1000;
  let nsec = Math.round(((t - whole) * 1e9) / unit) * unit;
  let sec = base + whole;
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  return { sec, nsec };
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
 * events, a chart's axis), never for a printed time or a difference (absoluteTime, exactNanos).
 */
export function epochOf(base: number, t: number): number {
  return base + t;
}

/** The capture time (seconds since `base`) of a timestamp: what the decoder computes for each packet. */
export function captureTime(base: number, sec: number, nsec: number): number {
  return sec - base + nsec * 1e-9;
}

/** A duration between two capture times, in whole nanoseconds: exact while the times are (see the file's head). */
export function exactNanos(seconds: number): number {
  return Math.round(seconds * 1e9);
}

/**
 * A duration between two capture times in whole nanoseconds, with the digits the capture has: to the
 * nanosecond past the microsecond (`digits` > 6), else whole microseconds (as nanoseconds); whole
 * microseconds too past EXACT_NANOS_SPAN (a clock that jumped by years: public/pcapng-example.pcapng's
 * SYN-ACK is stamped 46 years before its ACK), where a double holds no more.
 */
export function durationNanos(seconds: number, digits: number): number {
  return digits > 6 && Math.abs(seconds) < EXACT_NANOS_SPAN ? exactNanos(seconds) : Math.round(seconds * 1e6) * 1000;
}
