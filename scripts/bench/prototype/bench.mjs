#!/usr/bin/env node
// The issue-20 prototype beside tcpdiag's own passes, in one interleaved run: every job a fresh process
// pinned to one CPU, CPU time (user + sys) and wall from GNU time, the in-process time and CPU the
// prototype and read-child.mjs print. Medians with min–max, the load average before and after.
//
//   node scripts/bench/prototype/bench.mjs [--reps 5] [--file F] [--cpu 1] [--jobs proto-read,proto-decode,...]
//
// Jobs: proto-read, proto-decode, proto-find, proto-track (track-proto.mjs STAGE),
//       decode, track-recycle (scripts/bench/read-child.mjs over this tree's dist/, as ab.mjs runs it),
//       analyze (bin/tcpdiag.js analyze --format json),
//       proto-track-record (finish fills a reused record object, as Connection.fill), proto-track-pass2, track-recycle-pass2 (two passes in one process; in-process figures are the second's).
// Every node process starts as the bin's shebang starts node (--no-concurrent-recompilation, the environment), the prototype too.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, shebangNode, summary } from '../lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const o = commandLine('node scripts/bench/prototype/bench.mjs', {
  reps: { type: 'number', default: 5, help: 'repetitions of each job' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture (classic pcap)' },
  cpu: { type: 'string', default: '1', help: 'CPU to pin to' },
  jobs: { type: 'list', default: ['proto-read', 'proto-decode', 'proto-find', 'proto-track', 'decode', 'track-recycle', 'analyze'], help: 'jobs' },
});
const bin = join(REPO, 'bin/tcpdiag.js');
const node = shebangNode(bin);
function command(job) {
  // The last of two passes in one process (in-process figures only mean that pass).
  if (job === 'proto-track-pass2') return ['env', 'PROTO_PASSES=2', ...node, join(REPO, 'scripts/bench/prototype/track-proto.mjs'), 'track', o.file];
  // Finish fills a reused record object, as tcpdiag's Connection.fill.
  if (job === 'proto-track-record') return ['env', 'PROTO_RECORD=1', ...node, join(REPO, 'scripts/bench/prototype/track-proto.mjs'), 'track', o.file];
  if (job === 'track-recycle-pass2') return [...node, join(REPO, 'scripts/bench/prototype/track-twice.mjs'), o.file, join(REPO, 'dist'), '2'];
  if (job.startsWith('proto-')) return [...node, join(REPO, 'scripts/bench/prototype/track-proto.mjs'), job.slice(6), o.file];
  if (job === 'analyze') return [...node, bin, 'analyze', '--format', 'json', '--fail-on', 'never', o.file];
  return [...node, join(REPO, 'scripts/bench/read-child.mjs'), job, o.file, join(REPO, 'dist')];
}
function runOnce(cmd) {
  const tf = `/tmp/proto-bench-time-${process.pid}.txt`;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, 'taskset', '-c', o.cpu, ...cmd], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) console.error(`failed: ${cmd.join(' ')}\n${r.stderr}`);
  const [e, u, s, m] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  const last = r.stdout.trim().split('\n').pop();
  const j = last?.startsWith('{"mode"') ? JSON.parse(last) : null;
  return { wall: e * 1000, cpu: (u + s) * 1000, rss: m / 1024, inproc: j?.ms ?? null, inCpu: j?.cpuMs ?? null, packets: j?.packets ?? null };
}
const load0 = readFileSync('/proc/loadavg', 'utf8').trim();
const res = new Map(o.jobs.map((j) => [j, []]));
for (let rep = 0; rep < o.reps; rep++) {
  for (const job of o.jobs) {
    const r = runOnce(command(job));
    res.get(job).push(r);
    process.stderr.write(`rep ${rep + 1} ${job}: wall ${r.wall.toFixed(0)} cpu ${r.cpu.toFixed(0)} in ${r.inproc?.toFixed(0) ?? '-'} in-cpu ${r.inCpu?.toFixed(0) ?? '-'}\n`);
  }
}
const f = (xs) => {
  if (xs.some((x) => x === null)) return '-';
  const s = summary(xs);
  return `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
};
const packets = res.get(o.jobs[0])[0].packets ?? 2000542;
console.log(`load before ${load0}; after ${readFileSync('/proc/loadavg', 'utf8').trim()}; ${o.reps} reps interleaved, pinned to CPU ${o.cpu}; ms median (min–max); ${packets} packets`);
console.log('| job | wall | CPU (user+sys) | M packets/s of CPU | in-process wall | in-process CPU | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [job, rs] of res) {
  const cpu = summary(rs.map((r) => r.cpu)).median;
  console.log(`| ${job} | ${f(rs.map((r) => r.wall))} | ${f(rs.map((r) => r.cpu))} | ${(packets / cpu / 1000).toFixed(2)} | ${f(rs.map((r) => r.inproc))} | ${f(rs.map((r) => r.inCpu))} | ${f(rs.map((r) => r.rss))} |`);
}
