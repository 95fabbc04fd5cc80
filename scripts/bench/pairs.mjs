#!/usr/bin/env node
// Many alternating pairs of one read-child pass (read, decode, track, track-recycle) for two or more
// builds, each a fresh process pinned to one CPU: on a machine whose speed swings by ±20% between
// minutes, a gain of 10% shows in how many pairs the new build wins, not in a median of seven
// (BENCHMARKS.md, session 11).
//
//   node scripts/bench/pairs.mjs --dists /work/bench-base/dist,/work/bench-s11/dist [--mode track-recycle] [--reps 16]
//   node scripts/bench/pairs.mjs --dists A,B --in-process   # passes alternating inside one process instead
//
// --in-process loads every build's track/run.js in one node and runs their trackCapture in turn (recycling, no Zeek
// history or states: as analyze does): warm passes, no start-up, the file and the heap shared.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandLine, median, REPO } from './lib.mjs';
import { DEFAULT_CACHE, ensureTiled } from './tile.mjs';

const SPEC = {
  dists: { type: 'list', default: [], help: 'compiled trees (dist/) to compare, the first is the base' },
  mode: { type: 'string', default: 'track-recycle', help: 'read-child mode (whole-process runs)' },
  reps: { type: 'number', default: 16, help: 'pairs' },
  file: { type: 'string', default: undefined, help: 'capture (default: the tiled 2 M file)' },
  cpu: { type: 'string', default: '1', help: 'taskset CPU' },
  inProcess: { type: 'flag', default: false, help: 'alternate passes inside one process' },
  child: { type: 'flag', default: false, help: '(internal) the --in-process runner' },
};
const o = commandLine('node scripts/bench/pairs.mjs', SPEC);
const file = o.file ?? ensureTiled({ packets: 2e6, cache: DEFAULT_CACHE }).path;

if (o.child) {
  const runs = [];
  for (const d of o.dists) runs.push((await import(pathToFileURL(join(d, 'track', 'run.js')).href)).trackCapture);
  for (let r = 0; r < o.reps; r++) {
    for (let i = 0; i < runs.length; i++) {
      const c0 = process.cpuUsage();
      await runs[i](file, () => undefined, { recycle: true, zeek: false });
      const c = process.cpuUsage(c0);
      console.log(JSON.stringify({ dist: o.dists[i], rep: r, cpuMs: (c.user + c.system) / 1000 }));
    }
  }
  process.exit(0);
}

if (o.dists.length < 2) {
  console.error('give two builds or more: --dists BASE/dist,NEW/dist');
  process.exit(2);
}
const cpu = ['-c', o.cpu];
const node = [process.execPath, '--no-concurrent-recompilation'];
const times = o.dists.map(() => []);
if (o.inProcess) {
  const r = spawnSync('taskset', [...cpu, ...node, join(REPO, 'scripts', 'bench', 'pairs.mjs'), '--child', '--dists', o.dists.join(','), '--reps', String(o.reps), '--file', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of r.stdout.trim().split('\n')) {
    const j = JSON.parse(line);
    times[o.dists.indexOf(j.dist)].push(j.cpuMs);
  }
} else {
  for (let r = 0; r < o.reps; r++) {
    for (let i = 0; i < o.dists.length; i++) {
      const p = spawnSync('taskset', [...cpu, ...node, join(REPO, 'scripts', 'bench', 'read-child.mjs'), o.mode, file, o.dists[i]], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`${o.dists[i]}: read-child failed: ${p.stderr}`);
      times[i].push(JSON.parse(p.stdout).cpuMs);
    }
  }
}
const base = times[0];
for (let i = 0; i < o.dists.length; i++) {
  const t = times[i];
  const wins = i === 0 ? '' : `, faster than the base in ${t.filter((x, r) => x < base[r]).length} of ${t.length} pairs, median ${((median(t) / median(base) - 1) * 100).toFixed(1)}%`;
  console.log(`${o.dists[i]}: CPU ms median ${Math.round(median(t))} (${Math.round(Math.min(...t))}–${Math.round(Math.max(...t))})${wins}`);
  console.log(`  ${t.map((x) => Math.round(x)).join(' ')}`);
}
