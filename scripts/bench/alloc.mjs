#!/usr/bin/env node
// Where the heap allocations of a run come from, garbage included: V8's
// sampling heap profiler (the inspector's HeapProfiler, with the objects that
// minor and major GCs collected kept in the samples), summed by function and
// divided by the packets of the capture.
//
//   node scripts/bench/alloc.mjs [--packets 5e5 | --file F] [--with F2] [--command analyze|flows|track] [--dist DIR] [--top 25]
//
// `track` runs read + decode + track only (read-child.mjs track-recycle);
// `analyze` and `flows` run the CLI as a user would. Sampling: one sample per
// --interval bytes on average, so small figures are estimates (±1 sample).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEFAULT_CACHE, ensureTiled } from './tile.mjs';
import { REPO, commandLine, textTable } from './lib.mjs';

const SPEC = {
  packets: { type: 'number', default: 5e5, help: 'tiled capture size' },
  file: { type: 'string', default: undefined, help: 'profile this capture instead of a tiled one' },
  with: { type: 'string', default: undefined, help: 'a second capture read with it (analyze, flows: the two are correlated)' },
  command: { type: 'string', default: 'analyze', help: 'analyze | flows | track' },
  interval: { type: 'number', default: 4096, help: 'mean bytes between samples' },
  top: { type: 'number', default: 25, help: 'rows to print' },
  dist: { type: 'string', default: undefined, help: 'compiled tree for --command track (default: this repository\'s dist/)' },
  after: { type: 'number', default: 0, help: 'start sampling this many ms into the run (leaves out warm-up)' },
  cache: { type: 'string', default: DEFAULT_CACHE, help: 'tiled capture cache' },
};

const o = commandLine('node scripts/bench/alloc.mjs', SPEC);
const file = o.file ?? ensureTiled({ packets: o.packets, cache: o.cache }).path;
const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-alloc-'));
const out = join(dir, 'alloc.json');
const preload = join(dir, 'preload.cjs');
writeFileSync(
  preload,
  `const inspector = require('node:inspector');
const s = new inspector.Session();
s.connect();
s.post('HeapProfiler.enable');
const start = () => s.post('HeapProfiler.startSampling', { samplingInterval: ${Math.round(o.interval)}, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
if (${o.after} > 0) setTimeout(start, ${o.after}).unref();
else start();
process.on('exit', () => {
  s.post('HeapProfiler.stopSampling', (err, r) => {
    if (!err) require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(r.profile));
  });
});
`,
);
const argv =
  o.command === 'track'
    ? [join(REPO, 'scripts', 'bench', 'read-child.mjs'), 'track-recycle', file, ...(o.dist ? [o.dist] : [])]
    : [join(REPO, 'bin', 'tcpdiag.js'), o.command, '--format', o.command === 'flows' ? 'ndjson' : 'json', file, ...(o.with ? [o.with] : [])];
const r = spawnSync(process.execPath, ['--require', preload, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
if (r.status !== 0 && r.status !== 1) {
  console.error(`alloc: the run failed (exit ${r.status})`);
  process.exit(1);
}
let packets = 0;
try {
  packets = JSON.parse(readFileSync(`${file}.json`, 'utf8')).packets;
} catch {
  // Not a tiled capture: count from the track child's own line if there is one.
  packets = o.command === 'track' ? JSON.parse(r.stdout.trim()).packets : 0;
}
if (!existsSync(out)) {
  console.error(`alloc: no profile written (did the run end before --after ${o.after} ms?)`);
  process.exit(1);
}
const profile = JSON.parse(readFileSync(out, 'utf8'));
rmSync(dir, { recursive: true, force: true });

const self = new Map();
let total = 0;
(function walk(n) {
  const cf = n.callFrame;
  const url = cf.url ? relative(REPO, cf.url.replace(/^file:\/\//, '')) : '';
  const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
  if (n.selfSize) {
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  for (const c of n.children) walk(c);
})(profile.head);

const perPacket = (b) => (packets ? (b / packets).toFixed(1) : '-');
const scope = o.after > 0 ? `from ${o.after} ms on` : 'whole run';
console.log(`${o.command} ${file} (${scope}): ${(total / 2 ** 20).toFixed(1)} MB allocated (sampled), ${packets || '?'} packets, ${perPacket(total)} bytes/packet\n`);
const rows = [...self.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, o.top)
  .map(([k, v]) => [(v / 2 ** 20).toFixed(2), perPacket(v), k]);
console.log(textTable(['MB', 'B/packet', 'allocated in'], rows, 'rrl'));
