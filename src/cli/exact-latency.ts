// The accept-queue-overflow finding's addedLatency (p50 / p90 / max of the time from the first SYN to the
// server's first answer of the recovered victims, above the median of the listener's healthy connections)
// to the nanosecond on a capture finer than the microsecond. As exact-vantage.ts for the vantage medians:
// the CLI keeps, per listener, the same samples the detector keeps (accept-queue-overflow.ts delaySampleOf
// and its caps: the same connections, the same first ones) with their two frames; after the analysis the
// frames' own timestamps give the delays in integer nanoseconds. Used only when the samples' float figures
// are the finding's, so a change in the detector can never be printed with the wrong numbers.

import type { Finding } from '../diagnose/registry.js';
import type { FindingReport } from '../report/model.js';
import { measuredDuration, precisionOf } from '../report/units.js';
import type { ConnectionFacts } from '../diagnose/signatures.js';
import { delaySampleOf, LATENCY_FIGURE, MAX_BASELINE_SAMPLES, MAX_SAMPLES } from '../diagnose/detectors/accept-queue-overflow.js';
import { quantile, quantilesAbove } from '../diagnose/overflow.js';
import { formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import { exactNanos, type ExactFrames } from './exact-times.js';

/** Delays of one kind: per sample its SYN and first-answer frames and float times. Plain data. */
interface DelaySamples {
  frames: number[];
  times: number[];
}

/** Per listener (`ip:port`), the recovered victims' delays and the healthy connections' (the baseline). */
export type LatencySamples = Record<string, { latency: DelaySamples; baseline: DelaySamples }>;

export class LatencySampler {
  private readonly listeners: LatencySamples = {};

  add(c: Connection, f: ConnectionFacts): void {
    const kind = delaySampleOf(c, f);
    if (kind === null) return;
    const healthy = kind === 'baseline';
    const l = this.listenerOf(c);
    const into = healthy ? l.baseline : l.latency;
    // As the detector's Samples: the first ones are kept.
    if (into.frames.length / 2 >= (healthy ? MAX_BASELINE_SAMPLES : MAX_SAMPLES)) return;
    into.frames.push(c.synFrame, c.serverAnswerFrame);
    into.times.push(c.synTime, c.serverAnswerTime);
  }

  // The last listener's samples: most connections go to the one before's (no name to build).
  private last: LatencySamples[string] | null = null;
  private lastS3 = -1;
  private lastS2 = -1;
  private lastS1 = -1;
  private lastS0 = -1;
  private lastPort = -1;

  private listenerOf(c: Connection): LatencySamples[string] {
    if (this.last && c.sPort === this.lastPort && c.s3 === this.lastS3 && c.s2 === this.lastS2 && c.s1 === this.lastS1 && c.s0 === this.lastS0) return this.last;
    const key = formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort);
    this.last = this.listeners[key] ??= { latency: { frames: [], times: [] }, baseline: { frames: [], times: [] } };
    this.lastS0 = c.s0;
    this.lastS1 = c.s1;
    this.lastS2 = c.s2;
    this.lastS3 = c.s3;
    this.lastPort = c.sPort;
    return this.last;
  }

  result(): LatencySamples {
    return this.listeners;
  }
}

export function latencyFrames(s: LatencySamples | undefined): number[] {
  if (!s) return [];
  return Object.values(s).flatMap((l) => [...l.latency.frames, ...l.baseline.frames]);
}

/** p50 / p90 / max above the baseline's median, as overflow.ts latencySummary and baselineOf compute them. */
function summary(delays: number[], baseline: number[]): { p50: number; p90: number; max: number } {
  const base = baseline.length > 0 ? quantile([...baseline].sort((a, b) => a - b), 0.5) : 0;
  return quantilesAbove([...delays].sort((a, b) => a - b), base);
}

/** Nanoseconds of each sample from the frames' own timestamps; null when one was not read. */
function exactDelays(d: DelaySamples, exact: ExactFrames): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < d.frames.length; i += 2) {
    const a = exact.get(d.frames[i]!);
    const b = exact.get(d.frames[i + 1]!);
    const ns = a && b ? exactNanos((b.sec - a.sec) * 1e9 + (b.nsec - a.nsec)) : null;
    if (ns === null) return null;
    out.push(ns);
  }
  return out;
}

function floatDelays(d: DelaySamples): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.times.length; i += 2) out.push(d.times[i + 1]! - d.times[i]!);
  return out;
}

/**
 * Per accept-queue-overflow finding's listener, its addedLatency's p50 / p90 / max in seconds from the
 * packets' own timestamps; only where the samples give the finding's own float figures.
 */
export function exactLatencies(
  s: LatencySamples | undefined,
  exact: ExactFrames,
  findings: readonly Finding[],
): Map<string, { p50: number; p90: number; max: number }> {
  const out = new Map<string, { p50: number; p90: number; max: number }>();
  if (!s) return out;
  for (const f of findings) {
    if (f.id !== 'accept-queue-overflow' || !f.addedLatency) continue;
    const l = s[f.listener];
    if (!l || l.latency.frames.length / 2 !== f.addedLatency.samples) continue;
    const float = summary(floatDelays(l.latency), floatDelays(l.baseline));
    if (float.p50 !== f.addedLatency.p50 || float.p90 !== f.addedLatency.p90 || float.max !== f.addedLatency.max) continue;
    const delays = exactDelays(l.latency, exact);
    const baseline = exactDelays(l.baseline, exact);
    if (!delays || !baseline) continue;
    const ns = summary(delays, baseline);
    out.set(f.listener, { p50: ns.p50 / 1e9, p90: ns.p90 / 1e9, max: ns.max / 1e9 });
  }
  return out;
}

/**
 * An overflow's reported addedLatency with its exact figures (exactLatencies), where there are some; its
 * text figure (the detector's, to the millisecond) written again with the digits they have when one has
 * digits past the microsecond. `digits`: of a second, the capture's (digitsOf its summary).
 */
export function withLatency(r: FindingReport, exact: ReadonlyMap<string, { p50: number; p90: number; max: number }>, digits: number): FindingReport {
  const x = exact.get(r.listener);
  if (r.id !== 'accept-queue-overflow' || !r.addedLatency || !x) return r;
  const values = [x.p50, x.p90, x.max];
  const figures = values.some((v) => precisionOf(v, digits) > 6)
    ? r.figures.map(([k, v]): [string, string] => [k, k === LATENCY_FIGURE ? values.map((s) => measuredDuration(s, digits)).join(' / ') : v])
    : r.figures;
  return { ...r, figures, addedLatency: { ...r.addedLatency, ...x } };
}
