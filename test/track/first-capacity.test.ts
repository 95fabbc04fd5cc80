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
import { newSegment, TCP_ACK } from '../../src/decode/segment.js';
import type { Connection } from '../../src/track/connection.js';
import { connectionKey, mix } from '../../src/track/key.js';
import { W } from '../../src/track/layout.js';
import { ConnectionTable } from '../../src/track/table.js';
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

describe('a table that grows keeps its chains in order', () => {
  // Two live connections of one tuple on VLANs 10 and 20 share a key; an untagged segment of that tuple
  // fits both (a tag seen on one side only: table.ts otherVlanFits), and find() takes the first of the two
  // in probe order, the one made first. Their key's home is the index's last entry, so the second wraps to
  // entry 0. Growing re-inserts every entry: scanned from entry 0, the second came back first.
  it('finds the same connection of two that fit, before and after growing', () => {
    const tuple = newSegment();
    [tuple.src0, tuple.src1, tuple.src2, tuple.src3, tuple.srcPort] = [0, 0, 0xffff, 0x0a000001, 40000];
    [tuple.dst0, tuple.dst1, tuple.dst2, tuple.dst3, tuple.dstPort] = [0, 0, 0xffff, 0x0a000002, 80];
    const key = connectionKey(tuple);
    // A table of 16 slots has an index of 32 entries: a seed that puts this key's home at entry 31.
    let seed = 0;
    while ((mix(key ^ seed) & 31) !== 31) seed++;
    const table = new ConnectionTable({ maxConnections: 1000, seed, connectionsAtMost: 0 }, () => undefined);
    const put = (id: number, vlan: number, k: number) => {
      const slot = table.alloc();
      const I = table.slots.I;
      const U = table.slots.U;
      const b = slot * W.Size;
      I[b + W.Id] = id;
      I[b + W.Key] = k;
      U[b + W.Vlan] = vlan;
      [U[b + W.C0], U[b + W.C1], U[b + W.C2], U[b + W.C3], U[b + W.CPort]] = [0, 0, 0xffff, 0x0a000001, 40000];
      [U[b + W.S0], U[b + W.S1], U[b + W.S2], U[b + W.S3], U[b + W.SPort]] = [0, 0, 0xffff, 0x0a000002, 80 + (k === key ? 0 : id)];
      table.add(slot);
      return slot;
    };
    const first = put(1, 10, key);
    const second = put(2, 20, key);
    const untagged = Object.assign(newSegment(), tuple, { vlan: 0, flags: TCP_ACK, seq: 1, ack: 1 });
    const capacity = table.slots.capacity;
    // Others, with keys of their own, until the slots grow.
    for (let id = 3; table.slots.capacity === capacity; id++) put(id, 0, (key + id * 7919) & 0x3fffffff);
    expect(table.slots.capacity).toBeGreaterThan(16);
    expect(table.find(key, untagged)).toBe(first);
    expect(second).not.toBe(first);
  });
});

describe('a capture read for real', () => {
  it("gets a table its size allows (get.pcap's 113 connections, not 131,072)", async () => {
    // The typed arrays made while it runs, seen from inside: a table for 114 slots is well under 1 MB of
    // them, one for the default 100,001 ~70 MB.
    const before = process.memoryUsage().arrayBuffers;
    let during = 0;
    await trackCapture(join(FIXTURES, 'public/get.pcap'), () => {
      during = Math.max(during, process.memoryUsage().arrayBuffers);
    });
    expect(during).toBeGreaterThan(0);
    expect(during - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('watch (its own tracker) gets no bound: it reads live and long', async () => {
    const given: (number | undefined)[] = [];
    await trackCapture(join(FIXTURES, 'public/get.pcap'), () => undefined, {
      newTracker: (emit, opts) => {
        given.push(opts.connectionsAtMost);
        return new Tracker(emit, opts);
      },
    });
    expect(given).toEqual([undefined]);
  });
});
