// A --since/--until bound, in one exact form: times inside tcpdiag are integer nanoseconds
// (capture/time-base.ts), so a bound is too, and frames are compared with it exactly: a bound between two
// frames of a nanosecond capture falls where tshark puts it. A caller holding a float (a program's epoch
// seconds, watch's window ends) rounds it to the nanosecond once, here, rather than run.ts guessing later.

import { S } from '../capture/time-base.js';

/**
 * `epoch`: an absolute time, whole epoch seconds `sec` and nanoseconds `nsec` (0 ≤ nsec < 1e9).
 * `fromStart`: `ns` nanoseconds (an integer ≥ 0) after the capture's first frame.
 */
export type TimeBound = { kind: 'epoch'; sec: number; nsec: number } | { kind: 'fromStart'; ns: number };

/** (sec, nsec) with nsec brought into [0, 1e9) by moving whole seconds into sec. */
export function carry(sec: number, nsec: number): { sec: number; nsec: number } {
  const over = Math.floor(nsec / S);
  return { sec: sec + over, nsec: nsec - over * S };
}

/** An epoch bound from whole seconds and integer nanoseconds (nanoseconds past a second carry into it). */
export function epochBound(sec: number, nsec: number): TimeBound {
  return { kind: 'epoch', ...carry(sec, nsec) };
}

/** An epoch bound from float epoch seconds, rounded to the nanosecond (the float holds ~0.24 µs in 2026). */
export function epochBoundOf(epoch: number): TimeBound {
  const sec = Math.floor(epoch);
  return epochBound(sec, Math.round((epoch - sec) * S));
}

/** A bound `ns` integer nanoseconds after the capture's first frame. */
export function fromStartBound(ns: number): TimeBound {
  return { kind: 'fromStart', ns };
}

/** Whether bound `a` is later than `b`; null when they are of different kinds (only the capture relates them). */
export function boundAfter(a: TimeBound, b: TimeBound): boolean | null {
  if (a.kind === 'fromStart' && b.kind === 'fromStart') return a.ns > b.ns;
  if (a.kind === 'epoch' && b.kind === 'epoch') return a.sec > b.sec || (a.sec === b.sec && a.nsec > b.nsec);
  return null;
}
