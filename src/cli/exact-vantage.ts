// The vantage medians to the nanosecond on a capture finer than the microsecond (issue 22: durations
// exact). The analysis's VantageEstimator (diagnose/vantage.ts) takes the medians of SYN→SYN-ACK and
// SYN-ACK→ACK over a deterministic sample of clean handshakes (or, when there is no clean one, of the
// first handshakes whose SYN was re-sent), as differences of float epoch times: whole microseconds once
// reported. Rather than change the estimator, the CLI keeps the same sample of clean handshakes beside it
// (the same handshakes, the same reservoir), with each handshake's three frames; after the analysis the
// capture's record headers give those frames' own timestamps (exact-times.ts), and the medians are taken
// again from integer nanoseconds. Medians from re-sent SYNs are not sampled here: with no clean handshake
// the sample is empty and they stay as reported. The sample's float medians must equal the estimator's:
// if the two ever disagree (the estimator changed), the reported medians stay as they are.

import type { CaptureRun } from '../diagnose/pipeline.js';
import type { Connection } from '../track/connection.js';
import { exactNanos, type ExactFrames } from './exact-times.js';
import type { LatencySamples } from './exact-latency.js';
import { isTimedHandshake, MAX_SAMPLES, median, reservoirSlot } from '../diagnose/vantage.js';

/** The sampled handshakes: frames and float times of SYN, SYN-ACK, ACK, three numbers each. Plain data (worker threads clone it). */
export interface HandshakeSamples {
  frames: Uint32Array;
  times: Float64Array;
  length: number;
  seen: number;
}

/** The clean handshakes VantageEstimator samples, with their frames. */
export class HandshakeSampler {
  private readonly frames = new Uint32Array(MAX_SAMPLES * 3);
  private readonly times = new Float64Array(MAX_SAMPLES * 3);
  private length = 0;
  private seen = 0;

  add(c: Connection): void {
    if (c.synCount !== 1 || !isTimedHandshake(c)) return;
    this.seen++;
    let i = this.length;
    if (i < MAX_SAMPLES) this.length++;
    else {
      i = reservoirSlot(this.seen);
      if (i >= MAX_SAMPLES) return;
    }
    const f = this.frames;
    const t = this.times;
    f[i * 3] = c.synFrame;
    f[i * 3 + 1] = c.synAckFrame;
    f[i * 3 + 2] = c.handshakeAckFrame;
    t[i * 3] = c.synTime;
    t[i * 3 + 1] = c.synAckTime;
    t[i * 3 + 2] = c.handshakeAckTime;
  }

  result(): HandshakeSamples {
    return { frames: this.frames.slice(0, this.length * 3), times: this.times.slice(0, this.length * 3), length: this.length, seen: this.seen };
  }
}

/** A run with its sampled handshakes and overflow latencies (run-capture.ts, when asked). */
export type SampledRun = CaptureRun & { handshakes?: HandshakeSamples; latencies?: LatencySamples };

/** The frames whose timestamps the exact medians need. */
export function sampledFrames(s: HandshakeSamples | undefined): number[] {
  return s ? [...s.frames] : [];
}

/**
 * The medians in seconds from the packets' own timestamps, or null when they cannot be had: no sample,
 * a frame's timestamp not read, or the sample is not the estimator's (its float medians differ from
 * `reported`, the analysis's).
 */
export function exactVantageMedians(
  s: HandshakeSamples | undefined,
  exact: ExactFrames,
  reported: { synToSynAck: number | null; synAckToAck: number | null; handshakes: number },
): { synToSynAck: number; synAckToAck: number } | null {
  if (!s || s.length === 0 || s.seen !== reported.handshakes) return null;
  const floatA: number[] = [];
  const floatB: number[] = [];
  const nsA: number[] = [];
  const nsB: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const syn = exact.get(s.frames[i * 3]!);
    const synAck = exact.get(s.frames[i * 3 + 1]!);
    const ack = exact.get(s.frames[i * 3 + 2]!);
    if (!syn || !synAck || !ack) return null;
    floatA.push(s.times[i * 3 + 1]! - s.times[i * 3]!);
    floatB.push(s.times[i * 3 + 2]! - s.times[i * 3 + 1]!);
    const a = exactNanos((synAck.sec - syn.sec) * 1e9 + (synAck.nsec - syn.nsec));
    const b = exactNanos((ack.sec - synAck.sec) * 1e9 + (ack.nsec - synAck.nsec));
    if (a === null || b === null) return null;
    nsA.push(a);
    nsB.push(b);
  }
  if (median(floatA) !== reported.synToSynAck || median(floatB) !== reported.synAckToAck) return null;
  // An integer count over a power of ten: the decimal itself when printed.
  return { synToSynAck: median(nsA) / 1e9, synAckToAck: median(nsB) / 1e9 };
}
