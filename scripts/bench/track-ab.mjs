#!/usr/bin/env node
// The trackers of two or more builds side by side in one process, fed the same segments a batch at a time:
// the first build's reader and decoder fill a batch of 64 segments, each build's Tracker takes it in turn
// (addBatch in batches of 16, as run.ts, or --batches; timed with performance.now), the order rotating from
// one batch to the next. A slow phase of the machine lasts far longer than a batch, so it falls on every build alike: on this
// machine, whose speed swings by ±20% between minutes, a 2% difference shows in every pass, where separate
// processes (ab.mjs, pairs.mjs) need dozens of pairs to see 5%. What it does not show: each tracker's memory
// is beside the others' (their misses add up), and none runs alone; compare builds, not absolute figures.
//
//   node scripts/bench/track-ab.mjs --dists A/dist,B/dist [--reps 5] [--file F] [--batches 16,32]
//
// Run it pinned (taskset -c 1) with the shebang's flag: node --no-concurrent-recompilation. Each build's
// warm-up (run.ts warmUpTracker) runs first, as the CLI's does; then per pass a new Tracker per build
// ({ recycle: true, zeek: false }: as analyze tracks). Per pass: the sum of a build's addBatch and end().
// The builds must agree on every connection (a checksum of each finished record: counts, frames, both sides'
// counters and next sequence numbers): the script fails if not.
import { pathToFileURL } from 'node:url';
import { commandLine } from './lib.mjs';

