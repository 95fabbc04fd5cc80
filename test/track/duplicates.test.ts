// Capture duplicates (track/duplicates.ts): what makes a segment the capture's own copy, and what does not,
// through the tracker as a capture feeds it.
import { describe, expect, it } from 'vitest';
import { newSegment, TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN, type Segment } from '../../src/decode/segment.js';
import type { Connection } from '../../src/track/connection.js';
import { Seg } from '../../src/track/duplicates.js';
import { DW } from '../../src/track/layout.js';
import { Tracker } from '../../src/track/tracker.js';
import { FIXTURES, run } from '../helpers/pipeline.js';

const C_ISN = 1000;
const S_ISN = 5000;

/** A segment of 10.0.0.1:40000 ↔ 10.0.0.2:80 (IPv4), or of fd00::1 ↔ fd00::2 (IPv6: no IP ID). */
/** `seconds`: its capture time, kept as the decoder does: integer nanoseconds (capture/time-base.ts). */
function seg(frame: number, seconds: number, fromClient: boolean, more: Partial<Segment> = {}): Segment {
  const s = newSegment();
  const v6 = more.ipVersion === 6;
  // Address words as the decoder gives them: signed (decode/segment.ts).
  const a = v6 ? [0xfd000000 | 0, 0, 0, 1] : [0, 0, 0xffff, 0x0a000001];
  const b = v6 ? [0xfd000000 | 0, 0, 0, 2] : [0, 0, 0xffff, 0x0a000002];
  const [src, dst] = fromClient ? [a, b] : [b, a];
  [s.src0, s.src1, s.src2, s.src3] = src as [number, number, number, number];
  [s.dst0, s.dst1, s.dst2, s.dst3] = dst as [number, number, number, number];
  s.srcPort = fromClient ? 40000 : 80;
  s.dstPort = fromClient ? 80 : 40000;
  return Object.assign(s, { frame, time: Math.round(seconds * 1e9), tsSec: Math.floor(seconds), window: 500, ipId: v6 ? -1 : frame, tsVal: 7 }, more);
}

/** A handshake at t = 10 s, then `rest`; the one connection at the end. */
function track(rest: Segment[], v6 = false): Connection {
  const ip = v6 ? { ipVersion: 6 as const } : {};
  const out: Connection[] = [];
  const t = new Tracker((c) => out.push(c));
  t.add(seg(1, 10, true, { ...ip, flags: TCP_SYN, seq: C_ISN }));
  t.add(seg(2, 10.001, false, { ...ip, flags: TCP_SYN | TCP_ACK, seq: S_ISN, ack: C_ISN + 1 }));
  t.add(seg(3, 10.002, true, { ...ip, flags: TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1 }));
  for (const s of rest) t.add(s);
  t.end();
  expect(out).toHaveLength(1);
  return out[0]!;
}

/** Client data segment k (100 bytes each) at `time`; `ipId` as its own frame unless given. */
const data = (frame: number, time: number, k: number, more: Partial<Segment> = {}) =>
  seg(frame, time, true, { flags: TCP_ACK | TCP_PSH, seq: C_ISN + 1 + 100 * k, ack: S_ISN + 1, payloadLen: 100, ...more });

