#!/usr/bin/env node
// Start-up times with the resolution ab.mjs lacks (GNU time rounds to 10 ms): each run is one `hyperfine -N
// --runs 1` (wall from hyperfine's clock, user and system from the child's rusage, in µs), the builds and
// jobs interleaved run by run so that a busy spell of the machine hits all of them alike, every run pinned.
//
//   node scripts/bench/startup.mjs --builds /work/bench-s10base,. --jobs node,help,small --reps 20 [--cpu 1]
//
// Jobs: node (`node -e 0`, once, not per build), node-no-ca (the same with NODE_EXTRA_CA_CERTS empty), proto-help
//       (scripts/bench/prototype/min-help.cjs --help, once: the same text from commander alone, started as the bin
//       starts node), help (bin/tcpdiag.js --help), version (--version),
//       small (analyze --format json fixtures/public/get.pcap), small-text (analyze of it, text),
//       small-gz (analyze --format json fixtures/lab-all/healthy/server.pcap.gz), many-small (analyze --format json
//       --jobs 1 of 54 classic pcaps of fixtures/public and fixtures/slices in one run).
// Each build is a tree holding bin/ and dist/ (as ab.mjs's), started as its bin's #! line starts it (lib.mjs shebangNode).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine, shebangNode, summary, which } from './lib.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const o = commandLine('node scripts/bench/startup.mjs', {
  builds: { type: 'list', default: [REPO], help: 'build trees to compare (bin/, dist/)' },
  jobs: { type: 'list', default: ['node', 'help', 'small'], help: 'jobs to run' },
  reps: { type: 'number', default: 20, help: 'runs of each job and build' },
  warmup: { type: 'number', default: 2, help: 'rounds run first and not counted' },
  cpu: { type: 'string', default: '1', help: "CPU to pin to, or 'none'" },
});

const SMALL = join(REPO, 'fixtures/public/get.pcap');
// A lab capture as the lab ships them, gzipped: 53 KB, 407 KB and 200 connections uncompressed.
const SMALL_GZ = join(REPO, 'fixtures/lab-all/healthy/server.pcap.gz');
// Every classic pcap of fixtures/public and fixtures/slices (54 small captures) in one run, one after another;
// not the one that is no pcap (its error makes the run exit 2).
const MANY_SMALL = ['public', 'slices'].flatMap((d) =>
  readdirSync(join(REPO, 'fixtures', d))
    .filter((f) => f.endsWith('.pcap') && f !== 'pcap-invalid-version-1.pcap')
    .sort()
    .map((f) => join(REPO, 'fixtures', d, f)),
);
function command(build, job) {
  const bin = join(build, 'bin/tcpdiag.js');
  const node = [...shebangNode(bin), bin];
  switch (job) {
    case 'help': return [...node, '--help'];
    case 'version': return [...node, '--version'];
    case 'small': return [...node, 'analyze', '--format', 'json', '--fail-on', 'never', SMALL];
    case 'small-text': return [...node, 'analyze', '--fail-on', 'never', SMALL];
    case 'small-gz': return [...node, 'analyze', '--format', 'json', '--fail-on', 'never', SMALL_GZ];
    case 'many-small': return [...node, 'analyze', '--format', 'json', '--fail-on', 'never', '--jobs', '1', ...MANY_SMALL];
    default: throw new Error(`unknown job ${job}`);
  }
}
const pin = o.cpu === 'none' ? [] : ['taskset', '-c', o.cpu];
const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

const runs = [];
for (const job of o.jobs) {
  if (job === 'node') runs.push({ job, build: '-', cmd: [...pin, 'node', '-e', '0'] });
  // node with NODE_EXTRA_CA_CERTS empty, as the bin's #! line starts it (README, design notes).
  else if (job === 'node-no-ca') runs.push({ job, build: '-', cmd: [...pin, 'env', 'NODE_EXTRA_CA_CERTS=', 'node', '-e', '0'] });
  else if (job === 'proto-help') {
    // As the bin starts node (its #! line: no CA certificates, the same V8 flag).
    const script = join(REPO, 'scripts/bench/prototype/min-help.cjs');
    runs.push({ job, build: '-', cmd: [...pin, ...shebangNode(join(REPO, 'bin/tcpdiag.js')), script, '--help'] });
  }
  else for (const b of o.builds) runs.push({ job, build: b, cmd: [...pin, ...command(resolve(b), job)] });
}

if (!which('hyperfine')) {
  console.error('hyperfine not found: apt-get install hyperfine');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-startup-'));
// A failed run throws: the folder goes either way.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const json = join(dir, 'run.json');
const res = runs.map(() => ({ wall: [], cpu: [] }));
for (let rep = 0; rep < o.warmup + o.reps; rep++) {
  runs.forEach((r, i) => {
    const h = spawnSync('hyperfine', ['-N', '--runs', '1', '--style', 'none', '--export-json', json, r.cmd.map(quote).join(' ')], { encoding: 'utf8' });
    if (h.status !== 0) throw new Error(`hyperfine failed: ${r.cmd.join(' ')}\n${h.stderr}`);
    const x = JSON.parse(readFileSync(json, 'utf8')).results[0];
    if (x.exit_codes[0] !== 0) throw new Error(`exit ${x.exit_codes[0]}: ${r.cmd.join(' ')}`);
    if (rep < o.warmup) return;
    res[i].wall.push(x.times[0] * 1000);
    res[i].cpu.push((x.user + x.system) * 1000);
  });
}

const f = (xs) => {
  const s = summary(xs);
  return `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
};
console.log(`load ${readFileSync('/proc/loadavg', 'utf8').trim()}; ${o.reps} runs each, interleaved, pinned ${o.cpu}; ms median (min–max)`);
console.log('job\tbuild\twall\tcpu (user + sys)');
runs.forEach((r, i) => console.log(`${r.job}\t${r.build}\t${f(res[i].wall)}\t${f(res[i].cpu)}`));