const o = commandLine('node scripts/bench/track-ab.mjs', {
  dists: { type: 'list', default: [], help: 'compiled trees to compare (the first reads and decodes)' },
  reps: { type: 'number', default: 5, help: 'passes over the capture' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture' },
  batches: { type: 'list', default: [], help: "each build's addBatch size (default run.ts's 16 for all; at most 64, dividing 64)" },
  finishes: { type: 'flag', help: "also time each build's sweep() calls and end() alone (the connections it finishes)" },
});
// Segments are decoded BATCH at a time; a build with a smaller batch takes them in several addBatch calls.
const BATCH = 64;
const load = (d, m) => import(pathToFileURL(`${d}/${m}`).href);
const { readCapture } = await load(o.dists[0], 'capture/reader.js');
const { Decoder } = await load(o.dists[0], 'decode/decoder.js');
const { newSegment } = await load(o.dists[0], 'decode/segment.js');
// decode/segment.ts Decoded.Tcp (a const enum: not in the compiled module).
const DECODED_TCP = 0;
const builds = await Promise.all(
  o.dists.map(async (d) => ({ dist: d, Tracker: (await load(d, 'track/tracker.js')).Tracker, run: await load(d, 'track/run.js') })),
);
const n = builds.length;
const sizes = builds.map((_, i) => Number(o.batches[i] ?? 16));
for (const b of sizes) if (!(b >= 1 && b <= BATCH && BATCH % b === 0)) throw new Error(`--batches: ${b} does not divide ${BATCH}`);
for (const b of builds) await b.run.warmUpTracker?.({ recycle: true, zeek: false });
// --finishes: each build's Tracker.prototype.sweep wrapped in a timer (called once a capture second: the
// wrapper's cost is nothing beside the tracker's), after the warm-up so that it runs as the CLI's would.
const sweepMs = builds.map(() => []);
const endMs = builds.map(() => []);
const inSweep = new Float64Array(n);
if (o.finishes) {
  builds.forEach((b, i) => {
    const sweep = b.Tracker.prototype.sweep;
    b.Tracker.prototype.sweep = function () {
      const t0 = performance.now();
      sweep.call(this);
      inSweep[i] += performance.now() - t0;
    };
  });
}

// The copy check's table of recent segments, where a build counts its use (duplicates.ts, session 14 on).
const tableUse = (t) => (t.recent?.spills === undefined ? '' : `, ${t.recent.spills} segments into the table of recent segments, ${t.recent.lookups} looks into it`);
const ms = builds.map(() => []);
const lastUse = builds.map(() => '');
let packets = 0;
for (let rep = 0; rep < o.reps; rep++) {
  const sums = new Int32Array(n);
  const counts = new Int32Array(n);
  const trackers = builds.map((b, i) => new b.Tracker((c) => {
    counts[i]++;
    let h = (Math.imul(sums[i], 31) + c.id + c.synCount * 11 + c.synAckCount * 19 + c.handshakeAckFrame * 23 + c.lastFrame * 29) | 0;
    for (const d of [c.client, c.server]) {
      h = (Math.imul(h, 31) + d.packets + d.duplicates * 3 + d.retransmits * 5 + d.outOfOrder * 7 + d.keepAlives * 11 + d.zeroWindows * 13 + d.finFrame * 17 + d.nextSeq) | 0;
    }
    sums[i] = h;
  }, { recycle: true, zeek: false }));
  const spent = new Float64Array(n);
  inSweep.fill(0);
  const batch = Array.from({ length: BATCH }, newSegment);
  // Each build's batches: arrays of the same Segment objects, made once.
  const parts = sizes.map((b) => Array.from({ length: BATCH / b }, (_, j) => batch.slice(j * b, (j + 1) * b)));
  const decoder = new Decoder(batch[0]);
  let inBatch = 0;
  let turn = 0;
  packets = 0;
  const feed = (k) => {
    for (let j = 0; j < n; j++) {
      const i = (turn + j) % n;
      const t0 = performance.now();
      const b = sizes[i];
      for (let j = 0; j * b < k; j++) trackers[i].addBatch(parts[i][j], Math.min(b, k - j * b));
      spent[i] += performance.now() - t0;
    }
    turn = (turn + 1) % n;
  };
  let first = true;
  const r = await readCapture(o.file, {
    onFrame(f) {
      packets++;
      if (first) {
        decoder.baseSec = f.tsSec;
        first = false;
      }
      if (decoder.decode(f) !== DECODED_TCP) return;
      if (++inBatch < BATCH) decoder.segment = batch[inBatch];
      else {
        feed(BATCH);
        inBatch = 0;
        decoder.segment = batch[0];
      }
    },
  });
  if (r.error) throw new Error(`${o.file}: ${r.error.message ?? r.error}`);
  if (inBatch > 0) feed(inBatch);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    trackers[i].end();
    const ended = performance.now() - t0;
    ms[i].push(spent[i] + ended);
    endMs[i].push(ended);
    sweepMs[i].push(inSweep[i]);
    if (rep === 0) lastUse[i] = tableUse(trackers[i]);
  }
  // TRACK_AB_NO_CHECK=1: for an experiment that breaks the records on purpose (to bound what a cost is).
  for (let i = 1; i < n && process.env.TRACK_AB_NO_CHECK !== '1'; i++) {
    if (counts[i] !== counts[0] || sums[i] !== sums[0]) throw new Error(`${builds[i].dist} disagrees with ${builds[0].dist}: ${counts[i]} connections (${sums[i]}) against ${counts[0]} (${sums[0]})`);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${packets} packets, ${o.reps} passes, tracker ms median (min–max), ratio to the first build (median of per-pass ratios, passes faster)`);
for (let i = 0; i < n; i++) {
  const r = ms[i].map((x, k) => x / ms[0][k]);
  console.log(`${builds[i].dist}: ${med(ms[i]).toFixed(1)} (${Math.min(...ms[i]).toFixed(1)}–${Math.max(...ms[i]).toFixed(1)})` +
    (i > 0 ? `  ratio ${med(r).toFixed(3)} (${Math.min(...r).toFixed(3)}–${Math.max(...r).toFixed(3)}), faster in ${r.filter((x) => x < 1).length}/${r.length}` : '') +
    lastUse[i]);
}
const spread = (xs) => `${med(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
if (o.finishes) {
  console.log('finishing, ms median (min–max): sweep() calls, end(), ratio of their sum to the first build\'s');
  for (let i = 0; i < n; i++) {
    const r = sweepMs[i].map((x, k) => (x + endMs[i][k]) / (sweepMs[0][k] + endMs[0][k]));
    console.log(`${builds[i].dist}: sweep ${spread(sweepMs[i])}, end ${spread(endMs[i])}` +
      (i > 0 ? `  ratio ${med(r).toFixed(3)} (${Math.min(...r).toFixed(3)}–${Math.max(...r).toFixed(3)}), faster in ${r.filter((x) => x < 1).length}/${r.length}` : ''));
  }
}
