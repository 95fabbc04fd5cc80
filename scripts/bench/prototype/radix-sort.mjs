#!/usr/bin/env node
// A throwaway: would a radix sort in JavaScript beat Float64Array's own sort for the judgement's samples
// (queue-occupancy.ts, overflow.ts, samples.ts sort a dozen lists of up to 65,536 numbers on a large capture)?
// The built-in compares through a function pointer, ~100 ns a number here; this LSD radix sort on the numbers'
// bits (six passes of 11, 11, 10 bits of each 32-bit half) is faster once V8 has optimised it, but a judgement
// runs once a process, and its first calls are the interpreter's. BENCHMARKS.md, session 21: not kept.
//
//   taskset -c 1 node --no-concurrent-recompilation scripts/bench/prototype/radix-sort.mjs native|radix
//
// Prints the time of 12 sorts of 65,536 numbers in a fresh process, each one's too; first checks that both
// sorts agree (numeric order, -0 before +0, NaN last) on 300 random arrays.

const LOW = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;
const PASSES = [[0, 0], [0, 11], [0, 22], [1, 0], [1, 11], [1, 22]];

function radixSort(a) {
  const total = a.length;
  if (total < 1024) return a.sort();
  let n = 0;
  for (let i = 0; i < total; i++) {
    const x = a[i];
    if (x === x) a[n++] = x;
  }
  for (let i = n; i < total; i++) a[i] = NaN;
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const l = words[2 * i + LOW];
    const h = words[2 * i + HIGH];
    if (h & 0x80000000) {
      lo[i] = ~l >>> 0;
      hi[i] = ~h >>> 0;
    } else {
      lo[i] = l;
      hi[i] = (h | 0x80000000) >>> 0;
    }
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  const counts = new Int32Array(2048);
  for (const [word, shift] of PASSES) {
    const key = word === 0 ? lo : hi;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(key[i] >>> shift) & 2047]++;
    if (counts[(key[0] >>> shift) & 2047] === n) continue;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(key[i] >>> shift) & 2047]++;
      lo2[at] = lo[i];
      hi2[at] = hi[i];
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
  }
  for (let i = 0; i < n; i++) {
    const l = lo[i];
    const h = hi[i];
    if (h & 0x80000000) {
      words[2 * i + LOW] = l;
      words[2 * i + HIGH] = (h & 0x7fffffff) >>> 0;
    } else {
      words[2 * i + LOW] = ~l >>> 0;
      words[2 * i + HIGH] = ~h >>> 0;
    }
  }
  return a;
}

const impl = process.argv[2] ?? 'radix';
const sort = impl === 'native' ? (a) => a.sort() : radixSort;
const same = (x, y) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]) || (Number.isNaN(v) && Number.isNaN(y[i])));
const n = 65536;
const arrays = [];
for (let k = 0; k < 12; k++) {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(Math.random() * 87e9) + k;
  arrays.push(a);
}
const t0 = performance.now();
const each = arrays.map((a) => {
  const t = performance.now();
  sort(a);
  return (performance.now() - t).toFixed(1);
});
console.log(`${impl}: 12 sorts of ${n} numbers ${(performance.now() - t0).toFixed(1)} ms (${each.join(' ')})`);
// Agreement, after the timing (so the timing is of a cold sort).
for (let t = 0; t < 300; t++) {
  const size = [0, 1, 2, 1023, 1024, 1025, 5000, 65536][t % 8];
  const a = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const r = Math.random();
    a[i] = r < 0.05 ? NaN : r < 0.08 ? -0 : r < 0.11 ? 0 : r < 0.13 ? Infinity : r < 0.15 ? -Infinity : r < 0.4 ? -Math.floor(Math.random() * 1e12) : r < 0.5 ? Math.random() * 1e-300 : Math.floor(Math.random() * 87e9);
  }
  if (size > 10) new Uint32Array(a.buffer)[2 * 1 + HIGH] = 0xfff80000; // a NaN with the sign bit set
  if (!same(new Float64Array(a).sort(), radixSort(new Float64Array(a)))) {
    console.error(`the sorts disagree on an array of ${size}`);
    process.exit(1);
  }
}
console.log('the two sorts agree on 300 random arrays');
