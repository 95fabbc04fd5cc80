#!/usr/bin/env node
// The diagnosis alone, builds side by side in one process: the capture is tracked as analyze tracks it (one
// recycled record), and each finished connection goes to every build's Analyzer in turn, the order rotating
// from one connection to the next (the first to read a record meets it in the cache less often); each add()
// is timed alone (performance.now), then each finish(). Per pass: the sum of a build's adds plus its finish.
// Medians with min–max, and each build's ratio to the first, pass by pass.
//
//   node scripts/bench/analysis.mjs --dists A/dist,B/dist [--reps 7] [--file F]
//
// Run it pinned (taskset -c 1) with the shebang's flag: node --no-concurrent-recompilation.
import { pathToFileURL } from 'node:url';
import { commandLine } from './lib.mjs';

const o = commandLine('node scripts/bench/analysis.mjs', {
  dists: { type: 'list', default: [], help: 'compiled trees to compare (the first tracks)' },
  reps: { type: 'number', default: 7, help: 'passes of each build' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture' },
});
const load = (d, m) => import(pathToFileURL(`${d}/${m}`).href);
const { trackCapture } = await load(o.dists[0], 'track/run.js');
const analyzers = await Promise.all(o.dists.map((d) => load(d, 'diagnose/analyzer.js')));
const n = o.dists.length;
const ms = o.dists.map(() => []);
let connections = 0;
for (let rep = 0; rep < o.reps; rep++) {
  const as = analyzers.map((m) => new m.Analyzer());
  const spent = new Float64Array(n);
  let turn = 0;
  connections = 0;
  const summary = await trackCapture(o.file, (c) => {
    connections++;
    for (let k = 0; k < n; k++) {
      const i = (turn + k) % n;
      const t0 = performance.now();
      if (as[i].wants(c)) as[i].add(c);
      spent[i] += performance.now() - t0;
    }
    turn = (turn + 1) % n;
  }, {
    recycle: true,
    onTimeBase: (s) => { for (const a of as) a.times.base = s; },
    onTimestampDigits: (d) => { for (const a of as) a.times.digits = d; },
  });
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    as[i].finish(summary);
    ms[i].push(spent[i] + performance.now() - t0);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${connections} connections, ${o.reps} passes, ms median (min–max), ratio to the first build (median of per-pass ratios, passes faster)`);
for (let i = 0; i < n; i++) {
  const r = ms[i].map((x, k) => x / ms[0][k]);
  console.log(`${o.dists[i]}: ${med(ms[i]).toFixed(1)} (${Math.min(...ms[i]).toFixed(1)}–${Math.max(...ms[i]).toFixed(1)})` +
    (i > 0 ? `  ratio ${med(r).toFixed(3)}, faster in ${r.filter((x) => x < 1).length}/${r.length}` : ''));
}
