import { describe, expect, it } from 'vitest';
import { acceptQueueEstimate, peakPerSecond } from '../../src/diagnose/overflow.js';
import { Samples } from '../../src/diagnose/samples.js';
import { S } from '../../src/capture/time-base.js';

function samples(xs: number[]): Samples {
  const s = new Samples(1000);
  for (const x of xs) s.push(x);
  return s;
}

/** Handshake times given in seconds, as the detectors keep them: integer nanoseconds (capture/time-base.ts). */
function at(xs: number[]): Samples {
  return samples(xs.map((x) => Math.round(x * S)));
}

describe('accept queue estimate from handshake times', () => {
  const times = [10, 10.01, 10.02, 10.03, 10.04, 10.05, 10.06];
  const flags = [0, 0, 0, 0, 0, 1, 1];

  it('counts the handshakes completed in the burst before the first ignored one', () => {
    expect(acceptQueueEstimate(at(times), samples(flags))).toBe(5);
  });

  it('does not depend on the order connections finished in', () => {
    const order = [6, 2, 5, 0, 3, 1, 4];
    expect(acceptQueueEstimate(at(order.map((i) => times[i]!)), samples(order.map((i) => flags[i]!)))).toBe(5);
  });

  it('starts the burst after the last second-long gap', () => {
    expect(acceptQueueEstimate(at([1, 2.5, ...times]), samples([0, 0, ...flags]))).toBe(5);
  });

  it('gives no estimate without an ignored handshake, when the first is ignored, or under a steady rate', () => {
    expect(acceptQueueEstimate(at(times), samples(times.map(() => 0)))).toBeNull();
    expect(acceptQueueEstimate(at(times), samples(times.map(() => 1)))).toBeNull();
    const steady = Array.from({ length: 20 }, (_, i) => 10 + i * 0.1);
    expect(acceptQueueEstimate(at(steady), samples(steady.map((_, i) => (i === 19 ? 1 : 0))))).toBeNull();
  });

  it('equal times: the earlier-added ignored handshake counts as first', () => {
    expect(acceptQueueEstimate(at([5, 5, 5, 5]), samples([0, 0, 1, 0]))).toBe(2);
  });
});

describe('peak handshakes per second', () => {
  it('is the most handshakes within any one-second window', () => {
    expect(peakPerSecond(at([3, 0, 0.5, 0.9, 1.2, 2.95, 3.1]).sorted())).toBe(3);
    // Exactly one second apart: not within one second.
    expect(peakPerSecond(at([0, 1, 2]).sorted())).toBe(1);
  });
});
