// Adversarial floods (issue 7): a million distinct spoofed SYNs through the Tracker keep the table at its
// cap, every connection comes out exactly once, and the evictions are counted; the other structures a
// flood could grow (the close queue, the listener set, the decoder's kind counts) stay bounded too.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { newSegment, TCP_ACK, TCP_RST, TCP_SYN, type Segment } from '../../src/decode/segment.js';
import { trackCapture } from '../../src/track/run.js';
import { Tracker } from '../../src/track/tracker.js';
import { connectionKey, mix, V4_CONNECTION } from '../../src/track/key.js';
import { Connection } from '../../src/track/connection.js';
import { ConnectionTable } from '../../src/track/table.js';
import { W } from '../../src/track/layout.js';
import { breathe } from '../helpers/breathe.js';
import { unmix } from '../helpers/unmix.js';
import { captureTime } from '../../src/capture/time-base.js';

const SERVER = 0x0a000002; // 10.0.0.2

/** The n-th spoofed source: distinct address and port for every n below 2^32. */
function spoof(s: Segment, n: number, t: number): void {
  s.ipVersion = 4;
  s.src0 = 0; s.src1 = 0; s.src2 = 0xffff;
  s.src3 = (0x0b000000 + n) >>> 0;
  s.dst0 = 0; s.dst1 = 0; s.dst2 = 0xffff; s.dst3 = SERVER;
  s.srcPort = 1024 + (n % 60000);
  s.dstPort = 80;
  s.seq = Math.imul(n, 2654435761) >>> 0;
  s.ack = 0;
  s.flags = TCP_SYN;
  s.window = 64240;
  s.payloadLen = 0;
  s.optionMask = 0;
  s.mss = 1460;
  s.frame = n + 1;
  s.tsSec = Math.floor(t);
  s.tsNsec = Math.round((t - s.tsSec) * 1e9);
  // As the decoder makes it: nanoseconds since the run's base second (the first frame's).
  s.time = captureTime(1_700_000_000, s.tsSec, s.tsNsec);
}

/** Private state a flood could grow, read for the test only. */
function internals(t: Tracker): { closing: number; listeners: number; table: number } {
  const x = t as unknown as { closing: { size: number }; listeners: Set<number>; table: { size: number } };
  // The close queue holds slot numbers and ids, the table typed-array slots: counted, not sized in bytes.
  return { closing: x.closing.size, listeners: x.listeners.size, table: x.table.size };
}

