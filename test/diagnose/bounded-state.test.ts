// The diagnosis's per-listener state in typed arrays (session 10: what grew with a capture's length, and
// the end-of-run garbage): each against the plain code it replaced, on data with the cases that matter
// (ties, growth, the cap, times before the first).
import { describe, expect, it } from 'vitest';
import { SourceTally } from '../../src/diagnose/differential.js';
import { episodesOfSpans } from '../../src/diagnose/overflow.js';
import { occupancy, placesIn, QueueOccupancy } from '../../src/diagnose/queue-occupancy.js';
import type { ConnectionFacts } from '../../src/diagnose/signatures.js';
import { Timeline } from '../../src/diagnose/timeline.js';
import type { Episode } from '../../src/diagnose/finding.js';
import type { Connection } from '../../src/track/connection.js';
import { S } from '../../src/capture/time-base.js';
import { mulberry32 as rng } from '../hostile/lib/index.mjs';

/** episodesOfSpans as it was (session 9): indices sorted by start with a comparator. */
function episodesBefore(starts: Float64Array, ends: Float64Array): Episode[] {
  if (starts.length === 0) return [];
  const order = Array.from(starts.keys()).sort((a, b) => starts[a]! - starts[b]!);
  const out: Episode[] = [];
  let cur: Episode | null = null;
  for (const i of order) {
    const start = starts[i]!;
    const end = Math.max(start, ends[i] ?? start);
    if (cur && start - cur.end <= 2 * S) {
      if (end > cur.end) cur.end = end;
      cur.connections++;
    } else {
      if (cur) out.push(cur);
      cur = { start, end, connections: 1 };
    }
  }
  out.push(cur!);
  return out;
}

describe('episodesOfSpans sorts the spans in place', () => {
  it('gives the episodes the index sort gave: ties, ends before starts, fewer ends than starts', () => {
    const r = rng(7);
    let episodes = 0;
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(r() * 300);
      const starts = new Float64Array(n);
      const ends = new Float64Array(round % 5 === 0 ? Math.floor(n / 2) : n);
      // Half-second steps (capture times: nanoseconds): many equal starts; gaps around the 2 s episode gap.
      for (let i = 0; i < n; i++) starts[i] = 1000 * S + Math.floor(r() * 4 * n) * 0.5 * S;
      for (let i = 0; i < ends.length; i++) ends[i] = starts[i]! + (r() < 0.2 ? -S : Math.floor(r() * 8) * 0.5 * S);
      const got = episodesOfSpans(starts, ends);
      expect(got).toEqual(episodesBefore(starts, ends));
      episodes += got.length;
    }
    expect(episodes).toBeGreaterThan(1000);
    expect(episodesOfSpans(new Float64Array(0), new Float64Array(0))).toEqual([]);
  });

  it('reads two pairs of lists as one concatenated list (the overflow with half-open drops)', () => {
    const r = rng(19);
    for (let round = 0; round < 100; round++) {
      const list = (n: number): [Float64Array, Float64Array] => {
        const s = new Float64Array(n);
        const e = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          s[i] = 100 * S + Math.floor(r() * 40) * 0.5 * S;
          e[i] = s[i]! + Math.floor(r() * 6) * 0.5 * S;
        }
        return [s, e];
      };
      const [s1, e1] = list(Math.floor(r() * 50));
      const [s2, e2] = list(Math.floor(r() * 50));
      const cat = (a: Float64Array, b: Float64Array) => Float64Array.from([...a, ...b]);
      expect(episodesOfSpans(s1, e1, s2, e2)).toEqual(episodesBefore(cat(s1, s2), cat(e1, e2)));
    }
  });

  it('leaves its arguments as they were', () => {
    const starts = Float64Array.of(5, 1, 3);
    const ends = Float64Array.of(6, 2, 9);
    expect(episodesOfSpans(starts, ends)).toEqual([{ start: 1, end: 9, connections: 3 }]);
    expect([...starts]).toEqual([5, 1, 3]);
    expect([...ends]).toEqual([6, 2, 9]);
  });
});

function conn(over: Partial<Connection>): Connection {
  return { ipVersion: 4, c0: 0, c1: 0, c2: 0xffff, c3: 0, synAckCount: 0, rstAnswersSyn: false, synTime: 0, lastSynTime: 0, synRetransBeforeAnswer: 0, ...over } as Connection;
}

