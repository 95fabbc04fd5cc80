// NumberTable (src/diagnose/number-table.ts), the one typed-array hash table of the diagnosis (session 11:
// it replaced NumberSet and SourceTally's own table): against a plain Map on random keys, values and caps,
// and on keys a flood would craft to collide, which a seeded hash must still spread.
import { describe, expect, it } from 'vitest';
import { NumberTable } from '../../src/diagnose/number-table.js';
import type { Connection } from '../../src/track/connection.js';
import { mix } from '../../src/track/key.js';
import { mulberry32 as rng } from '../hostile/lib/index.mjs';
import { unmix } from '../helpers/unmix.js';

/** What the table must hold: a Map of uint32 keys to OR-ed bits, refusing new keys at the cap. */
class Reference {
  readonly map = new Map<number, number>();
  capped = false;
  constructor(readonly cap: number) {}

  mark(x: number, bits: number): boolean {
    x >>>= 0;
    const v = this.map.get(x);
    if (v !== undefined) {
      this.map.set(x, v | bits);
      return true;
    }
    if (this.map.size >= this.cap) {
      this.capped = true;
      return false;
    }
    this.map.set(x, bits);
    return true;
  }
}

/** The table's keys and values, in key order. */
function entries(t: NumberTable): [number, number][] {
  const out: [number, number][] = [];
  t.forEach((k, v) => out.push([k, v]));
  return out.sort((a, b) => a[0] - b[0]);
}

/** Whether the table holds exactly the Map's keys and values (a loop: toEqual on 100 000 pairs takes seconds). */
function sameEntries(t: NumberTable, want: Map<number, number>): boolean {
  let same = t.size === want.size;
  t.forEach((k, v) => {
    if (want.get(k) !== v) same = false;
  });
  return same;
}

/** The longest run of occupied places, around the end included: what one lookup can walk. */
function longestRun(t: NumberTable): number {
  const keys = (t as unknown as { keys: Uint32Array }).keys;
  let longest = 0;
  let run = 0;
  for (let i = 0; i < 2 * keys.length; i++) {
    run = keys[i % keys.length] === 0 ? 0 : run + 1;
    longest = Math.max(longest, Math.min(run, keys.length));
  }
  return longest;
}

describe('NumberTable holds what a Map holds', () => {
  it('random keys (0, 2^32 - 1, negatives and repeats among them), random bits, caps from 3 to 100 000, made at sizes expected or growing', () => {
    const r = rng(23);
    const caps = [3, 50, 1000, 100_000];
    let ops = 0;
    let refused = 0;
    for (let round = 0; round < 40; round++) {
      const cap = caps[round % caps.length]!;
      const withValues = round % 2 === 0;
      // Tables made at the size a caller expects (session 15), below, at and past the cap, beside growing ones.
      const expected = [0, Math.floor(cap / 2), 3 * cap][Math.floor(round / 4) % 3]!;
      const t = new NumberTable(cap, withValues, expected);
      const ref = new Reference(cap);
      const n = 1 + Math.floor(r() * 30_000);
      const seen: number[] = [];
      let wrong = 0;
      for (let i = 0; i < n; i++) {
        const pick = r();
        const x =
          pick < 0.2 ? Math.floor(r() * 64) // small keys, 0 among them, many repeats
          : pick < 0.25 ? [0, 0xffffffff, 0x80000000, -1, -0x80000000][Math.floor(r() * 5)]!
          : pick < 0.45 && seen.length > 0 ? seen[Math.floor(r() * seen.length)]! // a key seen before
          : pick < 0.5 ? -Math.floor(r() * 2 ** 31) // taken as uint32
          : Math.floor(r() * 2 ** 32);
        seen.push(x);
        const bits = withValues ? 1 << Math.floor(r() * 8) : 0;
        const got = withValues ? t.mark(x, bits) : t.add(x);
        const want = ref.mark(x, bits);
        if (got !== want) wrong++;
        if (!want) refused++;
        ops++;
      }
      expect(wrong).toBe(0);
      expect(t.size).toBe(ref.map.size);
      expect(t.capped).toBe(ref.capped);
      expect(sameEntries(t, ref.map)).toBe(true);
    }
    // The cases that matter were met: many inserts, and refusals at the cap.
    expect(ops).toBeGreaterThan(400_000);
    expect(refused).toBeGreaterThan(10_000);
  });

  it('past the cap a held key still takes its bits, and a new one is refused', () => {
    const t = new NumberTable(3, true);
    expect([t.mark(10, 1), t.mark(0, 4), t.mark(20, 1), t.mark(30, 1), t.mark(10, 2), t.mark(0, 8)]).toEqual([true, true, true, false, true, true]);
    expect(t.capped).toBe(true);
    expect(entries(t)).toEqual([[0, 12], [10, 3], [20, 1]]);
    const set = new NumberTable(3);
    expect([set.add(10), set.add(20), set.add(10), set.add(0), set.add(30), set.add(20)]).toEqual([true, true, true, true, false, true]);
    expect(set.size).toBe(3);
    expect(entries(set)).toEqual([[0, 0], [10, 0], [20, 0]]);
  });

  it('counts IPv6 sources that differ only in their last word, or only in their first (clientKey)', () => {
    const set = new NumberTable(100_000);
    const v6 = (c0: number, c3: number) => set.clientKey({ ipVersion: 6, c0, c1: 0, c2: 0, c3 } as Connection);
    for (let i = 0; i < 20_000; i++) set.add(v6(0x20010db8, i));
    for (let i = 0; i < 20_000; i++) set.add(v6(i, 1));
    for (let i = 0; i < 20_000; i++) set.add(v6(0x20010db8, i));
    // 40,000 distinct addresses (the third loop repeats the first); a 32-bit hash may merge a pair by
    // chance (odds about 40,000 / 2^32 per address).
    expect(set.size).toBeGreaterThanOrEqual(39_990);
    expect(set.size).toBeLessThanOrEqual(40_000);
    // An IPv4 source is its address.
    expect(set.clientKey({ ipVersion: 4, c0: 0, c1: 0, c2: 0xffff, c3: 0xc0a80001 } as Connection)).toBe(0xc0a80001);
  });
});

