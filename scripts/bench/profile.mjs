#!/usr/bin/env node
// CPU profile of one read-child pass (node --cpu-prof), summarised.
//
//   node scripts/bench/profile.mjs [--mode track|decode|read] [--packets 2e6] [--dist DIR] [--top 25] [--out DIR]
//
// Prints the functions with the most self time and the most total (inclusive)
// time, by function + file:line, and keeps the .cpuprofile (open it in Chrome
// DevTools or speedscope) in --out (default $CACHE/profiles).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_CACHE, ensureTiled } from './tile.mjs';
import { REPO, commandLine, textTable } from './lib.mjs';

const SPEC = {
  mode: { type: 'string', default: 'track', help: 'read | decode | track' },
  packets: { type: 'number', default: 2e6, help: 'tiled capture size' },
  file: { type: 'string', default: undefined, help: 'profile this capture instead of a tiled one' },
  dist: { type: 'string', default: join(REPO, 'dist'), help: 'compiled tree' },
  top: { type: 'number', default: 25, help: 'rows to print' },
  interval: { type: 'number', default: 200, help: 'sampling interval, microseconds' },
  out: { type: 'string', default: join(DEFAULT_CACHE, 'profiles'), help: 'where the .cpuprofile goes' },
  cache: { type: 'string', default: DEFAULT_CACHE, help: 'tiled capture cache' },
};

const o = commandLine('node scripts/bench/profile.mjs', SPEC);
const file = o.file ?? ensureTiled({ packets: o.packets, cache: o.cache }).path;
mkdirSync(o.out, { recursive: true });
const before = new Set(readdirSync(o.out));
const r = spawnSync(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${o.out}`, `--cpu-prof-interval=${o.interval}`, join(REPO, 'scripts', 'bench', 'read-child.mjs'), o.mode, file, o.dist],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
);
if (r.status !== 0) {
  console.error('profile run failed');
  process.exit(1);
}
console.log(r.stdout.trim());
const prof = readdirSync(o.out)
  .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
  .map((f) => join(o.out, f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
console.log(`profile: ${prof}\n`);
summarise(JSON.parse(readFileSync(prof, 'utf8')), o.top);

function summarise(p, top) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfSamples = new Map();
  for (const s of p.samples) selfSamples.set(s, (selfSamples.get(s) ?? 0) + 1);
  const total = p.samples.length;
  const name = (n) => {
    const cf = n.callFrame;
    const url = cf.url ? relative(REPO, cf.url.replace(/^file:\/\//, '')) : '';
    return `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
  };
  const self = new Map();
  const incl = new Map();
  for (const [id, cnt] of selfSamples) {
    const n = byId.get(id);
    const k = name(n);
    self.set(k, (self.get(k) ?? 0) + cnt);
    // Inclusive: once per distinct function on the stack.
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const kk = name(byId.get(x));
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + cnt);
    }
  }
  const rows = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [((v * 100) / total).toFixed(1) + '%', k]);
  console.log(`${total} samples\n\nSelf time:`);
  console.log(textTable(['self', 'function'], rows(self), 'rl'));
  console.log('\nTotal (inclusive) time:');
  console.log(textTable(['total', 'function'], rows(incl).filter(([, k]) => !/^\(root\)|^\(program\)/.test(k)), 'rl'));
}
