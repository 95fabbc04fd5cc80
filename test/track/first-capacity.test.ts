// A capture's size bounds the connections it can hold (run.ts connectionsAtMost), and the tracker's first
// slots are made for that many rather than for 131,072 (~70 MB of address space whose external-memory
// collections cost a small run ~10 ms; BENCHMARKS.md, session 17). The bound holds on every capture here (none
// has records IPComp made smaller than 56 bytes, where it is too low), and a table that starts small and grows
// must give what one made large gives.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/track/connection.js';
import { connectionsAtMost, trackCapture } from '../../src/track/run.js';
import { Tracker, type TrackerOptions } from '../../src/track/tracker.js';
import { FIXTURES } from '../helpers/pipeline.js';

/** Every capture under fixtures/, compressed or not, by path. */
function captures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return captures(p);
    return /\.(pcap|pcapng|cap)(\.gz)?$/i.test(e.name) ? [p] : [];
  });
}

/** The slots a tracker made first (its table's, private: read here only). */
function firstSlots(t: Tracker): number {
  return (t as unknown as { table: { slots: { capacity: number } } }).table.slots.capacity;
}

const work = mkdtempSync(join(tmpdir(), 'tcpdiag-first-capacity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the most connections a capture can hold', () => {
  it('is its size over the smallest TCP record (56 bytes), summed over a merge', () => {
    const get = join(FIXTURES, 'public/get.pcap');
    const rst = join(FIXTURES, 'public/single-rst.pcap');
    expect(statSync(get).size).toBe(6335);
    expect(connectionsAtMost([get])).toBe(113);
    expect(connectionsAtMost([get, rst])).toBe(Math.floor((6335 + statSync(rst).size) / 56));
    // A missing file counts nothing (the reader says it is missing).
    expect(connectionsAtMost([get, join(work, 'missing.pcap')])).toBe(113);
  });

  it('counts a .gz file by the size its trailer gives (gzip -l: 407,224 bytes)', () => {
    expect(connectionsAtMost([join(FIXTURES, 'lab-all/healthy/server.pcap.gz')])).toBe(Math.floor(407_224 / 56));
  });

  it('is unknown for stdin and a FIFO', () => {
    expect(connectionsAtMost(['-'])).toBeUndefined();
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(connectionsAtMost([fifo])).toBeUndefined();
  });

  const all = captures(FIXTURES);
  it('holds on every capture under fixtures/', async () => {
    expect(all.filter((p) => p.endsWith('.gz')).length).toBeGreaterThanOrEqual(100);
    expect(all.filter((p) => !p.endsWith('.gz')).length).toBeGreaterThanOrEqual(100);
    const over: string[] = [];
    let most = 0;
    for (const path of all) {
      let n = 0;
      const summary = await trackCapture(path, () => n++, { recycle: true });
      const bound = connectionsAtMost([path])!;
      if (n > bound || summary.peakLiveConnections > bound) over.push(`${relative(FIXTURES, path)}: ${n} connections, at most ${bound}`);
      most = Math.max(most, n / Math.max(1, bound));
    }
    expect(over).toEqual([]);
    // The bound is tight: public/single-rst.pcap (one record) holds 1 of 1, a SYN flood's 200 of 250.
    expect(most).toBe(1);
  }, 120_000);
});

describe('a tracker told how many connections to expect', () => {
  it('makes that many slots first (and one more), at least 16, at most the default 131,072 or its cap', () => {
    const emit = () => undefined;
    expect(firstSlots(new Tracker(emit))).toBe(100_001);
    expect(firstSlots(new Tracker(emit, { connectionsAtMost: 113 }))).toBe(114);
    expect(firstSlots(new Tracker(emit, { connectionsAtMost: 0 }))).toBe(16);
    expect(firstSlots(new Tracker(emit, { connectionsAtMost: 5_000_000, maxConnections: 200_000 }))).toBe(131_072);
    expect(firstSlots(new Tracker(emit, { connectionsAtMost: 5_000, maxConnections: 10 }))).toBe(11);
  });

  // Made here to start from 16 slots, the lab's captures grow past it wherever more than 15 connections are
  // open at once.
  const lab = readdirSync(join(FIXTURES, 'lab-all')).map((d) => join(FIXTURES, 'lab-all', d, 'server.pcap.gz'));
  it.each(lab)('starting from 16 slots gives the same connections in the same order on %s', async (path) => {
    const run = async (o: Partial<TrackerOptions>) => {
      const out: string[] = [];
      const summary = await trackCapture(path, (c: Connection) => out.push(JSON.stringify(c)), {
        hashSeed: 7,
        newTracker: (emit, opts) => new Tracker(emit, { ...opts, ...o }),
      });
      return { out, peak: summary.peakLiveConnections };
    };
    const small = await run({ connectionsAtMost: 0 });
    const large = await run({});
    expect(small.out.length).toBeGreaterThanOrEqual(12);
    expect(small.out).toEqual(large.out);
    expect(small.peak).toBe(large.peak);
    // Where more than 16 were open at once the slots grew (a SYN flood's 3,040: eight times).
    if (/syn-flood/.test(path)) expect(small.peak).toBe(3040);
    if (/slow-acceptor/.test(path)) expect(small.peak).toBe(240);
  });
});
