// sweep() and end() load the slots of the next connections they finish a group at a time
// (ConnectionTable.preload) before finishing them. The groups only load ahead: every connection must come out
// the same, at the same point of the capture and in the same order, as when they are finished one at a time.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSegment, TCP_ACK, TCP_RST, TCP_SYN, type Segment } from '../../src/decode/segment.js';
import type { Connection } from '../../src/track/connection.js';
import { trackCapture } from '../../src/track/run.js';
import { Tracker, type TrackerOptions } from '../../src/track/tracker.js';
import { FIXTURES } from '../helpers/pipeline.js';

/** The tracker finishing one connection at a time, as before the groups. */
class OneAtATime extends Tracker {
  protected override readonly finishGroupSize = 1;
}

const S = 1e9;

/** A segment of 10.0.0.1:`port` → 10.0.0.2:80, or back when `fromClient` is false. */
function seg(frame: number, seconds: number, port: number, fromClient: boolean, flags: number, seq: number, ack = 0): Segment {
  const s = newSegment();
  const [a, b] = [0x0a000001, 0x0a000002];
  [s.src0, s.src1, s.src2, s.src3] = [0, 0, 0xffff, fromClient ? a : b];
  [s.dst0, s.dst1, s.dst2, s.dst3] = [0, 0, 0xffff, fromClient ? b : a];
  s.srcPort = fromClient ? port : 80;
  s.dstPort = fromClient ? 80 : port;
  return Object.assign(s, { frame, time: Math.round(seconds * S), tsSec: Math.floor(seconds), window: 500, ipId: frame, flags, seq, ack });
}

/**
 * 200 connections, more than a dozen groups: every one opens; even ones are reset at times that scramble
 * their close order against their opening, every tenth of those opened again on its tuple with a new ISN
 * (which finishes it at once and leaves a stale entry in the close queue); odd ones send one more packet,
 * in another scrambled order, then go idle. A connection of its own then ticks every half second, so that
 * sweeps come while some of a group are due and the rest are not.
 */
function scenario(): Segment[] {
  const out: { t: number; s: (frame: number) => Segment }[] = [];
  const n = 200;
  for (let i = 0; i < n; i++) {
    const port = 40000 + i;
    const t = 1 + i * 0.005;
    const isn = 1000 * i;
    out.push({ t, s: (f) => seg(f, t, port, true, TCP_SYN, isn) });
    out.push({ t: t + 0.001, s: (f) => seg(f, t + 0.001, port, false, TCP_SYN | TCP_ACK, 7, isn + 1) });
    out.push({ t: t + 0.002, s: (f) => seg(f, t + 0.002, port, true, TCP_ACK, isn + 1, 8) });
    const later = 3 + ((i * 37) % n) * 0.03;
    if (i % 2 === 0) {
      out.push({ t: later, s: (f) => seg(f, later, port, true, TCP_RST, isn + 1) });
      if (i % 10 === 0) out.push({ t: later + 0.5, s: (f) => seg(f, later + 0.5, port, true, TCP_SYN, isn + 99) });
    } else {
      out.push({ t: later, s: (f) => seg(f, later, port, true, TCP_ACK, isn + 1, 8) });
    }
  }
  for (let k = 0; k < 60; k++) {
    const t = 2 + k * 0.5;
    out.push({ t, s: (f) => seg(f, t, 9, k % 2 === 0, TCP_ACK, 5, 5) });
  }
  out.sort((x, y) => x.t - y.t);
  return out.map((e, k) => e.s(k + 1));
}

/** Each finished connection, and how many segments had been added when it came out. */
function finishes(tracker: (emit: (c: Connection) => void) => Tracker, segments: Segment[]): string[] {
  const out: string[] = [];
  let added = 0;
  const t = tracker((c) => out.push(`${added} ${JSON.stringify(c)}`));
  for (const s of segments) {
    t.add(s);
    added++;
  }
  t.end();
  return out;
}

