#!/usr/bin/env node
// Builds' trackers, each alone, in whole passes over a capture that alternate between builds in one process:
// trackCapture as analyze runs it (recycle, no Zeek history), with each build's Tracker sweep() and end()
// timed apart (the connections they finish). Where track-ab.mjs feeds every build batch by batch, so that
// each tracker runs beside the others' memory, here a tracker has the caches to itself, as in the CLI.
//
//   taskset -c 1 node --no-concurrent-recompilation scripts/bench/finish-passes.mjs --dists A/dist,B/dist [--reps 12]
import { pathToFileURL } from 'node:url';
import { commandLine } from './lib.mjs';

const o = commandLine('node scripts/bench/finish-passes.mjs', {
  dists: { type: 'list', default: [], help: 'compiled trees to compare' },
  reps: { type: 'number', default: 12, help: 'passes of each build' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture' },
});
const builds = [];
for (const dist of o.dists) {
  const load = (m) => import(pathToFileURL(`${dist}/${m}`).href);
  const { Tracker } = await load('track/tracker.js');
  const { trackCapture, warmUpTracker } = await load('track/run.js');
  // The warm-up capture runs once per process and build (before inputs of 4 MB or more): here, before any
  // timed pass, so that it is not in the first pass of each build.
  await warmUpTracker?.({ recycle: true, zeek: false });
  const b = { dist, trackCapture, finishing: 0, finishes: [], passes: [] };
  // Called once a capture second and once at the end: the wrapper costs nothing beside what it times.
  const { sweep, end } = Tracker.prototype;
  Tracker.prototype.sweep = function () {
    const t0 = performance.now();
    sweep.call(this);
    b.finishing += performance.now() - t0;
  };
  Tracker.prototype.end = function () {
    const t0 = performance.now();
    end.call(this);
    b.finishing += performance.now() - t0;
  };
  builds.push(b);
}
for (let rep = 0; rep < o.reps; rep++) {
  for (let j = 0; j < builds.length; j++) {
    const b = builds[(rep + j) % builds.length];
    b.finishing = 0;
    const t0 = performance.now();
    const s = await b.trackCapture(o.file, () => {}, { recycle: true, zeek: false });
    if (s.error) throw new Error(`${o.file}: ${s.error}`);
    b.passes.push(performance.now() - t0);
    b.finishes.push(b.finishing);
  }
}
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const ratios = (xs, base) => xs.map((x, i) => x / base[i]);
const said = (r) => `${med(r).toFixed(3)} (${r.filter((x) => x < 1).length}/${r.length} faster)`;
console.log(`${o.reps} passes of each build, alternating; ms median; ratios to the first build: median of pass-by-pass ratios`);
for (const b of builds) {
  const first = builds[0];
  console.log(`${b.dist}: pass ${med(b.passes).toFixed(0)}, finishing (sweep + end) ${med(b.finishes).toFixed(1)}` +
    (b === first ? '' : `; finishing ${said(ratios(b.finishes, first.finishes))}, pass ${said(ratios(b.passes, first.passes))}`));
}
