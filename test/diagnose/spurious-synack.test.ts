// A SYN-ACK copy within one round trip of the first is spurious, not a SYN-ACK lost on the path
// (issue 19 item 7).
import { describe, expect, it } from 'vitest';
import { spuriousSynAckCopies } from '../../src/diagnose/signatures.js';
import { FIXTURES, run } from '../helpers/pipeline.js';
import { S } from '../../src/capture/time-base.js';

/**
 * public/bug-6269-01.pcap as tshark 4.0.17 reads it (`-T fields -e frame.number -e frame.time_relative
 * -e tcp.flags.str -e tcp.seq_raw -e tcp.ack_raw -e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr`):
 * SYN at 0 and again at 1.011486 (same ISN 104436534, TSval 2360442191 then 2360443202); SYN-ACK at
 * 1.471820 (frame 3, TSval 1893095757), client ACK at 1.471953 (frame 4), a second SYN-ACK at 1.472034
 * (frame 5, TSval 1893095758: sent anew, 0.214 ms after the first; tshark: "suspected retransmission").
 */
/** A difference of tshark's relative times (seconds, 6 digits: a microsecond capture) in nanoseconds. */
const usToNs = (x: number) => Math.round(x * 1e6) * 1000;
const TSHARK = { synFrames: [1, 2], synAckFrames: [3, 5], synAckTimes: [1.47182, 1.472034], ackFrame: 4, lastSynTime: 1.011486, ackTime: 1.471953 };

describe('SYN-ACK copies within one round trip (public/bug-6269-01.pcap)', () => {
  it('calls the copy 214 µs after the first SYN-ACK spurious: no synack-retransmit, said in the evidence', async () => {
    const r = await run(`${FIXTURES}public/bug-6269-01.pcap`);
    expect(r.conns).toHaveLength(1);
    const { c, facts } = r.conns[0]!;
    expect(c.synFrames).toEqual(TSHARK.synFrames);
    expect(c.synAckFrames).toEqual(TSHARK.synAckFrames);
    expect(c.handshakeAckFrame).toBe(TSHARK.ackFrame);
    // Capture times are integer nanoseconds: tshark's microsecond times, exactly.
    expect(c.synAckTimes[1]! - c.synAckTimes[0]!).toBe(usToNs(TSHARK.synAckTimes[1] - TSHARK.synAckTimes[0]));
    expect(c.synAckTimes[1]! - c.synAckTimes[0]!).toBe(214_000);
    // The round trip the copy is judged against: last SYN before the answer to the handshake ACK.
    expect(c.handshakeAckTime - c.lastSynTime).toBe(usToNs(TSHARK.ackTime - TSHARK.lastSynTime));
    expect(spuriousSynAckCopies(c)).toBe(1);
    expect(facts.signatures).not.toContain('synack-retransmit');
    // The SYN itself was re-sent (1 s later, same ISN): that stays.
    expect(facts.signatures).toContain('syn-retransmit');
    const notes = r.analysis.findings.flatMap((f) => f.evidence.connections.map((e) => e.note));
    // Below a millisecond the note writes microseconds, as tshark's 0.000214 s (it wrote `0.2 ms` until session 11).
    expect(notes.join(' ')).toContain('SYN-ACK sent again 214 µs after the first, within one round trip');
  });

  it('still calls a SYN-ACK re-sent by its timer, a second after the first, a retransmit (lab slice lossy-synack-37800)', async () => {
    const r = await run(`${FIXTURES}slices/lossy-synack-37800.pcap`);
    const { c, facts } = r.conns[0]!;
    expect(spuriousSynAckCopies(c)).toBe(0);
    expect(c.synAckTimes[1]! - c.synAckTimes[0]!).toBeGreaterThan(0.9 * S);
    expect(facts.signatures).toEqual(['synack-retransmit']);
  });

  it('calls a copy within one round trip spurious with a single SYN too (slices/example2-synack-copies.pcap)', async () => {
    // The four connections of public/example2.pcap (a client-side capture) whose SYN-ACK came twice. tshark
    // 4.0.17 on the slice, `-Y "tcp.flags.syn==1" -e frame.number -e frame.time_relative`: SYN, SYN-ACK, copy:
    // 55213 1 (0), 2 (0.090138), 5 (0.119633); 55233 14 (1.289805), 15 (1.395475), 18 (1.453624);
    // 55242 25 (2.079790), 26 (2.098220), 29 (2.108222); 55287 46 (9.263522), 47 (9.353647), 50 (9.419003).
    const copies: Record<number, number[]> = { 55213: [2, 5], 55233: [15, 18], 55242: [26, 29], 55287: [47, 50] };
    const r = await run(`${FIXTURES}slices/example2-synack-copies.pcap`);
    expect(r.conns).toHaveLength(4);
    for (const [port, frames] of Object.entries(copies)) {
      const v = r.conns.find((x) => x.clientPort === Number(port))!;
      expect(v.c.synCount, port).toBe(1);
      expect(v.c.synAckFrames, port).toEqual(frames);
      expect(v.c.synAckTimes[1]! - v.c.synAckTime, port).toBeLessThan(v.c.synAckTime - v.c.synTime);
      expect(spuriousSynAckCopies(v.c), port).toBe(1);
      expect(v.facts.signatures, port).not.toContain('synack-retransmit');
    }
    expect(r.analysis.findings.filter((f) => f.id === 'handshake-loss')).toEqual([]);
  });
});
