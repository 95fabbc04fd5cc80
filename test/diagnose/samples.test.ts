import { describe, expect, it } from 'vitest';
import { SourceTally } from '../../src/diagnose/differential.js';
import { NumberSet, Samples } from '../../src/diagnose/samples.js';
import { Timeline } from '../../src/diagnose/timeline.js';

describe('Samples', () => {
  it('keeps values in order up to its cap, through growth, and sorts a copy', () => {
    const s = new Samples(1000);
    for (let i = 0; i < 1200; i++) expect(s.push((i * 7919) % 1009)).toBe(i < 1000);
    expect(s.length).toBe(1000);
    expect(s.view()[999]).toBe((999 * 7919) % 1009);
    const sorted = s.sorted();
    expect([...sorted]).toEqual([...s.view()].sort((a, b) => a - b));
    expect(s.view()[0]).toBe(0);
    expect(s.view()[1]).toBe(7919 % 1009);
  });

  it('keeps every value through the jump to its whole cap past 16 384, and stops at the cap', () => {
    const s = new Samples(200_000);
    for (let i = 0; i < 200_100; i++) expect(s.push(i * 0.5)).toBe(i < 200_000);
    const v = s.view();
    expect(v.length).toBe(200_000);
    expect(v[16_383]).toBe(16_383 * 0.5);
    expect(v[16_384]).toBe(16_384 * 0.5);
    expect(v[199_999]).toBe(199_999 * 0.5);
    let ok = true;
    for (let i = 0; i < v.length; i++) if (v[i] !== i * 0.5) ok = false;
    expect(ok).toBe(true);
  });
});

describe('memory before the first value', () => {
  it('20,000 listeners worth of empty sample lists, source sets, source tallies and timelines allocate no buffers', () => {
    const before = process.memoryUsage().arrayBuffers;
    const kept: unknown[] = [];
    for (let i = 0; i < 20_000; i++) kept.push([new Samples(200_000), new Samples(200_000), new Samples(4096), new NumberSet(100_000), new SourceTally(), new Timeline()]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(kept).toHaveLength(20_000);
  });
});

describe('NumberSet', () => {
  it('counts IPv6 sources that differ only in their last word, or only in their first', () => {
    const set = new NumberSet(100_000);
    for (let i = 0; i < 20_000; i++) set.add128(0x20010db8, 0, 0, i);
    for (let i = 0; i < 20_000; i++) set.add128(i, 0, 0, 1);
    for (let i = 0; i < 20_000; i++) set.add128(0x20010db8, 0, 0, i);
    // 40,000 distinct addresses (the third loop repeats the first); a 32-bit hash may merge a pair by
    // chance (odds about 40,000 / 2^32 per address).
    expect(set.size).toBeGreaterThanOrEqual(39_990);
    expect(set.size).toBeLessThanOrEqual(40_000);
  });

  it('counts distinct uint32 values (0 and 2^32 - 1 included) up to its cap', () => {
    const set = new NumberSet(50_000);
    const seen = new Set<number>();
    let x = 1;
    for (let i = 0; i < 40_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const v = i % 3 === 0 ? x & 0xfff : x;
      expect(set.add(v)).toBe(true);
      seen.add(v >>> 0);
    }
    expect(set.add(0)).toBe(true);
    expect(set.add(0xffffffff)).toBe(true);
    seen.add(0);
    seen.add(0xffffffff);
    expect(set.size).toBe(seen.size);
  });

  it('refuses new values past the cap, still knows the ones it holds', () => {
    const set = new NumberSet(3);
    expect([set.add(10), set.add(20), set.add(10), set.add(0), set.add(30), set.add(20)]).toEqual([true, true, true, true, false, true]);
    expect(set.size).toBe(3);
  });

  it('sources crafted to share their low bits do not pile up in one run of the table (adding stays O(1))', () => {
    const set = new NumberSet(100_000);
    for (let i = 0; i < 100_000; i++) set.add(i * 4096);
    expect(set.size).toBe(100_000);
    // Linear probing costs as much as the longest run of occupied slots. Indexed by their low bits, these
    // values would share 64 slots and make one run of 100 000; seeded and mixed, runs stay short.
    const slots = (set as unknown as { slots: Uint32Array }).slots;
    let longest = 0;
    let run = 0;
    for (const v of [...slots, ...slots]) {
      run = v === 0 ? 0 : run + 1;
      if (run > longest) longest = Math.min(run, slots.length);
    }
    expect(longest).toBeLessThan(200);
  });
});
