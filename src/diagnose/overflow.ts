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
 * spans are `starts`/`ends` and then `moreStarts`/`moreEnds`, as if the lists were concatenated; a
 * missing end is the start, and an end before its start is the start.
 *
 * Spans chain into one episode while each next start (in time order) is within EPISODE_GAP_NS of the
 * latest end so far. Which end belongs to which start does not matter for that: the spans that began
 * before a start have all ended more than the gap before it exactly when that many of all the ends lie
 * more than the gap before it (an end lies at or after its own start). So the starts and the ends are
 * sorted each on its own (two native typed-array sorts) and walked side by side, and an episode's end is
 * the largest of its share of the sorted ends. The argument needs finite times (capture times are): an
 * infinite start and end would subtract to NaN. Two copies of n doubles (up to 400 000 spans, 6.4 MB) where
 * the heap sort had an index of n words: in the CLI the judgement runs after the tracker's slots are freed
 * (cli/run-capture.ts releaseTrackerMemory), far below the run's peak. It was a heap sort of an index by
 * start (session 10), and before that a comparator sort of an index array with 64 MB of garbage at 20 M
 * packets (BENCHMARKS.md, sessions 10 and 15).
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
  const s = new Float64Array(n);
  s.set(starts);
  s.set(moreStarts, first);
  const e = new Float64Array(n);
  for (let i = 0; i < first; i++) e[i] = i < ends.length ? Math.max(starts[i]!, ends[i]!) : starts[i]!;
  for (let j = 0; j < moreStarts.length; j++) e[first + j] = j < moreEnds.length ? Math.max(moreStarts[j]!, moreEnds[j]!) : moreStarts[j]!;
  s.sort();
  e.sort();
  const out: Episode[] = [];
  let from = 0;
  // Ends more than the gap before the current start: all belong to spans begun before it.
  let gone = 0;
  for (let k = 1; k < n; k++) {
    const start = s[k]!;
    while (gone < k && !(start - e[gone]! <= EPISODE_GAP_NS)) gone++;
    if (gone === k) {
      out.push({ start: s[from]!, end: e[k - 1]!, connections: k - from });
      from = k;
    }
  }
  out.push({ start: s[from]!, end: e[n - 1]!, connections: n - from });
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
