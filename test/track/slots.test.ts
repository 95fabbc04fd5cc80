// The typed-array connection table grows by doubling and rehashes while connections are open: every
// connection must come out whole whatever the growth and the bucket seed.
import { describe, expect, it } from 'vitest';
import { newSegment, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, type Segment } from '../../src/decode/segment.js';
import type { Connection } from '../../src/track/connection.js';
import { zeekConnState } from '../../src/track/zeek.js';
import { Tracker } from '../../src/track/tracker.js';
import { breathe } from '../helpers/breathe.js';
import { TEST_ALL } from '../helpers/fixtures.js';
import { captureTime } from '../../src/capture/time-base.js';

// More than the 131 072 slots allocated at first: the arrays grow and the table rehashes mid-handshake.
const N = 140_000;

/** Step k of connection i's exchange, from the client (k = 0, 2, 3, 6) or the server. */
// Written without a table or objects per call: 1.12 M calls allocating one each made this test take a
// minute under load (session 11's note).
function step(s: Segment, i: number, k: number, frame: number): void {
  const fromClient = k === 0 || k === 2 || k === 3 || k === 6;
  // Address words as the decoder gives them: signed (decode/segment.ts).
  const clientAddr = (0x0a000000 + i) | 0;
  const clientPort = 10000 + (i % 50000);
  const serverAddr = 0xc0a80001 | 0;
  const serverPort = 443;
  s.src0 = s.src1 = s.dst0 = s.dst1 = 0;
  s.src2 = s.dst2 = 0xffff;
  s.src3 = fromClient ? clientAddr : serverAddr;
  s.dst3 = fromClient ? serverAddr : clientAddr;
  s.srcPort = fromClient ? clientPort : serverPort;
  s.dstPort = fromClient ? serverPort : clientPort;
  s.ipId = frame & 0xffff;
  s.window = 65535;
  s.frame = frame;
  // Frames 1 µs apart; the capture time in nanoseconds since the base second 1_700_000_000.
  s.time = frame * 1000;
  s.tsSec = 1_700_000_000 + Math.floor(frame / 1e6);
  const cIsn = 1000 * i;
  const sIsn = 5000 * i + 7;
  // SYN, SYN-ACK, ACK, data(100), ACK, FIN, FIN, ACK: flags, seq, ack, payload length.
  let flags: number;
  let seq: number;
  let ack: number;
  let len = 0;
  switch (k) {
    case 0: flags = TCP_SYN; seq = cIsn; ack = 0; break;
    case 1: flags = TCP_SYN | TCP_ACK; seq = sIsn; ack = cIsn + 1; break;
    case 2: flags = TCP_ACK; seq = cIsn + 1; ack = sIsn + 1; break;
    case 3: flags = TCP_ACK | TCP_PSH; seq = cIsn + 1; ack = sIsn + 1; len = 100; break;
    case 4: flags = TCP_ACK; seq = sIsn + 1; ack = cIsn + 101; break;
    case 5: flags = TCP_FIN | TCP_ACK; seq = sIsn + 1; ack = cIsn + 101; break;
    case 6: flags = TCP_FIN | TCP_ACK; seq = cIsn + 101; ack = sIsn + 2; break;
    default: flags = TCP_ACK; seq = sIsn + 2; ack = cIsn + 102; break;
  }
  s.flags = flags;
  s.seq = seq >>> 0;
  s.ack = ack >>> 0;
  s.payloadLen = len;
}

describe('connection table growth', () => {
  // ~3 s each: the second seed in `npm run test:all` only.
  for (const seed of [1, 0xdeadbeef]) {
    it.skipIf(seed !== 1 && !TEST_ALL)(`${N} connections open at once (the slot arrays grow, the table rehashes), seed ${seed}: each comes out whole`, async () => {
      const out: { id: number; state: string; history: string; cp: number; sp: number; bytes: number; cPort: number; first: number; syn: number; last: number }[] = [];
      const t = new Tracker((c: Connection) => {
        out.push({
          id: c.id,
          state: zeekConnState(c.clientState, c.serverState, c.history, c.client.bytes, c.server.bytes),
          history: c.history,
          cp: c.client.packets,
          sp: c.server.packets,
          bytes: c.client.bytes,
          cPort: c.cPort,
          first: c.firstTime,
          syn: c.synTime,
          last: c.lastTime,
        });
      }, { hashSeed: seed, maxConnections: 200_000 });
      const s = newSegment();
      let frame = 1;
      // Every connection's step k before any connection's step k + 1: all N are live together.
      for (let k = 0; k < 8; k++) for (let i = 0; i < N; i++) {
        step(s, i, k, frame++);
        t.add(s);
        if ((i & 0xffff) === 0) await breathe();
      }
      t.end();
      expect(t.stats.peakLive).toBe(N);
      expect(out).toHaveLength(N);
      const bad = out.filter((o) => o.state !== 'SF' || o.history !== 'ShADafF' || o.cp !== 4 || o.sp !== 4 || o.bytes !== 100 || o.cPort !== 10000 + ((o.id - 1) % 50000) ||
          // Written before the arrays grew (the SYN) and after (the last ACK).
          o.first !== o.id * 1000 || o.syn !== o.first || o.last !== (7 * N + o.id) * 1000,
      );
      expect(bad).toEqual([]);
    }, 60_000);
  }
});

describe('the cap on live connections', () => {
  it('a cap lru-cache could not allocate is a RangeError, not an out-of-memory abort', () => {
    expect(() => new Tracker(() => {}, { maxConnections: 1e9 })).toThrow(RangeError);
  });
});

describe('capture timestamps', () => {
  it('seconds past 2^32 (pcapng if_tsoffset) and large fractions come out as they went in', () => {
    const got: Connection[] = [];
    const t = new Tracker((c) => got.push(c));
    const s = newSegment();
    for (const [k, sec, nsec] of [[0, 2 ** 33 + 5, 999_999_999], [1, 2 ** 33 + 7, 4_000_000_000]] as const) {
      step(s, 1, k, k + 1);
      s.tsSec = sec;
      s.tsNsec = nsec;
      s.time = captureTime(2 ** 33, sec, nsec);
      t.add(s);
    }
    t.end();
    expect(got).toHaveLength(1);
    expect([got[0]!.firstTsSec, got[0]!.firstTsNsec, got[0]!.lastTsSec, got[0]!.lastTsNsec]).toEqual([2 ** 33 + 5, 999_999_999, 2 ** 33 + 7, 4_000_000_000]);
  });
});
