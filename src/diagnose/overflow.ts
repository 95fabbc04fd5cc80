// The accept-queue overflow's measures: episodes, added latency, the queue's size as the capture shows it.

import type { Episode, LatencySummary } from './finding.js';
import type { Samples } from './samples.js';

/** Events further apart than this belong to separate episodes. */
const EPISODE_GAP_S = 2;
/** A queue filled by one burst fills within this. */
const BURST_FILL_S = 0.5;

/** The value at quantile `q` of sorted values (the upper one at a tie: q=0.5 of two is the second). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** p50 / p90 / max of sorted delays, above `base` (never below zero). */
export function quantilesAbove(sorted: ArrayLike<number>, base: number): { p50: number; p90: number; max: number } {
  const at = (q: number) => Math.max(0, quantile(sorted, q) - base);
  return { p50: at(0.5), p90: at(0.9), max: at(1) };
}

/** The median of healthy connections' time to first answer: what the overflow's latency is measured above. */
export function baselineOf(baseline: Samples): number {
  return baseline.length > 0 ? quantile(baseline.sorted(), 0.5) : 0;
}

/** `base`: baselineOf() the listener's healthy connections. */
export function latencySummary(samples: Samples, base: number): LatencySummary | null {
  if (samples.length === 0) return null;
  // Subtracting one number keeps the order.
  const s = samples.sorted();
  return { ...quantilesAbove(s, base), samples: s.length };
}

// Edges a person reads at a glance: sub-second, then the SYN/data retransmit scale.
const LATENCY_EDGES = [0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];

export function latencyHistogram(samples: Samples, base: number): { edges: number[]; counts: number[] } | null {
  if (samples.length === 0) return null;
  const counts = new Array<number>(LATENCY_EDGES.length).fill(0);
  for (const x of samples.view()) {
    const v = Math.max(0, x - base);
    let i = LATENCY_EDGES.length - 1;
    while (i > 0 && v < LATENCY_EDGES[i]!) i--;
    counts[i]!++;
  }
  return { edges: LATENCY_EDGES.slice(), counts };
}

export function episodesOf(times: Float64Array): Episode[] {
  if (times.length === 0) return [];
  const t = times.slice().sort();
  const out: Episode[] = [];
  let cur: Episode = { start: t[0]!, end: t[0]!, connections: 1 };
  for (let i = 1; i < t.length; i++) {
    if (t[i]! - cur.end > EPISODE_GAP_S) {
      out.push(cur);
      cur = { start: t[i]!, end: t[i]!, connections: 1 };
    } else {
      cur.end = t[i]!;
      cur.connections++;
    }
  }
  out.push(cur);
  return out;
}

/**
 * Episodes from each affected connection's span, first drop to last (issue 19 item 8): a stall that
 * keeps dropping the same connections' retransmits for 30 s is one 30 s episode, not a 10 ms one.
 */
export function episodesOfSpans(starts: Float64Array, ends: Float64Array): Episode[] {
  if (starts.length === 0) return [];
  const order = Array.from(starts.keys()).sort((a, b) => starts[a]! - starts[b]!);
  const out: Episode[] = [];
  let cur: Episode | null = null;
  for (const i of order) {
    const start = starts[i]!;
    const end = Math.max(start, ends[i] ?? start);
    if (cur && start - cur.end <= EPISODE_GAP_S) {
      if (end > cur.end) cur.end = end;
      cur.connections++;
    } else {
      if (cur) out.push(cur);
      cur = { start, end, connections: 1 };
    }
  }
  out.push(cur!);
  return out;
}

/**
 * How many handshakes completed normally in the burst before the first one
 * the server ignored: the accept queue's size as the capture shows it (the
 * kernel holds backlog + 1, kernel.md §1.1).
 */
export function acceptQueueEstimate(
  handshakes: Samples,
  overflowedFlags: Samples,
  sorted: Float64Array = handshakes.sorted(),
): number | null {
  const times = handshakes.view();
  const overflowed = overflowedFlags.view();
  // The first ignored handshake in time order (the earlier one of equal times), and its place in that order.
  let f = -1;
  for (let i = 0; i < times.length; i++) if (overflowed[i] === 1 && (f < 0 || times[i]! < times[f]!)) f = i;
  if (f < 0) return null;
  let first = 0;
  for (let i = 0; i < times.length; i++) if (times[i]! < times[f]! || (times[i] === times[f] && i < f)) first++;
  if (first === 0) return null;
  let start = first;
  while (start > 0 && sorted[start]! - sorted[start - 1]! < 1) start--;
  // Only a burst from idle that fills the queue at once tells its size; under a steady rate accepts
  // drain it all along and the count would be meaningless.
  if (sorted[first]! - sorted[start]! > BURST_FILL_S) return null;
  // Everything before the first ignored one completed normally.
  return first > start ? first - start : null;
}

/** The most handshakes within any one second; `t`: their times in numeric order. */
export function peakPerSecond(t: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 1) j++;
    if (i - j + 1 > best) best = i - j + 1;
  }
  return best;
}

export function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

