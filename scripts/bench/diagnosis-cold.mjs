#!/usr/bin/env node
// The diagnosis's first pass in a fresh process, after other captures or none: each capture goes through
// read → decode → track → Analyzer as analyze runs it (one recycled record), and only the last one's adds
// (each timed alone) and judgement are reported. What a warm-up of the diagnosis would save on the input,
// beside what it costs (the captures before it, `warmMs`). One process per run: a warm process says nothing.
//
//   taskset -c 1 node --no-concurrent-recompilation scripts/bench/diagnosis-cold.mjs [--dist DIR] FILE [BEFORE ...]
//
// BENCHMARKS.md, session 21: the 11 lab captures before the 2 M file took its adds from 348 to 229 ms, and
// 465 ms themselves.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO } from './lib.mjs';

const args = process.argv.slice(2);
let dist = join(REPO, 'dist');
if (args[0] === '--dist') {
  dist = args[1];
  args.splice(0, 2);
}
const [file, ...before] = args;
if (!file) {
  console.error('usage: diagnosis-cold.mjs [--dist DIR] FILE [BEFORE ...]');
  process.exit(2);
}
const load = (m) => import(pathToFileURL(`${dist}/${m}`).href);
const { trackCapture } = await load('track/run.js');
const { Analyzer } = await load('diagnose/analyzer.js');

async function once(path, timed) {
  const a = new Analyzer();
  let spent = 0;
  const summary = await trackCapture(
    path,
    (c) => {
      const t0 = timed ? performance.now() : 0;
      if (a.wants(c)) a.add(c);
      if (timed) spent += performance.now() - t0;
    },
    { recycle: true, zeek: false, onTimeBase: (s) => (a.times.base = s), onTimestampDigits: (d) => (a.times.digits = d) },
  );
  const t0 = performance.now();
  a.finish(summary);
  return { adds: spent, finish: performance.now() - t0 };
}

const w0 = performance.now();
for (const f of before) await once(f, false);
const warmMs = performance.now() - w0;
const r = await once(file, true);
console.log(JSON.stringify({ before: before.length, warmMs: +warmMs.toFixed(1), adds: +r.adds.toFixed(1), finish: +r.finish.toFixed(1) }));
