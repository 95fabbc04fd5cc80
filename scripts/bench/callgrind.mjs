#!/usr/bin/env node
// Instructions and simulated cache misses of the issue-20 prototype's tracker beside tcpdiag's, per packet,
// and by JIT function: callgrind counts what the code does whatever else the machine is doing, and its
// cache model answers what this VM cannot (how a 32 MB last-level cache that serves loads would treat the
// slots; BENCHMARKS.md, session 17). Needs valgrind (Debian's package).
//
//   node scripts/bench/callgrind.mjs [--file F] [--packets 500000] [--dist DIR] [--ll 33554432] [--top 15]
//                                    [--sort ir|ll] [--programs prototype,tcpdiag]
//
// --ll 524288 models this VM instead (session 18): its loads past the 512 KB L2 go to memory (the L3 that
// lscpu lists does not serve them, BENCHMARKS.md session 16), so the last-level misses of that model are
// the loads that wait ~200 ns here. --sort ll ranks the functions by those misses, per packet.
//
// --packets N: the first N records of F (classic pcap) copied to a temporary file first; 0 = all of F.
// Each program runs once under `valgrind --tool=callgrind --cache-sim=yes --LL=<ll>,16,64` with node's
// --perf-basic-prof, so that /tmp/perf-PID.map names the JIT's code callgrind only knows by address:
//   prototype: scripts/bench/prototype/track-proto.mjs track FILE
//   tcpdiag:   scripts/bench/read-child.mjs track-recycle FILE DIST (as analyze tracks)
// Slow: ~5 minutes for each program on the 2 M file, ~2 for 500 k packets. The model has no L2 and no
// prefetchers: the figures compare the two programs; they are not seconds.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, pcapPrefix, REPO, which } from './lib.mjs';

