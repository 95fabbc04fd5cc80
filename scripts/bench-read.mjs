#!/usr/bin/env node
// npm run bench:read — how fast tcpdiag reads and decodes (and tracks) a
// large capture, beside tcpdump and cat on the same file in the same run.
//
// Builds (once) a tiled capture of >= 2 M packets from the lab captures in
// $TCPDIAG_BENCH_CACHE (default /work/.bench-cache), then runs, interleaved,
// --reps times each, every job pinned to one CPU:
//   tcpdiag read          readCapture with an empty sink
//   tcpdiag read+decode   readCapture + Decoder.decode of every frame into one Segment
//   tcpdiag track         trackCapture (read + decode + connection tracking)
//   tcpdiag track-recycle the same with { recycle: true }, as the CLI runs it
//   tcpdump -r F -w /dev/null
//   cat F > /dev/null
// Each tcpdiag job runs in a fresh `node` process; "in-process" is the time
// of the pass itself (no startup), "wall" the whole process. Peak RSS comes
// from GNU time -v. Needs a build: npx tsc -p tsconfig.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CACHE } from './bench/tile.mjs';
import { commandLine, machine, snapshotBuild, textTable } from './bench/lib.mjs';
import { READ_ALIGN, READ_HEAD, readBenchRows, runReadBench, trackDetails } from './bench/read.mjs';

const SPEC = {
  packets: { type: 'number', default: 2e6, help: 'size of the tiled capture, packets (at least)' },
  reps: { type: 'number', default: 5, help: 'repetitions of each job' },
  cpu: { type: 'string', default: '1', help: "CPU to pin every job to (taskset), or 'none'" },
  modes: { type: 'list', default: ['read', 'decode', 'track', 'track-recycle'], help: 'tcpdiag passes to run (read, decode, track, track-recycle)' },
  noPeers: { type: 'flag', help: 'skip tcpdump and cat' },
  dist: { type: 'string', default: undefined, help: 'compiled tree to measure (default: a copy of <repo>/dist taken at the start)' },
  cache: { type: 'string', default: DEFAULT_CACHE, help: 'where tiled captures and results live' },
  json: { type: 'string', default: undefined, help: 'also write the results as JSON here' },
};

const o = commandLine('node scripts/bench-read.mjs', SPEC);

const m = machine();
const res = await runReadBench({
  packets: o.packets,
  reps: o.reps,
  cpu: o.cpu === 'none' ? null : Number(o.cpu),
  modes: o.modes,
  peers: !o.noPeers,
  dist: o.dist ?? join(snapshotBuild(), 'dist'),
  cache: o.cache,
});
console.log(`\n${m.cpuModel}, ${m.nproc} CPUs, ${m.memGiB.toFixed(0)} GiB, Node ${m.node}, load ${m.loadavg}, ${m.date}`);
console.log(`${res.file}: ${res.manifest.packets.toLocaleString('en-US')} packets, ${(res.manifest.bytes / 1e6).toFixed(0)} MB; median of ${res.reps}\n`);
console.log(textTable(READ_HEAD, readBenchRows(res), READ_ALIGN));
const td = trackDetails(res);
if (td) console.log(`\n${td}`);
console.log('\nTargets:');
for (const t of res.targets) console.log(`  [${t.met ? 'met' : 'NOT met'}] ${t.what}: ${t.value}`);
for (const j of res.jobs) for (const f of j.failures) console.log(`  ${j.id}: ${f}`);
const resultsDir = join(o.cache, 'results');
mkdirSync(resultsDir, { recursive: true });
const payload = JSON.stringify({ machine: m, ...res }, null, 2) + '\n';
writeFileSync(join(resultsDir, 'bench-read-latest.json'), payload);
if (o.json) writeFileSync(o.json, payload);