describe('SourceTally keeps its sources in a typed-array hash', () => {
  it('counts dropped, never-answered and answered sources as a Map did, through its growth, IPv4 and IPv6', () => {
    const r = rng(11);
    const t = new SourceTally();
    const ref = new Map<string, number>();
    const v4 = (c3: number) => ({ ipVersion: 4, c0: 0, c1: 0, c2: 0xffff, c3: c3 >>> 0 });
    const v6 = (c0: number, c3: number) => ({ ipVersion: 6, c0, c1: 0, c2: 0, c3 });
    for (let i = 0; i < 20_000; i++) {
      // A few thousand sources, each seen many times; 0 is a source like any other; a third are IPv6
      // addresses that differ in their first word or their last (keyed by a seeded hash of all four).
      const n = Math.floor(r() * 3000);
      const source = i === 0 ? v4(0) : n % 3 !== 0 ? v4(0x0a000000 + n * 7919) : n & 1 ? v6(0x20010db8, n) : v6(n, 1);
      const answered = r() < 0.4;
      const dropped = r() < 0.3;
      t.observe(conn({ ...source, synAckCount: answered ? 1 : 0, synTime: i, lastSynTime: i } as Partial<Connection>), dropped);
      const key = `${source.ipVersion} ${source.c0} ${source.c3}`;
      let v = ref.get(key) ?? 0;
      if (answered) v |= 2;
      if (dropped) v |= 1;
      if (answered || dropped) ref.set(key, v);
    }
    expect([...ref.keys()].filter((k) => k.startsWith('6 ')).length).toBeGreaterThan(500);
    let dropped = 0;
    let never = 0;
    let answered = 0;
    for (const v of ref.values()) {
      if (v & 2) answered++;
      if (v & 1) {
        dropped++;
        if (!(v & 2)) never++;
      }
    }
    expect(dropped).toBeGreaterThan(1000);
    expect(never).toBeGreaterThan(100);
    expect(t.dropSources()).toEqual({ dropped, neverAnswered: never, answered });
    expect(t.capped).toBe(false);
  });

  it('spreads sources a flood chose to collide: seeded, so no address list lands on one run of places', () => {
    // k·A⁻¹ mod 2^32 for A = 0x9e3779b1: under the unseeded Fibonacci hash these 50 000 sources all took
    // the top bits of k itself, one run of places, and every insert walked it (11 s here, 27 s for a
    // 300 000-SYN capture). Seeded and mixed, a lookup looks at about one place past the first.
    const inverse = 0x0e8b2f51; // (0x9e3779b1 × 0x0e8b2f51) mod 2^32 = 1
    expect(Math.imul(0x9e3779b1, inverse) >>> 0).toBe(1);
    const t = new SourceTally();
    const n = 50_000;
    for (let k = 1; k <= n; k++) t.observe(conn({ c3: Math.imul(k, inverse) >>> 0 }), true);
    expect(t.dropSources()).toEqual({ dropped: n, neverAnswered: n, answered: 0 });
    expect(t.bySource.probeSteps / n).toBeLessThan(4);
  });

  it('stops at 100 000 sources: capped, and then never filtered', () => {
    const t = new SourceTally();
    for (let i = 0; i < 100_000; i++) t.observe(conn({ c3: 0xc6120000 + i }), true);
    expect(t.capped).toBe(false);
    t.observe(conn({ c3: 0xc6120000 }), true);
    expect(t.capped).toBe(false);
    t.observe(conn({ c3: 0xc7000000 }), true);
    expect(t.capped).toBe(true);
    expect(t.dropSources()).toEqual({ dropped: 100_000, neverAnswered: 100_000, answered: 0 });
    expect(t.filtered()).toBe(false);
  });
});

describe('Timeline keeps its fine buckets as rows of one array', () => {
  it('sums each series into the display buckets, times before the first one included', () => {
    const r = rng(3);
    // Capture times: integer nanoseconds since the run's base second; the buckets are cut on epoch time.
    const base = 1.7e9;
    const t = new Timeline({ base });
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      // The first time in the middle of the span: later ones fall before it too.
      const at = i === 0 ? 300 * S : Math.round(r() * 600 * S);
      times.push(at);
      t.addConnection(conn({ synCount: 1, synTime: at, handshakeAckFrame: 0, rstTime: at } as Partial<Connection>), false, false, i % 3 === 0);
    }
    const from = base + Math.min(...times) / S;
    const to = base + Math.max(...times) / S;
    const res = t.result('198.18.0.3:80', from, to);
    expect(res.bucket).toBe(5);
    const expected = new Array<number>(res.series.syns.length).fill(0);
    // A time's 100 ms bucket, counted from the epoch in integers.
    for (const x of times) expected[Math.min(expected.length - 1, Math.floor(((base * 10 + Math.floor(x / 1e8)) * 0.1 + 1e-9 - res.start) / res.bucket))]!++;
    expect(res.series.syns).toEqual(expected);
    expect(res.series.syns.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(res.series.refused.reduce((a, b) => a + b, 0)).toBe(1667);
    expect(t.dropped).toBe(0);
  });
});

/** queue-occupancy.ts occupancy as it was (session 14), as a count: the starts ≤ t less the ends ≤ t (what its binary searches found). */
function occupancyBefore(times: Float64Array, start: Float64Array, end: Float64Array): Int32Array {
  const atOrBefore = (sorted: Float64Array, t: number): number => {
    let n = 0;
    for (const v of sorted) if (v <= t) n++;
    return n;
  };
  const starts = Float64Array.from(start).sort();
  const ends = Float64Array.from(end).sort();
  return Int32Array.from(times, (t) => atOrBefore(starts, t) - atOrBefore(ends, t));
}