describe('SYN flood through the Tracker', () => {
  it('1,000,000 distinct SYNs, cap 10,000: the table holds, 990,000 evictions, each connection emitted once', async () => {
    const N = 1_000_000;
    const CAP = 10_000;
    const seen = new Uint8Array(N + 1);
    let emitted = 0;
    let evictedFlag = 0;
    const tracker = new Tracker(
      (c: Connection) => {
        seen[c.id]!++;
        emitted++;
        if (c.evicted) evictedFlag++;
      },
      { maxConnections: CAP },
    );
    const s = newSegment();
    let maxTable = 0;
    let beforeEnd = -1;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      // 1 µs apart: the whole flood lasts one second, well inside the idle timeout, so only the cap removes anything.
      spoof(s, i, 1_700_000_000 + i * 1e-6);
      tracker.add(s);
      if ((i & 0xfff) === 0) maxTable = Math.max(maxTable, internals(tracker).table);
      if ((i & 0xffff) === 0) await breathe();
    }
    beforeEnd = emitted;
    tracker.end();
    const ms = performance.now() - t0;
    const st = tracker.stats;
    expect(st.connections).toBe(N);
    expect(st.peakLive).toBeLessThanOrEqual(CAP);
    expect(maxTable).toBeLessThanOrEqual(CAP);
    // Within one second nothing idles out: everything emitted before the end was evicted, and counted.
    // (About N - CAP: when the least recently used key holds a short collision chain, a few more go at once.)
    expect(beforeEnd).toBe(st.evictions);
    expect(evictedFlag).toBe(st.evictions);
    expect(st.evictions).toBeGreaterThanOrEqual(N - CAP);
    expect(st.evictions).toBeLessThan(N - CAP + 100);
    expect(emitted).toBe(N);
    let wrong = 0;
    for (let id = 1; id <= N; id++) if (seen[id] !== 1) wrong++;
    expect(wrong).toBe(0);
    console.log(`flood: ${N} SYNs through the tracker in ${(ms / 1000).toFixed(1)} s`);
  }, 60_000);

  it('refused connections inside one close hold do not pile up in the close queue', async () => {
    // SYN, RST+ACK for 200,000 distinct clients at one timestamp: each closes, none can leave the close queue
    // by time (the hold never passes), so only evictions free them.
    const N = 200_000;
    const CAP = 1000;
    let emitted = 0;
    const tracker = new Tracker(() => emitted++, { maxConnections: CAP });
    const s = newSegment();
    let maxClosing = 0;
    for (let i = 0; i < N; i++) {
      spoof(s, i, 1_700_000_000);
      tracker.add(s);
      // The server's RST+ACK: swap the ends.
      [s.src3, s.dst3] = [s.dst3, s.src3];
      [s.srcPort, s.dstPort] = [s.dstPort, s.srcPort];
      s.ack = (s.seq + 1) >>> 0;
      s.seq = 0;
      s.flags = TCP_RST | TCP_ACK;
      tracker.add(s);
      if ((i & 0xff) === 0) maxClosing = Math.max(maxClosing, internals(tracker).closing);
      if ((i & 0xffff) === 0) await breathe();
    }
    expect(maxClosing).toBeLessThanOrEqual(2 * CAP + 1);
    tracker.end();
    expect(emitted).toBe(N);
    expect(tracker.stats.evictions).toBeGreaterThanOrEqual(N - CAP);
    expect(tracker.stats.evictions).toBeLessThan(N - CAP + 100);
  }, 60_000);

  it('connections colliding on one table key: the chain stays short, the cap holds, each is emitted once', () => {
    const N = 20_000;
    const evicted: number[] = [];
    const table: ConnectionTable = new ConnectionTable({ maxConnections: 1000 }, (slot) => {
      evicted.push(table.slots.I[slot * W.Size + W.Id]!);
      table.slots.release(slot);
    });
    let maxLive = 0;
    for (let i = 0; i < N; i++) {
      const slot = table.alloc();
      table.slots.I[slot * W.Size + W.Id] = i + 1;
      table.slots.I[slot * W.Size + W.Key] = 42;
      table.add(slot);
      maxLive = Math.max(maxLive, table.size);
    }
    expect(maxLive).toBeLessThanOrEqual(8);
    expect(table.evictions).toBe(N - table.size);
    expect(evicted).toHaveLength(N - table.size);
    expect(new Set(evicted).size).toBe(evicted.length);
    // The oldest go first; the newest stay.
    const live = [...table.oldestFirst()].map((slot) => table.slots.I[slot * W.Size + W.Id]!);
    expect(live.sort((a, b) => a - b)).toEqual(Array.from({ length: table.size }, (_, i) => N - table.size + 1 + i));
  });

  it('a flood crafted to collide on one table key is held to the cap too (hash flooding)', async (ctx) => {
    // The key hash (src/track/key.ts) is public and its mixing step invertible: for any source port there is
    // an IPv4 source address giving the same endpoint hash, so 20,000 SYNs can share one key. Without a bound
    // on the collision chain they would all stay live under one key, past the cap, and every lookup would walk
    // all of them.
    expect(unmix(mix(0x12345678))).toBe(0x12345678);
    // The hash of an IPv4 source before its last word: key.ts's own value, not a copy of its arithmetic.
    const H = V4_CONNECTION;
    const TARGET = 0x5eed5eed;
    const N = 20_000;
    const CAP = 1000;
    const seen = new Uint8Array(N + 1);
    const tracker = new Tracker((c) => seen[c.id]!++, { maxConnections: CAP });
    const s = newSegment();
    const craft = (i: number) => {
      spoof(s, i, 1_700_000_000 + i * 1e-6);
      s.srcPort = 1024 + i;
      s.src3 = (unmix((unmix(TARGET) ^ s.srcPort) >>> 0) ^ H) >>> 0;
    };
    craft(0);
    const key = connectionKey(s);
    craft(1);
    // The crafting inverts src/track/key.ts's endpoint hash (mix, imported): if the hash's structure changes,
    // this fails (never skips) until the crafting follows it.
    expect(connectionKey(s), 'key.ts changed: update the crafting above').toBe(key);
    let maxLive = 0;
    for (let i = 0; i < N; i++) {
      craft(i);
      expect(connectionKey(s)).toBe(key);
      tracker.add(s);
      maxLive = Math.max(maxLive, internals(tracker).table);
      if ((i & 0xffff) === 0) await breathe();
    }
    tracker.end();
    expect(maxLive).toBeLessThanOrEqual(8);
    expect(tracker.stats.peakLive).toBeLessThanOrEqual(CAP);
    expect(tracker.stats.evictions).toBe(N - maxLive);
    let wrong = 0;
    for (let id = 1; id <= N; id++) if (seen[id] !== 1) wrong++;
    expect(wrong).toBe(0);
  });

  it('SYN-ACKs from 200,000 distinct servers do not grow the listener set without bound', async () => {
    const tracker = new Tracker(() => {}, { maxConnections: 1000 });
    const s = newSegment();
    for (let i = 0; i < 200_000; i++) {
      spoof(s, i, 1_700_000_000 + i * 1e-6);
      s.flags = TCP_SYN | TCP_ACK;
      tracker.add(s);
      if ((i & 0xffff) === 0) await breathe();
    }
    expect(internals(tracker).listeners).toBeLessThanOrEqual(65536);
    tracker.end();
  }, 60_000);
});

