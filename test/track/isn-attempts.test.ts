// A SYN with a new ISN on the same tuple is a new attempt, not a SYN retransmit (issue 19 item 7).
import { describe, expect, it } from 'vitest';
import { newSegment, TCP_ACK, TCP_SYN } from '../../src/decode/segment.js';
import type { Connection } from '../../src/track/connection.js';
import { Tracker } from '../../src/track/tracker.js';
import { FIXTURES, run } from '../helpers/pipeline.js';

/**
 * public/bug-7657-01.pcap as tshark 4.0.17 reads it (`tshark -r … -T fields -e frame.number
 * -e frame.time_relative -e tcp.flags.str -e tcp.seq_raw -e tcp.ack_raw`, `-Y tcp.analysis.reused_ports`,
 * `-Y tcp.analysis.retransmission`): 24 SYNs on 100.73.5.8:45511 → 100.73.2.4:80, 21 of them with an ISN
 * of their own (crafted: non-zero ack field); ISN 4291095205 at frames 13, 20, 24, answered by the
 * SYN-ACK of frame 25 (ack 4291095206). tshark: 23 "TCP port numbers reused", 0 retransmissions (it
 * starts a stream at every SYN, so it misses the client's own re-sends at 20 and 24).
 */
const TSHARK = {
  syns: 24,
  reusedPorts: 23,
  answeredIsn: 4291095205,
  answeredIsnFrames: [13, 20, 24],
  answeredIsnTimes: [1.863774, 2.887516, 3.911521],
  synAckFrame: 25,
  synAckTime: 3.917186,
  synAckAck: 4291095206,
};

describe('SYNs with new ISNs on one tuple (public/bug-7657-01.pcap)', () => {
  it('counts the answered ISN\'s own SYNs as its retransmits and the others as separate attempts', async () => {
    const r = await run(`${FIXTURES}public/bug-7657-01.pcap`);
    expect(r.conns).toHaveLength(1);
    const { c, facts } = r.conns[0]!;
    expect(TSHARK.synAckAck - 1).toBe(TSHARK.answeredIsn);
    expect(c.synCount).toBe(TSHARK.syns);
    expect(c.synAckFrame).toBe(TSHARK.synAckFrame);
    // The answered attempt: its SYN sent 3 times, first at frame 13.
    expect(c.answeredIsnSyns).toBe(TSHARK.answeredIsnFrames.length);
    expect(c.answeredSynFrame).toBe(TSHARK.answeredIsnFrames[0]);
    expect(c.synRetransBeforeAnswer).toBe(TSHARK.answeredIsnFrames.length - 1);
    // Nanoseconds: tshark's microsecond times' difference, exactly (3.917186 − 1.863774 s).
    expect(c.synAckTime - c.answeredSynTime).toBe(2_053_412_000);
    expect(Math.round((TSHARK.synAckTime - TSHARK.answeredIsnTimes[0]!) * 1e6) * 1000).toBe(2_053_412_000);
    // Every SYN after the first with another ISN: tshark's reused ports, less the answered ISN's two re-sends.
    expect(c.otherIsnSyns).toBe(TSHARK.syns - TSHARK.answeredIsnFrames.length);
    expect(c.synNewIsn).toBe(TSHARK.reusedPorts);
    expect(c.synRetransmits).toBe(TSHARK.answeredIsnFrames.length - 1);
    expect(c.client.retransmits).toBe(TSHARK.answeredIsnFrames.length - 1);
    expect(facts.unansweredSyns).toBe(2);
    const notes = r.analysis.findings.flatMap((f) => f.evidence.connections.map((e) => e.note));
    expect(notes).toContain(
      'SYN sent 3 times (first at frame 13), answered after 2.05 s; 21 other SYNs with new ISNs on the same port (separate attempts, not retransmits)',
    );
    expect(notes.join(' ')).not.toContain('24 times');
  });
});

/** One client SYN (or SYN-ACK) of 10.0.0.1:40000 ↔ 10.0.0.2:80; `time` in seconds (kept as nanoseconds, capture/time-base.ts). */
function track(packets: { frame: number; time: number; isn: number; synAck?: boolean }[]): Connection[] {
  const out: Connection[] = [];
  const t = new Tracker((c) => out.push(c));
  for (const p of packets) {
    const s = newSegment();
    s.src2 = s.dst2 = 0xffff;
    if (p.synAck) {
      s.src3 = 0x0a000002;
      s.dst3 = 0x0a000001;
      s.srcPort = 80;
      s.dstPort = 40000;
      s.flags = TCP_SYN | TCP_ACK;
      s.seq = 777;
      s.ack = (p.isn + 1) >>> 0;
    } else {
      s.src3 = 0x0a000001;
      s.dst3 = 0x0a000002;
      s.srcPort = 40000;
      s.dstPort = 80;
      s.flags = TCP_SYN;
      s.seq = p.isn;
    }
    s.frame = p.frame;
    s.time = Math.round(p.time * 1e9);
    t.add(s);
  }
  t.end();
  return out;
}

describe('SYN counts per ISN', () => {
  it('leaves a plain retransmitted SYN as it was: every SYN one attempt', () => {
    const [c] = track([
      { frame: 1, time: 0, isn: 1000 },
      { frame: 2, time: 1, isn: 1000 },
      { frame: 3, time: 3, isn: 1000 },
      { frame: 4, time: 3.01, isn: 1000, synAck: true },
    ]);
    expect(c!.synCount).toBe(3);
    expect(c!.synRetransBeforeAnswer).toBe(2);
    expect(c!.synRetransmits).toBe(2);
    expect(c!.answeredIsnSyns).toBe(3);
    expect(c!.answeredSynFrame).toBe(1);
    expect(c!.otherIsnSyns).toBe(0);
  });

  it('keeps an ISN that comes back between others, and which of them the SYN-ACK answered', () => {
    const [c] = track([
      { frame: 1, time: 0, isn: 5 },
      { frame: 2, time: 0.1, isn: 6 },
      { frame: 3, time: 0.2, isn: 7 },
      { frame: 4, time: 1.1, isn: 6 },
      { frame: 5, time: 1.2, isn: 8 },
      { frame: 6, time: 3.1, isn: 6 },
      { frame: 7, time: 3.2, isn: 6, synAck: true },
    ]);
    expect(c!.synCount).toBe(6);
    expect(c!.answeredIsnSyns).toBe(3);
    expect(c!.answeredSynFrame).toBe(2);
    expect(c!.answeredSynTime).toBe(100_000_000);
    expect(c!.synRetransBeforeAnswer).toBe(2);
    expect(c!.otherIsnSyns).toBe(3);
    expect(c!.synRetransmits).toBe(2);
    expect(c!.client.retransmits).toBe(2);
  });

  it('knows no answered attempt when the SYN-ACK names no ISN the client sent last', () => {
    const [c] = track([
      { frame: 1, time: 0, isn: 5 },
      { frame: 2, time: 1, isn: 5 },
      { frame: 3, time: 1.1, isn: 9, synAck: true },
    ]);
    expect(c!.answeredIsnSyns).toBe(0);
    expect(c!.otherIsnSyns).toBe(0);
    expect(c!.synRetransBeforeAnswer).toBe(1);
  });
});