describe('queue occupancy walks sorted lists (session 15)', () => {
  it('counts the intervals holding each time as the binary searches did: ties, times outside, NaN', () => {
    const r = rng(23);
    let total = 0;
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(r() * 200);
      const start = new Float64Array(n);
      const end = new Float64Array(n);
      // Quarter-second steps: many times equal to a start or an end, where `≤` against `<` shows.
      for (let i = 0; i < n; i++) {
        start[i] = 10 * S + Math.floor(r() * 40) * 0.25 * S;
        end[i] = start[i]! + Math.floor(r() * 8) * 0.25 * S;
      }
      const m = Math.floor(r() * 100);
      const times = new Float64Array(m);
      for (let i = 0; i < m; i++) times[i] = round % 7 === 0 && i === 0 ? NaN : 9 * S + Math.floor(r() * 50) * 0.25 * S;
      const sortedTimes = new Float64Array(times).sort();
      const held = occupancy(sortedTimes, start, end);
      const got = Array.from(placesIn(sortedTimes, times), (k) => (k < 0 ? 0 : held[k]!));
      expect([...got]).toEqual([...occupancyBefore(times, start, end)]);
      for (const x of got) total += x;
    }
    expect(total).toBeGreaterThan(10_000);
  });
});

describe('QueueOccupancy.synQueueDrops against plain counting (session 15)', () => {
  it('the same drops, held requests and connections, with ties and ids seen twice apart', () => {
    const r = rng(31);
    let synQueue = 0;
    let other = 0;
    for (let round = 0; round < 150; round++) {
      const q = new QueueOccupancy();
      const requests: [number, number][] = [];
      const accepts: [number, number][] = [];
      const drops: [number, number][] = [];
      const n = 1 + Math.floor(r() * 120);
      const t = () => 100 * S + Math.floor(r() * 60) * 0.25 * S;
      for (let i = 0; i < n; i++) {
        // Ids from a small range: some connections' ids come again later, not next to their first.
        const id = 1 + Math.floor(r() * (n / 2 + 1));
        const synAckCount = r() < 0.6 ? 1 : 0;
        const cookie = r() < 0.15;
        const synAckTime = t();
        const handshakeAckFrame = r() < 0.5 ? 10 : 0;
        const handshakeAckTime = synAckTime + Math.floor(r() * 4) * 0.25 * S;
        const lastTime = handshakeAckTime + Math.floor(r() * 8) * 0.25 * S;
        const serverFirstDataFrame = r() < 0.5 ? 20 : 0;
        const serverFirstDataTime = handshakeAckTime + Math.floor(r() * 6) * 0.25 * S;
        const synDropped = r() < 0.5;
        const unansweredSyns = synDropped ? 1 + Math.floor(r() * 4) : 0;
        const recordedSynRetransmits = Math.floor(r() * 3);
        const syn = [t(), t(), t(), t()];
        const c = {
          id, synAckCount, synAckTime, handshakeAckFrame, handshakeAckTime, lastTime, serverFirstDataFrame, serverFirstDataTime,
          synTime: syn[0], recordedSynRetransmits, synRetransmitTime: (k: number) => syn[k + 1]!,
        } as unknown as Connection;
        const f = { bits: cookie ? 1 << 8 : 0, synDropped, unansweredSyns } as unknown as ConnectionFacts;
        q.observe(c, f);
        if (synAckCount > 0 && !cookie) requests.push([synAckTime, handshakeAckFrame !== 0 ? handshakeAckTime : lastTime]);
        if (handshakeAckFrame !== 0) accepts.push([handshakeAckTime, serverFirstDataFrame !== 0 ? serverFirstDataTime : lastTime]);
        for (let k = 0; k < unansweredSyns && (k === 0 || k - 1 < recordedSynRetransmits); k++) drops.push([syn[k]!, id]);
      }
      const held = (list: [number, number][], at: number) => list.filter(([a]) => a <= at).length - list.filter(([, b]) => b <= at).length;
      let synDrops = 0;
      let most = 0;
      const conns = new Set<number>();
      const others = new Set<number>();
      for (const [at, id] of drops) {
        const h = held(requests, at);
        if (h > 0 && held(accepts, at) === 0) {
          synDrops++;
          most = Math.max(most, h);
          conns.add(id);
        } else others.add(id);
      }
      expect(q.synQueueDrops()).toEqual({ synDrops, held: most, connections: conns.size, otherConnections: others.size });
      synQueue += synDrops;
      other += drops.length - synDrops;
    }
    // Both kinds of drop were met many times.
    expect(synQueue).toBeGreaterThan(500);
    expect(other).toBeGreaterThan(500);
  });
});
