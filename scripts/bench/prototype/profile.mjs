#!/usr/bin/env node
// Self time by function of one prototype pass (node --cpu-prof), beside `node scripts/bench/profile.mjs --mode track`.
//
//   node scripts/bench/prototype/profile.mjs [STAGE] [FILE]     (default: track, the 2 M tiled file)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [stage = 'track', file = '/work/.bench-cache/tiled-2m-df314ddf89.pcap'] = process.argv.slice(2);
const dir = mkdtempSync('/tmp/proto-prof-');
const proto = join(dirname(fileURLToPath(import.meta.url)), 'track-proto.mjs');
const r = spawnSync('taskset', ['-c', '1', process.execPath, '--no-concurrent-recompilation', '--cpu-prof', `--cpu-prof-dir=${dir}`,
  '--cpu-prof-interval=200', proto, stage, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
console.log(r.stdout.trim());
const p = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
for (const id of p.samples) {
  const n = byId.get(id);
  const k = `${n.callFrame.functionName || '(top level: the read loop)'}:${n.callFrame.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + 1);
}
console.log(`${p.samples.length} samples, profile in ${dir}`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`${((100 * v) / p.samples.length).toFixed(1)}%\t${k}`);
