// RecentSegments (track/duplicates.ts): what makes a segment the capture's own copy, and what does not.
import { describe, expect, it } from 'vitest';
import { newSegment, TCP_ACK, TCP_RST, type Segment } from '../../src/decode/segment.js';
import { RecentSegments } from '../../src/track/duplicates.js';

function seg(time: number, seq: number, more: Partial<Segment> = {}): Segment {
  return Object.assign(newSegment(), { time, seq, ack: 1000, ipId: 7, flags: TCP_ACK, payloadLen: 100, tsVal: 5 }, more);
}

describe('RecentSegments', () => {
  it('a copy 1.9 ms later is a copy, even with other segments of the same direction in between', () => {
    const r = new RecentSegments();
    expect(r.isCopy(3, false, seg(10, 1))).toBe(false);
    expect(r.isCopy(3, false, seg(10.0001, 101, { ipId: 8 }))).toBe(false);
    expect(r.isCopy(3, false, seg(10.0019, 1))).toBe(true);
    expect(r.isCopy(3, false, seg(10.00195, 101, { ipId: 8 }))).toBe(true);
  });

  it('not a copy: 2 ms or more later, another IP ID, TSval, length, flags, direction or connection', () => {
    const r = new RecentSegments();
    r.isCopy(3, false, seg(10, 1));
    expect(r.isCopy(3, false, seg(10.0021, 1))).toBe(false);
    const r2 = new RecentSegments();
    r2.isCopy(3, false, seg(10, 1));
    for (const more of [{ ipId: 8 }, { tsVal: 6 }, { payloadLen: 99 }, { flags: TCP_ACK | 8 }, { ack: 1001 }]) {
      expect(r2.isCopy(3, false, seg(10.0005, 1, more)), JSON.stringify(more)).toBe(false);
    }
    expect(r2.isCopy(3, true, seg(10.0005, 1))).toBe(false);
    expect(r2.isCopy(4, false, seg(10.0005, 1))).toBe(false);
  });

  it('a RST without an IP ID is never a copy: the listener sends one to each segment that meets it', () => {
    const r = new RecentSegments();
    expect(r.isCopy(1, true, seg(10, 1, { flags: TCP_RST, ipId: 0, payloadLen: 0 }))).toBe(false);
    expect(r.isCopy(1, true, seg(10.00002, 1, { flags: TCP_RST, ipId: 0, payloadLen: 0 }))).toBe(false);
    expect(r.isCopy(1, true, seg(10.00004, 1, { flags: TCP_RST, ipId: 9, payloadLen: 0 }))).toBe(false);
    expect(r.isCopy(1, true, seg(10.00005, 1, { flags: TCP_RST, ipId: 9, payloadLen: 0 }))).toBe(true);
  });
});