describe('NumberTable spreads keys a flood chose to collide', () => {
  const N = 100_000;
  const FAMILIES: [string, (i: number) => number][] = [
    // Indexed by their low bits, these would share 64 places of the 262 144 and make one run of 100 000.
    ['sharing their low 12 bits', (i) => i * 4096],
    ['consecutive addresses', (i) => 0x0b000000 + i],
    // k·A⁻¹ mod 2^32 for A = 0x9e3779b1: under the unseeded Fibonacci hash SourceTally had, the top bits of k.
    ['crafted against a Fibonacci hash', (i) => Math.imul(i, 0x0e8b2f51) >>> 0],
    // mix() of each is a multiple of 2^18: under mix() unseeded, one place at every table size up to 2^18.
    ['crafted against mix() unseeded', (i) => unmix((i % 16_384) * 2 ** 18 + Math.floor(i / 16_384))],
  ];

  for (const [name, key] of FAMILIES) {
    it(`${name}: every key held, about one place looked at past the first a lookup, short runs`, () => {
      const t = new NumberTable(N, true);
      const want = new Map<number, number>();
      let refused = 0;
      for (let i = 1; i <= N; i++) {
        const k = key(i);
        if (!t.mark(k, 1 + (i & 1))) refused++;
        want.set(k, (want.get(k) ?? 0) | (1 + (i & 1)));
      }
      expect(refused).toBe(0);
      expect(want.size).toBe(N);
      expect(sameEntries(t, want)).toBe(true);
      // Linear probing at most half full looks at about 1.5 places past the first a lookup (rehashes included).
      expect(t.probeSteps / N).toBeLessThan(4);
      expect(longestRun(t)).toBeLessThan(200);
    });
  }

  it('the seed is what spreads them: the keys crafted against mix() in a table with seed 0 pile into one run', () => {
    // The same keys' first 4096, through an unseeded table (the seed overwritten): every insert walks the
    // run, n²/2 places. The bounds above are met only because the seed is random.
    const t = new NumberTable(N);
    (t as unknown as { seed: number }).seed = 0;
    const n = 4096;
    for (let i = 0; i < n; i++) t.add(unmix(i * 2 ** 18 + 1));
    expect(mix(unmix(5 * 2 ** 18 + 1)) & 0x3ffff).toBe(1);
    expect(t.size).toBe(n);
    expect(t.probeSteps / n).toBeGreaterThan(1000);
    expect(longestRun(t)).toBe(n);
  });
});

describe('NumberTable made at an expected size (session 15)', () => {
  it('starts with room for the keys expected, at most half full, and does not grow while they come', () => {
    const keysOf = (t: NumberTable) => (t as unknown as { keys: Uint32Array }).keys;
    const t = new NumberTable(65_536, false, 34_736);
    t.add(1);
    const first = keysOf(t);
    expect(first.length).toBe(131_072);
    for (let i = 2; i <= 34_736; i++) t.add(i * 7);
    expect(keysOf(t)).toBe(first);
    expect(t.size).toBe(34_736);
    // Past the cap, room for the cap only; without an expectation, the small first table.
    const capped = new NumberTable(100, false, 1_000_000);
    capped.add(5);
    expect(keysOf(capped).length).toBe(256);
    const plain = new NumberTable(100);
    plain.add(5);
    expect(keysOf(plain).length).toBe(4);
  });
});