// Short timers: the closed connections are held 2 s, the idle ones kept 6 s, so both run out while the capture goes on.
const timers: TrackerOptions = { closeHold: 2 * S, idleTimeout: 6 * S, recycle: false };

describe('finishing a group at a time', () => {
  it('finishes the same connections at the same segment, in the same order, as one at a time', () => {
    const segments = scenario();
    const grouped = finishes((emit) => new Tracker(emit, timers), segments);
    const single = finishes((emit) => new OneAtATime(emit, timers), segments);
    // 200 connections, 20 of them opened again, the ticking one, and 30 whose last packet came after they had
    // idled out (a late ACK or RST makes a connection of its own).
    expect(grouped).toHaveLength(251);
    expect(grouped).toEqual(single);
    // Sweeps finished most of them before the end, at more than ten different points of the capture.
    const addedWhen = grouped.map((line) => Number(line.split(' ', 1)[0]));
    expect(addedWhen.filter((n) => n < segments.length).length).toBeGreaterThan(200);
    expect(new Set(addedWhen).size).toBeGreaterThan(10);
  });

  it('a stale entry at the head of the close queue does not hold back the closed connections behind it', () => {
    // A closes and is opened again on its tuple: the new connection takes A's slot, so the close queue's entry
    // for A names a slot that another, busy connection holds. B closes after A. B must leave at the first sweep
    // past its hold, while the new A goes on sending; had the hold been read before the entry was known stale,
    // the new A's latest packet would keep the queue's head, and B behind it, until the end.
    const segments: Segment[] = [];
    let frame = 0;
    const open = (t: number, port: number, isn: number) => {
      segments.push(seg(++frame, t, port, true, TCP_SYN, isn));
      segments.push(seg(++frame, t + 0.001, port, false, TCP_SYN | TCP_ACK, 7, isn + 1));
      segments.push(seg(++frame, t + 0.002, port, true, TCP_ACK, isn + 1, 8));
    };
    open(1, 40001, 100);
    open(1.1, 40002, 200);
    segments.push(seg(++frame, 2, 40001, true, TCP_RST, 101));
    segments.push(seg(++frame, 2.1, 40002, true, TCP_RST, 201));
    open(2.5, 40001, 300);
    for (let t = 3; t <= 12; t += 0.25) segments.push(seg(++frame, t, 40001, true, TCP_ACK, 301, 8));
    for (const make of [(emit: (c: Connection) => void) => new Tracker(emit, timers), (emit: (c: Connection) => void) => new OneAtATime(emit, timers)]) {
      const out = finishes(make, segments).map((line) => {
        const [added, json] = [Number(line.split(' ', 1)[0]), JSON.parse(line.slice(line.indexOf(' ') + 1)) as Connection];
        return { added, port: json.cPort, firstFrame: json.firstFrame };
      });
      // A leaves at once (opened again); B two seconds after its RST at 2.1 s, at the first sweep from 4.1 s on.
      expect(out.map((c) => c.port)).toEqual([40001, 40002, 40001]);
      const bLeft = out[1]!.added;
      const firstPastHold = segments.findIndex((s) => s.time >= 4.1 * S);
      expect(bLeft).toBeGreaterThanOrEqual(firstPastHold);
      expect(segments[bLeft - 1]!.time).toBeLessThan(5.2 * S);
    }
  });

  const lab = readdirSync(join(FIXTURES, 'lab-all')).map((d) => join(FIXTURES, 'lab-all', d, 'server.pcap.gz'));
  it.each(lab)('gives the same connections in the same order on %s', async (path) => {
    const run = async (make: (emit: (c: Connection) => void, o: TrackerOptions) => Tracker) => {
      const out: string[] = [];
      await trackCapture(path, (c) => out.push(JSON.stringify(c)), { hashSeed: 7, newTracker: make });
      return out;
    };
    const grouped = await run((emit, o) => new Tracker(emit, o));
    expect(grouped.length).toBeGreaterThanOrEqual(12);
    expect(grouped).toEqual(await run((emit, o) => new OneAtATime(emit, o)));
  });
});
