#!/usr/bin/env node
// What clearing a new connection's slot costs (track/slots.ts Slots.clear): TypedArray.fill and then the
// field table's non-zero doubles, against one copy of a template slot (TypedArray.set), on slots in the
// cache (8 slots in turn) and out of it (45 000 slots in random order).
//
//   taskset -c 1 node scripts/bench/slot-clear.mjs [--dist DIR]
import { pathToFileURL } from 'node:url';
import { commandLine, REPO } from './lib.mjs';

const o = commandLine('node scripts/bench/slot-clear.mjs', { dist: { type: 'string', default: `${REPO}/dist`, help: 'compiled tree' } });
const { SLOT_DOUBLE_INITS } = await import(pathToFileURL(`${o.dist}/track/layout.generated.js`).href);
const { SLOT_BYTES } = await import(pathToFileURL(`${o.dist}/track/limits.js`).href);
const W = SLOT_BYTES / 4;
const N = 45000;
const I = new Int32Array(W * (N + 1));
const F = new Float64Array(I.buffer);
const template = new Int32Array(W);
const templateDoubles = new Float64Array(template.buffer);
for (let i = 0; i < SLOT_DOUBLE_INITS.length; i += 2) templateDoubles[SLOT_DOUBLE_INITS[i]] = SLOT_DOUBLE_INITS[i + 1];

function clearFill(slot) {
  const b = slot * W;
  I.fill(0, b, b + W);
  const f = slot * (W / 2);
  for (let i = 0; i < SLOT_DOUBLE_INITS.length; i += 2) F[f + SLOT_DOUBLE_INITS[i]] = SLOT_DOUBLE_INITS[i + 1];
}
function clearSet(slot) {
  I.set(template, slot * W);
}
const order = new Int32Array(N).map((_, i) => i);
for (let i = N - 1; i > 0; i--) {
  const j = (Math.random() * (i + 1)) | 0;
  [order[i], order[j]] = [order[j], order[i]];
}
// The two ways in alternating rounds (this machine's speed changes by the minute): the best round of each.
function round(f, hot) {
  const t0 = performance.now();
  if (hot) for (let k = 0; k < N; k++) f(k & 7);
  else for (let k = 0; k < N; k++) f(order[k]);
  return ((performance.now() - t0) * 1e6) / N;
}
console.log(`slot of ${SLOT_BYTES} bytes; ns per slot, the best of 25 alternating rounds`);
for (const hot of [true, false]) {
  let fill = Infinity;
  let set = Infinity;
  for (let r = 0; r < 25; r++) {
    fill = Math.min(fill, round(clearFill, hot));
    set = Math.min(set, round(clearSet, hot));
  }
  console.log(`${hot ? 'in the cache' : 'out of it   '}  fill + non-zero inits ${fill.toFixed(1)}, set from a template ${set.toFixed(1)}`);
}
