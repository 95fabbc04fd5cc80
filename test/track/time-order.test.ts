// The time-order warnings (track/time-order.ts) on sequences whose answer is plain, beside the real
// captures of test/hostile/fixtures.test.ts: a step back that stays, a lone frame ahead or behind, jitter.

import { describe, expect, it } from 'vitest';
import { span, TimeOrder } from '../../src/track/time-order.js';

/** Warnings for frames 1, 2, 3 … stamped at these seconds after the run's base second. */
function warnings(seconds: number[]): string[] {
  const o = new TimeOrder();
  seconds.forEach((s, i) => {
    o.see(Math.round(s * 1e9), i + 1);
  });
  return o.warnings();
}

describe('TimeOrder', () => {
  it('frames in order, or back by a millisecond (two taps, a multi-queue NIC): nothing', () => {
    expect(warnings([0, 1, 2, 3])).toEqual([]);
    expect(warnings([0, 0.003, 0.001, 0.004, 0.002, 5, 4.999])).toEqual([]);
  });

  it('a step back that stays back: one step, where and how far, whether it is the last frame or not', () => {
    expect(warnings([100, 101, 102, 10, 11, 12])).toEqual([expect.stringMatching(/^the capture steps back in time by more than 1 s between consecutive frames \(at frame 4, 92\.0 s back\)/)]);
    expect(warnings([100, 101, 102, 10])).toEqual([expect.stringMatching(/\(at frame 4, 92\.0 s back\)/)]);
    expect(warnings([100, 50, 51, 20, 21])).toEqual([expect.stringMatching(/^the capture steps 2 times back .* \(first at frame 2, the largest 50\.0 s back\)/)]);
  });

  it('a lone frame far ahead of, or far behind, both neighbours', () => {
    expect(warnings([10, 10.5, 5000, 11, 12])).toEqual([
      'frame 3 is stamped 83.2 min after the frames on either side of it: a bad timestamp, not records out of order; its times are used as stamped',
    ]);
    expect(warnings([5000, 5001, 3, 5002, 5003])).toEqual([
      'frame 3 is stamped 83.3 min before the frames on either side of it: a bad timestamp, not records out of order; its times are used as stamped',
    ]);
    expect(warnings([10, 9000, 11, 12, 8000, 13])).toEqual([
      '2 frames are each stamped more than 1 s after the frames on either side of them (first: frame 2, the largest 2.5 h): bad timestamps, not records out of order; their times are used as stamped',
    ]);
  });

  it('spans in the unit a reader takes in at a glance', () => {
    expect([span(18.0976e9), span(3599.999e9), span(3 * 3600e9), span(3 * 86400e9), span(1472003999.36e9)]).toEqual(['18.1 s', '60.0 min', '3.0 h', '3.0 days', '46.6 years']);
  });
});