describe('flood captures end to end', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tcpdiag-flood-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('scripts/make-syn-flood.mjs writes N distinct SYNs; the summary counts and warns about the evictions', async () => {
    const path = join(tmp, 'flood.pcap');
    const script = fileURLToPath(new URL('../../scripts/make-syn-flood.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, path, '--count', '20000'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ids = new Set<number>();
    const s = await trackCapture(path, (c) => ids.add(c.id), { maxConnections: 1000 });
    expect(s).toMatchObject({ packets: 20000, tcp: 20000, malformed: 0, truncated: 0, connections: 20000, error: null });
    expect(s.evictions).toBeGreaterThanOrEqual(19000);
    expect(s.evictions).toBeLessThan(19100);
    expect(s.peakLiveConnections).toBeLessThanOrEqual(1000);
    expect(ids.size).toBe(20000);
    expect(s.warnings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^the connection table was full: ${s.evictions} connections were finalised early \\(evicted\\)`))]));
  });

  it('a NULL-link capture with a different address family in every frame keeps a bounded kind table', async () => {
    // 5000 records of DLT_NULL whose 4-byte family is 0x01000000 + i (big-endian, so never a known family).
    const n = 5000;
    const rec = Buffer.alloc(16 + 24);
    const parts = [Buffer.from('d4c3b2a1020004000000000000000000ffff000000000000', 'hex')];
    for (let i = 0; i < n; i++) {
      const b = Buffer.from(rec);
      b.writeUInt32LE(1_700_000_000, 0);
      b.writeUInt32LE(24, 8);
      b.writeUInt32LE(24, 12);
      b.writeUInt32BE(0x01000000 + i, 16);
      parts.push(b);
    }
    const path = join(tmp, 'families.pcap');
    writeFileSync(path, Buffer.concat(parts));
    const s = await trackCapture(path, () => {});
    expect(s).toMatchObject({ packets: n, nonIp: n, error: null });
    expect(Object.keys(s.otherKinds).length).toBeLessThanOrEqual(257);
    expect(Object.values(s.otherKinds).reduce((a, b) => a + b, 0)).toBe(n);
  });
});