describe('capture duplicates', () => {
  it('a copy 1.9 ms later is a copy, even with other segments of the same direction in between', () => {
    const c = track([
      data(10, 11, 0, { ipId: 100 }),
      data(11, 11.0001, 1, { ipId: 101 }),
      data(12, 11.0019, 0, { ipId: 100 }),
      data(13, 11.00195, 1, { ipId: 101 }),
    ]);
    expect(c.client.duplicates).toBe(2);
    expect(c.client.retransmits).toBe(0);
    expect(c.client.packets).toBe(6);
  });

  it('a copy 30 segments of its direction after its original, all within 2 ms, is found; a copy of one 2 ms older is not', () => {
    const burst = [data(10, 11, 0, { ipId: 100 })];
    for (let k = 1; k <= 30; k++) burst.push(data(10 + k, 11 + k * 5e-5, k, { ipId: 100 + k }));
    burst.push(data(50, 11.0019, 0, { ipId: 100 }), data(51, 11.00195, 29, { ipId: 129 }));
    expect(track(burst).client.duplicates).toBe(2);
    // The original's successor came 2 ms later (so it was not kept): the same segment after it is sent again.
    const c = track([data(10, 11, 0, { ipId: 100 }), data(11, 11.0025, 1, { ipId: 101 }), data(12, 11.0026, 0, { ipId: 100 })]);
    expect(c.client.duplicates).toBe(0);
    expect(c.client.retransmits + c.client.outOfOrder).toBe(1);
  });

  it('a copy one segment back (the previous-segment words), two back (the table) and after time ran backwards (the table) is found', () => {
    const c = track([
      data(10, 11, 0, { ipId: 100 }),
      data(11, 11.0001, 1, { ipId: 101 }),
      data(12, 11.0002, 2, { ipId: 102 }),
      // Segment 1 is the previous one now, segment 0 went to the table when segment 2 came.
      data(13, 11.0005, 1, { ipId: 101 }),
      data(14, 11.0006, 0, { ipId: 100 }),
      // The clock steps back 0.1 ms: segment 3 cannot be kept as a time before the last one's, it goes to the table.
      data(15, 11.01, 3, { ipId: 103 }),
      data(16, 11.0099, 4, { ipId: 104 }),
      data(17, 11.0101, 3, { ipId: 103 }),
    ]);
    expect(c.client.duplicates).toBe(3);
    expect(c.client.retransmits + c.client.outOfOrder).toBe(0);
    expect(c.client.packets).toBe(10);
  });

  it('not a copy: 2 ms or more later, another IP ID, TSval, length, flags, ACK or direction', () => {
    expect(track([data(10, 11, 0, { ipId: 100 }), data(11, 11.0021, 0, { ipId: 100 })]).client.duplicates).toBe(0);
    for (const more of [{ ipId: 101 }, { tsVal: 6 }, { payloadLen: 99 }, { flags: TCP_ACK }, { ack: S_ISN + 2 }]) {
      const c = track([data(10, 11, 0, { ipId: 100 }), data(11, 11.0005, 0, { ipId: 100, ...more })]);
      expect(c.client.duplicates, JSON.stringify(more)).toBe(0);
    }
    // The same numbers from the other side are the other direction's.
    const c = track([
      seg(10, 11, true, { flags: TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ipId: 100 }),
      seg(11, 11.0005, false, { flags: TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ipId: 100 }),
    ]);
    expect(c.client.duplicates + c.server.duplicates).toBe(0);
  });

  it('a copy of a pure ACK, of a SYN and of a RST with an IP ID is found', () => {
    const c = track([
      seg(10, 11, true, { flags: TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ipId: 100 }),
      seg(11, 11.001, true, { flags: TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ipId: 100 }),
      seg(12, 11.01, true, { flags: TCP_RST | TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ipId: 101 }),
      seg(13, 11.0101, true, { flags: TCP_RST | TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ipId: 101 }),
    ]);
    expect(c.client.duplicates).toBe(2);
    const out: Connection[] = [];
    const t = new Tracker((x) => out.push(x));
    t.add(seg(1, 10, true, { flags: TCP_SYN, seq: C_ISN, ipId: 9 }));
    t.add(seg(2, 10.0003, true, { flags: TCP_SYN, seq: C_ISN, ipId: 9 }));
    t.end();
    expect(out[0]!.client.duplicates).toBe(1);
    expect(out[0]!.synCount).toBe(1);
  });

  it('a RST without an IP ID is never a copy: the listener sends one to each segment that meets it', () => {
    const rst = (frame: number, time: number, ipId: number) =>
      seg(frame, time, false, { flags: TCP_RST, seq: S_ISN + 1, payloadLen: 0, ipId });
    const c = track([rst(10, 11, 0), rst(11, 11.00002, 0), rst(12, 11.00004, 9), rst(13, 11.00005, 9)]);
    expect(c.server.duplicates).toBe(1);
  });

  it('IPv6 (no IP ID): the same segment again with nothing from the peer between is a copy', () => {
    const ack = (frame: number, time: number, more: Partial<Segment> = {}) =>
      seg(frame, time, true, { ipVersion: 6, flags: TCP_ACK, seq: C_ISN + 1, ack: S_ISN + 1, ...more });
    expect(track([ack(10, 11), ack(11, 11.0005)], true).client.duplicates).toBe(1);
    // A window update: the same numbers and TSval, another window.
    expect(track([ack(10, 11), ack(11, 11.0005, { window: 900 })], true).client.duplicates).toBe(0);
    // The answer to a segment of the peer captured in between (a duplicate ACK) is the kernel's, not a copy.
    const c = track(
      [ack(10, 11), seg(11, 11.0002, false, { ipVersion: 6, flags: TCP_ACK | TCP_PSH, seq: S_ISN + 1, ack: C_ISN + 1, payloadLen: 10 }), ack(12, 11.0005)],
      true,
    );
    expect(c.client.duplicates).toBe(0);
  });

  it('public/bug-6269-01.pcap (IPv6): the client\'s ACK to the re-sent SYN-ACK is a duplicate ACK, not a capture copy', async () => {
    // tshark 4.0.17 (-e tcp.analysis.duplicate_ack_frame): frame 6 is "Dup ACK 4#1", an answer to the
    // SYN-ACK re-sent in frame 5, 93 µs after the handshake ACK of frame 4, with the same seq, ack,
    // TSval (2360443663) and window (507).
    const r = await run(`${FIXTURES}public/bug-6269-01.pcap`);
    expect(r.conns).toHaveLength(1);
    const { c } = r.conns[0]!;
    expect(c.ipVersion).toBe(6);
    expect(c.client.duplicates + c.server.duplicates).toBe(0);
    expect(c.client.packets).toBe(5);
    expect(c.handshakeAckFrame).toBe(4);
    expect(c.synAckCount).toBe(2);
    expect(r.summary.warnings.some((w) => w.includes('captured twice'))).toBe(false);
  });
});

describe('the kept segments\' words', () => {
  it('lie in the same order from DW.LastSeq and from DW.PrevSeq, as Seg reads them (duplicates.ts)', () => {
    const last = [DW.LastSeq, DW.LastAck, DW.LastTsVal, DW.LastLenFlags, DW.LastId].map((w) => w - DW.LastSeq);
    const prev = [DW.PrevSeq, DW.PrevAck, DW.PrevTsVal, DW.PrevLenFlags, DW.PrevId].map((w) => w - DW.PrevSeq);
    const seg = [Seg.Seq, Seg.Ack, Seg.TsVal, Seg.LenFlags, Seg.Id];
    expect(last).toEqual(seg);
    expect(prev).toEqual(seg);
  });
});
