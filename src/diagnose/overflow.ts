// The accept-queue overflow's measures: episodes, added latency, the queue's size as the capture shows it.

import type { Episode, LatencySummary } from './finding.js';
import type { Samples } from './samples.js';
import { MS, S } from '../capture/time-base.js';

/** Events further apart than this belong to separate episodes. */
const EPISODE_GAP_NS = 2 * S;
/** A queue filled by one burst fills within this. */
const BURST_FILL_NS = 500 * MS;
/** Handshakes closer than this belong to one burst (acceptQueueEstimate). */
const BURST_GAP_NS = 1 * S;

/** The value at quantile `q` of sorted values (the upper one at a tie: q=0.5 of two is the second). */
function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** p50 / p90 / max of sorted delays, above `base` (never below zero). */
function quantilesAbove(sorted: ArrayLike<number>, base: number): { p50: number; p90: number; max: number } {
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

// Edges a person reads at a glance: sub-second, then the SYN/data retransmit scale (nanoseconds).
const LATENCY_EDGES_NS = [0, 100 * MS, 250 * MS, 500 * MS, 1 * S, 2 * S, 4 * S, 8 * S, 16 * S, 32 * S, 64 * S, 128 * S];

export function latencyHistogram(samples: Samples, base: number): { edges: number[]; counts: number[] } | null {
  if (samples.length === 0) return null;
  const counts = new Array<number>(LATENCY_EDGES_NS.length).fill(0);
  // An indexed loop: a for-of over the view, run once and never optimised, made an iterator result per sample.
  const view = samples.view();
  for (let k = 0; k < view.length; k++) {
    const v = Math.max(0, view[k]! - base);
    let i = LATENCY_EDGES_NS.length - 1;
    while (i > 0 && v < LATENCY_EDGES_NS[i]!) i--;
    counts[i]!++;
  }
  return { edges: LATENCY_EDGES_NS.slice(), counts };
}

const NO_SPANS = new Float64Array(0);

/**
 * Episodes from each affected connection's span, first drop to last (issue 19 item 8): a stall that
 * keeps dropping the same connections' retransmits for 30 s is one 30 s episode, not a 10 ms one. The
 * spans are `starts`/`ends` and then `moreStarts`/`moreEnds`, as if the lists were concatenated.
 *
 * The spans are read in order of their starts through an index sorted in place (a heap sort over a
 * Uint32Array): the order of equal starts does not matter (the first of them to be read leaves the
 * episode's end at or past their start, so the others join it whatever their order), and nothing is
 * allocated per span. It was the lists concatenated, then `Array.from(starts.keys()).sort((a, b) =>
 * starts[a] - starts[b])`: an array of indices, an iterator result per index and a boxed double per
 * comparison, 64 MB of garbage at the end of the 20 M-packet tiled capture (BENCHMARKS.md, session 10).
 */
export function episodesOfSpans(
  starts: Float64Array,
  ends: Float64Array,
  moreStarts: Float64Array = NO_SPANS,
  moreEnds: Float64Array = NO_SPANS,
): Episode[] {
  const first = starts.length;
  const n = first + moreStarts.length;
  if (n === 0) return [];
  const startAt = (i: number): number => (i < first ? starts[i]! : moreStarts[i - first]!);
  // A missing end is the start, as `ends[i] ?? start` was on the concatenated lists.
  const endAt = (i: number): number => {
    if (i < first) return i < ends.length ? ends[i]! : startAt(i);
    const j = i - first;
    return j < moreEnds.length ? moreEnds[j]! : startAt(i);
  };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  sortIndex(order, startAt);
  const out: Episode[] = [];
  let cur: Episode | null = null;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const start = startAt(i);
    const end = Math.max(start, endAt(i));
    if (cur && start - cur.end <= EPISODE_GAP_NS) {
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

/** Sorts the indices `order` by `key` of each, ascending (a heap sort: in place, not stable). */
function sortIndex(order: Uint32Array, key: (i: number) => number): void {
  const n = order.length;
  const sift = (root: number, size: number): void => {
    const top = order[root]!;
    const k = key(top);
    let i = root;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && key(order[child + 1]!) > key(order[child]!)) child++;
      if (!(key(order[child]!) > k)) break;
      order[i] = order[child]!;
      i = child;
    }
    order[i] = top;
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) sift(i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = order[0]!;
    order[0] = order[end]!;
    order[end] = top;
    sift(0, end);
  }
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
  while (start > 0 && sorted[start]! - sorted[start - 1]! < BURST_GAP_NS) start--;
  // Only a burst from idle that fills the queue at once tells its size; under a steady rate accepts
  // drain it all along and the count would be meaningless.
  if (sorted[first]! - sorted[start]! > BURST_FILL_NS) return null;
  // Everything before the first ignored one completed normally.
  return first > start ? first - start : null;
}

/** The most handshakes within any one second; `t`: their times (nanoseconds) in numeric order. */
export function peakPerSecond(t: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= S) j++;
    if (i - j + 1 > best) best = i - j + 1;
  }
  return best;
}
