import { describe, expect, it } from 'vitest';
import { FIXTURES, run } from '../helpers/pipeline.js';

// One-connection slices of the lab captures (scripts/fixtures/make_slices.sh); frame numbers are the
// slice's own, read off `tshark -r` of each slice.
const slice = (name: string) => run(`${FIXTURES}slices/${name}.pcap`);

describe('signatures on hand-checked slices', () => {
  it('classic overflow (abort=0): SYN dropped once, handshake and data ignored, SYN-ACK re-sent after the ACK', async () => {
    const r = await slice('classic-overflow-35972');
    expect(r.conns).toHaveLength(1);
    const { c, facts } = r.conns[0]!;
    expect(facts.signatures).toEqual(['syn-retransmit', 'synack-retransmit-after-ack', 'handshake-data-ignored']);
    expect(c.synFrame).toBe(1);
    expect(c.synFrames).toEqual([1, 2]);
    expect(c.synAckFrames).toEqual([3, 9]);
    expect(c.handshakeAckFrame).toBe(4);
    expect(c.clientFirstDataFrame).toBe(5);
    expect(c.clientRetransBeforeAnswer).toBe(4); // frames 6, 7, 8, 11
    expect(c.serverAnswerFrame).toBe(12);
    // Dropped by the full queue: SYN 1, then ACK 4, data 5, 6, 7, 8, dup ACK 10; segment 11 found room.
    expect(facts.unansweredSyns).toBe(1);
    expect(facts.droppedAfterHandshake).toBe(6);
    expect(facts.ignoredHandshake).toBe(true);
    expect(facts.recovered).toBe(true);
  });

  it('syncookie overflow: never a re-sent SYN-ACK, data retransmitted unanswered for 3.9 s', async () => {
    const r = await slice('cookie-ignored-47028');
    const { c, facts } = r.conns[0]!;
    expect(facts.signatures).toEqual(['handshake-data-ignored', 'syncookie']);
    expect(c.synAckCount).toBe(1);
    expect(c.clientRetransBeforeAnswer).toBe(5); // frames 5-9
    expect(c.serverAnswerFrame).toBe(10);
    // Nanoseconds, tshark's frame.time_epoch 1795253263.267737 − 1795253259.351034 (frames 10, 3).
    expect(c.serverAnswerTime - c.handshakeAckTime).toBe(3_916_703_000);
    // ACK 3, data 4, retransmits 5-8 dropped; 9 got in.
    expect(facts.droppedAfterHandshake).toBe(6);
  });

  it('abort=1: bare RST, seq = the client ACK number, microseconds after the handshake ACK', async () => {
    const r = await slice('overflow-reset-55044');
    const { c, facts } = r.conns[0]!;
    expect(facts.signatures).toEqual(['syn-retransmit', 'reset-after-handshake']);
    expect(c.synRetransBeforeAnswer).toBe(4);
    expect(c.rstFrame).toBe(8);
    expect(c.rstHasAck).toBe(false);
    expect(c.rstSeqVsPeerAck).toBe(0);
    // 3 µs: tshark's frame.time_epoch 1795253386.548019 − .548016 (frames 8, 7), in nanoseconds.
    expect(c.rstTime - c.handshakeAckTime).toBe(3000);
    expect(facts.unansweredSyns).toBe(4);
    expect(facts.droppedAfterHandshake).toBe(1);
    expect(facts.recovered).toBe(false);
  });

  it('refused: RST+ACK to the SYN, ack = ISN + 1', async () => {
    const r = await slice('refused-port9');
    const { c, facts } = r.conns[0]!;
    expect(facts.signatures).toEqual(['refused']);
    expect(c.rstAnswersSyn).toBe(true);
    expect(r.conns[0]!.server).toBe('198.18.0.3:9');
  });

  it('application reset: RST+ACK after the server ACKed the request', async () => {
    const r = await slice('app-reset-first');
    const { c, facts } = r.conns[0]!;
    expect(facts.signatures).toEqual(['reset-by-application']);
    expect(c.serverDataAckFrame).toBe(5);
    expect(c.rstFrame).toBe(6);
    expect(c.rstHasAck).toBe(true);
    expect(facts.ignoredHandshake).toBe(false);
  });

  it('flood SYN with syncookies off: never answered though the capture goes on 15 s', async () => {
    const r = await slice('flood-unanswered');
    const { facts } = r.conns.find((x) => x.clientPort === 33329)!;
    expect(facts.signatures).toEqual(['syn-unanswered']);
    expect(facts.unansweredSyns).toBe(1);
  });

  it('a SYN in the capture\'s last 100 µs is not a dropped SYN: its answer was not yet due', async () => {
    // Frames 900-980 of a healthy capture: it ends 0 µs after frame 81's SYN, whose SYN-ACK (original
    // frame 981) came 31 µs later. Counted as dropped, it made an accept-queue ERROR out of a healthy listener.
    const r = await slice('healthy-cut-after-syn');
    const last = r.conns.find((x) => x.clientPort === 39070)!;
    expect(last.c.synFrame).toBe(81);
    expect(last.facts.signatures).toEqual([]);
    expect(last.facts.unansweredSyns).toBe(0);
    expect(r.analysis.findings).toEqual([]);
  });

  it('flood SYN with syncookies on: answered once, never re-sent though the capture goes on 15 s', async () => {
    const r = await slice('flood-cookie');
    const flood = r.conns.find((x) => x.clientPort === 18355)!;
    expect(flood.facts.signatures).toEqual(['syncookie']);
    expect(flood.c.synAckCount).toBe(1);
  });

  it('lost SYN-ACK: re-sent before any ACK, data answered at once — not an overflow', async () => {
    const r = await slice('lossy-synack-37800');
    const { c, facts } = r.conns[0]!;
    expect(facts.signatures).toEqual(['synack-retransmit']);
    expect(c.synAckFrames).toEqual([2, 4]);
    expect(c.synAckAfterAck).toBe(0);
    expect(facts.ignoredHandshake).toBe(false);
  });

  it('port reuse: a new SYN with a new ISN after the tuple was reset starts a new connection', async () => {
    const r = await slice('port-reuse-bug3844');
    expect(r.conns).toHaveLength(2);
    const [first, second] = r.conns.sort((a, b) => a.c.id - b.c.id);
    expect(first!.c.reusedBy).toBe(3);
    expect(second!.facts.signatures).toContain('port-reuse');
    expect(second!.c.firstFrame).toBe(3);
    expect(second!.c.handshakeAckFrame).toBe(5);
  });

  it('SYN answered from TIME_WAIT by a bare ACK: port reuse, not a dropped SYN', async () => {
    const r = await slice('timewait-syn');
    expect(r.conns).toHaveLength(2);
    const second = r.conns.find((x) => x.c.firstFrame === 9)!;
    expect(second.facts.signatures).toEqual(['port-reuse']);
    expect(second.c.synAnsweredByAck).toBe(true);
    expect(second.facts.unansweredSyns).toBe(0);
    expect(r.analysis.findings.map((f) => f.id)).toEqual(['port-reuse']);
  });
});
