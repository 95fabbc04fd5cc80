import { describe, expect, it } from 'vitest';
import { SourceTally } from '../../src/diagnose/differential.js';
import { NumberTable } from '../../src/diagnose/number-table.js';
import { Samples } from '../../src/diagnose/samples.js';
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
    for (let i = 0; i < 20_000; i++) kept.push([new Samples(200_000), new Samples(200_000), new Samples(4096), new NumberTable(100_000), new SourceTally(), new Timeline()]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(kept).toHaveLength(20_000);
  });
});