const o = commandLine('node scripts/bench/callgrind.mjs', {
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture (classic pcap)' },
  packets: { type: 'number', default: 500000, help: 'first records of the file to use (0: all)' },
  dist: { type: 'string', default: join(REPO, 'dist'), help: "tcpdiag's compiled tree" },
  ll: { type: 'number', default: 33554432, help: 'simulated last-level cache, bytes (16-way, 64-byte lines)' },
  top: { type: 'number', default: 15, help: 'functions listed per program' },
  cpu: { type: 'string', default: '0', help: 'CPU to pin to' },
  sort: { type: 'string', default: 'ir', help: 'rank functions by ir (instructions) or ll (last-level data misses)' },
  programs: { type: 'list', default: ['prototype', 'tcpdiag'], help: 'which programs to run' },
});
if (o.sort !== 'ir' && o.sort !== 'll') {
  console.error(`--sort ${o.sort}: ir or ll`);
  process.exit(2);
}
for (const tool of ['valgrind', 'callgrind_annotate']) {
  if (!which(tool)) {
    console.error(`${tool} not found: apt-get install valgrind`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'tcpdiag-callgrind-'));

/** The JIT's functions from node's perf map, for addresses callgrind names `???:0x...`. */
function perfMap(pid) {
  const rows = readFileSync(`/tmp/perf-${pid}.map`, 'utf8').trim().split('\n').map((l) => {
    const [a, size, ...name] = l.split(' ');
    return [parseInt(a, 16), parseInt(size, 16), name.join(' ').replace(/file:\/\/\/\S*\//, '')];
  });
  rows.sort((x, y) => x[0] - y[0]);
  return (addr) => {
    let lo = 0;
    let hi = rows.length - 1;
    let best = null;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (rows[m][0] <= addr) [best, lo] = [rows[m], m + 1];
      else hi = m - 1;
    }
    return best && addr < best[0] + best[1] ? best[2] : null;
  };
}

const EVENTS = ['Ir', 'I1mr', 'D1mr', 'D1mw', 'DLmr', 'DLmw'];

function run(name, args, file, after = []) {
  const out = join(work, `${name}.out`);
  process.stderr.write(`${name}: callgrind running...\n`);
  const r = spawnSync('taskset', ['-c', o.cpu, 'valgrind', '--tool=callgrind', '--cache-sim=yes', `--LL=${o.ll},16,64`, `--callgrind-out-file=${out}`,
    'node', '--no-concurrent-recompilation', '--perf-basic-prof', ...args, file, ...after], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
  if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr.slice(-2000)}`);
  const pid = /==(\d+)==/.exec(r.stderr)[1];
  const collected = /Collected : ([\d ]+)/.exec(r.stderr)[1].trim().split(' ').map(Number);
  // Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  const [ir, dr, dw, i1, d1r, d1w, , dlr, dlw] = collected;
  const packets = JSON.parse(r.stdout.trim().split('\n').pop()).packets;
  const ann = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', `--show=${EVENTS.join(',')}`, out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const name0 = perfMap(pid);
  const byFn = new Map();
  const num = '([\\d,.]+)(?: \\([^)]*\\))?\\s+';
  const line = new RegExp(`^\\s*${num.repeat(EVENTS.length)}(.+)$`);
  for (const l of ann.stdout.split('\n')) {
    const m = line.exec(l);
    if (!m || m[EVENTS.length + 1].startsWith('PROGRAM')) continue;
    const where = m[EVENTS.length + 1];
    const addr = /^\?\?\?:0x([0-9a-f]+)/.exec(where);
    const fn = (addr ? name0(parseInt(addr[1], 16)) ?? where : where).replace(/^JS:/, '').slice(0, 80);
    const v = byFn.get(fn) ?? EVENTS.map(() => 0);
    m.slice(1, EVENTS.length + 1).forEach((x, i) => (v[i] += x === '.' ? 0 : Number(x.replace(/,/g, ''))));
    byFn.set(fn, v);
  }
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
  return { name, packets, ir, d: dr + dw, i1, d1: d1r + d1w, ll: dlr + dlw + collected[6], byFn };
}

const file = o.packets > 0 ? pcapPrefix(o.file, o.packets, work).path : o.file;
try {
  const programs = {
    prototype: () => run('prototype', [join(REPO, 'scripts/bench/prototype/track-proto.mjs'), 'track'], file),
    tcpdiag: () => run('tcpdiag', [join(REPO, 'scripts/bench/read-child.mjs'), 'track-recycle'], file, [o.dist]),
  };
  const results = o.programs.map((name) => {
    if (!(name in programs)) throw new Error(`--programs: ${name} is not one of ${Object.keys(programs).join(', ')}`);
    return programs[name]();
  });
  console.log(`${o.file}${o.packets > 0 ? `, first ${o.packets} records` : ''}; simulated LL ${o.ll} bytes; per packet, whole process`);
  console.log('| | ' + results.map((r) => r.name).join(' | ') + ' |\n| --- |' + results.map(() => ' ---: |').join(''));
  const row = (label, f, digits = 0) => console.log(`| ${label} | ${results.map((r) => (f(r) / r.packets).toFixed(digits)).join(' | ')} |`);
  row('instructions', (r) => r.ir);
  row('L1i misses', (r) => r.i1, 1);
  row('data reads and writes', (r) => r.d);
  row('L1d misses', (r) => r.d1, 1);
  row('LL misses', (r) => r.ll, 2);
  for (const r of results) {
    if (o.sort === 'ir') {
      console.log(`\n${r.name}: functions by instructions (thousands, whole run): ${EVENTS.join(' ')}`);
      for (const [fn, v] of [...r.byFn.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, o.top)) {
        console.log(`  ${v.map((x) => String(Math.round(x / 1000)).padStart(9)).join('')}  ${fn}`);
      }
      continue;
    }
    // Last-level data misses (reads, writes) per packet, then L1i misses and instructions per packet.
    const ll = (v) => v[EVENTS.indexOf('DLmr')] + v[EVENTS.indexOf('DLmw')];
    const all = [...r.byFn.values()].reduce((sum, v) => sum + ll(v), 0);
    console.log(`\n${r.name}: functions by last-level data misses (${(all / r.packets).toFixed(2)} a packet in all), per packet: DLmr DLmw I1mr Ir`);
    for (const [fn, v] of [...r.byFn.entries()].sort((a, b) => ll(b[1]) - ll(a[1])).slice(0, o.top)) {
      const per = (name, digits) => (v[EVENTS.indexOf(name)] / r.packets).toFixed(digits).padStart(9);
      console.log(`  ${per('DLmr', 3)}${per('DLmw', 3)}${per('I1mr', 2)}${per('Ir', 0)}  ${fn}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
