#!/usr/bin/env node
// What a cache miss costs on this machine, and how many can overlap: the two numbers that bound a tracker
// whose live connections do not fit in the caches (BENCHMARKS.md, session 11).
//
//   taskset -c 1 node scripts/bench/memory.mjs [--sizes 0.25,1,4,16,64] [--chains 1,2,4,8,16]
//
// Latency: a pointer chase over a random cyclic order of the 64-byte lines of an Int32Array of each size,
// every load waiting for the one before (as find() waits for the index entry before it reads the slot).
// Overlap: the same chase over 64 MB with k independent chains walked in turn, as a batch of packets'
// lookups is (Tracker.addBatch): ns per load falls as the processor keeps k misses in flight.

import { commandLine, textTable } from './lib.mjs';

const SPEC = {
  sizes: { type: 'list', default: ['0.25', '1', '4', '16', '64'], help: 'working sets, MB' },
  chains: { type: 'list', default: ['1', '2', '4', '8', '16'], help: 'independent chains over 64 MB' },
  loads: { type: 'number', default: 2e6, help: 'loads timed per row' },
};
const o = commandLine('node scripts/bench/memory.mjs', SPEC);

/** An Int32Array of `mb` MB whose 64-byte lines form one random cycle: a[line * 16] = the next line's index. */
function cycle(mb) {
  const n = Math.floor((mb * 1024 * 1024) / 4 / 16) * 16;
  const lines = n / 16;
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  let seed = 12345;
  for (let i = lines - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    const j = (seed >>> 1) % (i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const a = new Int32Array(n);
  for (let i = 0; i < lines; i++) a[order[i] * 16] = order[(i + 1) % lines] * 16;
  return { a, order, lines };
}

/** ns per load of `k` chains walked in turn. */
function chase({ a, order, lines }, k, loads) {
  const at = new Int32Array(k);
  for (let j = 0; j < k; j++) at[j] = order[Math.floor((j * lines) / k)] * 16;
  const steps = Math.max(1, Math.floor(loads / k));
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) for (let j = 0; j < k; j++) at[j] = a[at[j]];
  const ns = ((performance.now() - t0) * 1e6) / (steps * k);
  if (at[0] === -1) console.log('');
  return ns;
}

const rows = [];
for (const s of o.sizes) {
  const c = cycle(Number(s));
  chase(c, 1, 1e5);
  rows.push([`${s} MB`, '1', chase(c, 1, o.loads).toFixed(1)]);
}
const big = cycle(64);
for (const k of o.chains) {
  chase(big, Number(k), 1e5);
  rows.push(['64 MB', k, chase(big, Number(k), o.loads).toFixed(1)]);
}
console.log(textTable(['working set', 'chains', 'ns per load'], rows));
