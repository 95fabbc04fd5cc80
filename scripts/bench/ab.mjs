#!/usr/bin/env node
// Old against new, interleaved, in one run: each build is a tree holding bin/ and dist/ (and node_modules),
// each job a fresh process pinned to one CPU. For every job and build: median, min and max of the wall
// time (whole process), of the in-process time (read-child modes) and of the CPU time (user + sys).
//
//   node scripts/bench/ab.mjs --builds /tmp/a,/tmp/b --jobs track-recycle,analyze --reps 7 [--file F] [--cpu 1]
//
// Jobs: read | decode | track | track-recycle (scripts/bench/read-child.mjs of that build's dist),
//       analyze (bin/tcpdiag.js analyze --format json F), flows (flows --format ndjson F, into a pipe this
//       process reads as it comes), flows-file (the same into /dev/null, as npm run bench runs it), flows-text
//       (flows F, its default text table, into /dev/null),
//       help (bin/tcpdiag.js --help), small (analyze --format json fixtures/public/get.pcap),
//       jobs1, jobs2 (analyze F and a second capture, --jobs 1 or 2; with --cpu none): the second is --file2,
//       or a second name of F; correlate (the same two, --jobs 1, read together as two vantage points).
// A build may carry node flags after a colon: /tmp/b:--no-concurrent-recompilation.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureTwin, commandLine, shebangNode, summary } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const o = commandLine('node scripts/bench/ab.mjs', {
  builds: { type: 'list', default: [], help: 'build trees to compare (bin/, dist/), each optionally :node-flags' },
  jobs: { type: 'list', default: ['track-recycle'], help: 'jobs to run' },
  reps: { type: 'number', default: 5, help: 'repetitions of each job and build' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture' },
  file2: { type: 'string', default: '', help: "jobs1/jobs2's second capture (default: a second name of --file)" },
  cpu: { type: 'string', default: '1', help: "CPU to pin to, or 'none'" },
});

const SMALL = join(REPO, 'fixtures/public/get.pcap');
function twin() {
  if (o.file2) return o.file2;
  return captureTwin(o.file, `${o.file}.twin.pcap`);
}
function command(build, flags, job) {
  const child = join(REPO, 'scripts/bench/read-child.mjs');
  const bin = join(build, 'bin/tcpdiag.js');
  // node with the flags of the bin's shebang (as a shell starts it) and the build's own.
  const node = [...shebangNode(bin), ...flags];
  switch (job) {
    case 'analyze': return [...node, bin, 'analyze', '--format', 'json', '--fail-on', 'never', o.file];
    case 'flows':
    case 'flows-file':
      return [...node, bin, 'flows', '--format', 'ndjson', o.file];
    case 'flows-text': return [...node, bin, 'flows', o.file];
    case 'help': return [...node, bin, '--help'];
    // Two captures (the file and a second name for it), --jobs 1 against --jobs 2: run these with --cpu none.
    // --no-correlate: two captures of the same traffic are otherwise read together as two vantage points
    // (a packet index of both, after the analysis), which is not what --jobs splits; the job `correlate` times that.
    case 'jobs1':
    case 'jobs2':
      return [...node, bin, 'analyze', '--format', 'json', '--fail-on', 'never', '--no-correlate', '--jobs', job.slice(4), o.file, twin()];
    case 'correlate': return [...node, bin, 'analyze', '--format', 'json', '--fail-on', 'never', '--jobs', '1', o.file, twin()];
    case 'small': return [...node, bin, 'analyze', '--format', 'json', '--fail-on', 'never', existsSync(SMALL) ? SMALL : o.file];
    default: return [...node, child, job, o.file, join(build, 'dist')];
  }
}

// GNU time's report goes to a directory of this run's own ($TMPDIR): another run at the same time writes its own.
const TIME_DIR = mkdtempSync(join(tmpdir(), 'tcpdiag-ab-'));
/** Jobs whose output goes to /dev/null, not to a pipe this process reads. */
const TO_DEV_NULL = new Set(['flows-file', 'flows-text']);
function runOnce(cmd, job) {
  const pin = o.cpu === 'none' ? [] : ['taskset', '-c', o.cpu];
  const tf = join(TIME_DIR, 'time.txt');
  const devNull = TO_DEV_NULL.has(job) ? openSync('/dev/null', 'w') : null;
  const stdio = devNull === null ? 'pipe' : ['ignore', devNull, 'pipe'];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tf, ...pin, ...cmd], { encoding: 'utf8', maxBuffer: 1 << 30, stdio });
  if (devNull !== null) closeSync(devNull);
  const [e, u, s, m] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  let inproc = null;
  let inCpu = null;
  const last = (r.stdout ?? '').trim().split('\n').pop();
  if (last?.startsWith('{"mode"')) {
    const j = JSON.parse(last);
    inproc = j.ms;
    inCpu = j.cpuMs;
  }
  if (r.status !== 0) console.error(`failed: ${cmd.join(' ')}\n${r.stderr}`);
  return { wall: e * 1000, cpu: (u + s) * 1000, rss: m / 1024, inproc, inCpu, out: r.stdout?.length ?? 0 };
}

const builds = o.builds.map((b) => {
  const [dir, ...flags] = b.split(':');
  return { name: b, dir: resolve(dir), flags: flags.join(':').split(' ').filter(Boolean) };
});
const res = new Map();
for (let rep = 0; rep < o.reps; rep++) {
  for (const job of o.jobs) {
    for (const b of builds) {
      const r = runOnce(command(b.dir, b.flags, job), job);
      const k = `${job}\t${b.name}`;
      if (!res.has(k)) res.set(k, []);
      res.get(k).push(r);
      process.stderr.write(`rep ${rep + 1} ${job} ${b.name}: wall ${r.wall.toFixed(0)} cpu ${r.cpu.toFixed(0)} in ${r.inproc?.toFixed(0) ?? '-'} rss ${r.rss.toFixed(0)}\n`);
    }
  }
}
const f = (xs) => {
  if (xs.some((x) => x === null)) return '-';
  const s = summary(xs);
  return `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
};
console.log(`load ${readFileSync('/proc/loadavg', 'utf8').trim()}; ${o.reps} reps interleaved, pinned ${o.cpu}; ms median (min–max)`);
console.log('job\tbuild\twall\tcpu\tin-process\tin-process cpu\tpeak RSS MB');
for (const [k, rs] of res) {
  console.log(`${k}\t${f(rs.map((r) => r.wall))}\t${f(rs.map((r) => r.cpu))}\t${f(rs.map((r) => r.inproc))}\t${f(rs.map((r) => r.inCpu))}\t${f(rs.map((r) => r.rss))}`);
}
