#!/usr/bin/env node
// Instructions of whole commands, builds side by side: each build's command runs once under callgrind
// (`valgrind --tool=callgrind --cache-sim=no`), started as its bin's shebang starts node. A count of
// instructions does not move with the machine's phases (this VM's wall times swing by 30% from one minute
// to the next: BENCHMARKS.md, sessions 19–21), so a change of 1% shows; it is not time: a change that moves
// cache misses and not instructions shows here as nothing. Also: the share of V8's optimising compiler
// (every symbol of v8::internal::compiler and its register allocator, on the main thread under the
// bin's --no-concurrent-recompilation).
//
//   node scripts/bench/instructions.mjs --builds A,B [--job analyze|track-recycle|flows] [--packets 500000] [--file F]
//
// A build is a tree holding bin/ and dist/ (as ab.mjs takes them). --packets N: the first N records of
// --file, copied first (0: all of it: two builds' `analyze` of the 2 M file take ~2 minutes). Builds run two at a time.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, commandLine, pcapPrefix, pcapRecordCount, shebangNode, which } from './lib.mjs';

const o = commandLine('node scripts/bench/instructions.mjs', {
  builds: { type: 'list', default: [], help: 'build trees (bin/, dist/)' },
  job: { type: 'string', default: 'analyze', help: 'analyze (--format json) | flows (--format ndjson) | track-recycle (read-child.mjs)' },
  file: { type: 'string', default: '/work/.bench-cache/tiled-2m-df314ddf89.pcap', help: 'capture (classic pcap)' },
  packets: { type: 'number', default: 500000, help: 'first records of the file to use (0: all)' },
});
for (const tool of ['valgrind', 'callgrind_annotate']) {
  if (!which(tool)) {
    console.error(`${tool} not found: apt-get install valgrind`);
    process.exit(2);
  }
}
if (o.builds.length === 0) {
  console.error('--builds: one or more build trees');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'tcpdiag-instructions-'));

function args(build, file) {
  const bin = join(build, 'bin/tcpdiag.js');
  const node = shebangNode(bin);
  // env -S ... node FLAGS: valgrind runs node itself, with the flags and the environment the shebang sets.
  const flags = node[0].endsWith('/env') ? node[2].split(/\s+/).filter((w) => !w.includes('=')).slice(1) : node.slice(1);
  if (o.job === 'track-recycle') return [...flags, join(REPO, 'scripts/bench/read-child.mjs'), 'track-recycle', file, join(build, 'dist')];
  if (o.job === 'flows') return [...flags, bin, 'flows', '--format', 'ndjson', file];
  return [...flags, bin, 'analyze', '--format', 'json', '--fail-on', 'never', file];
}

function run(build, i, file) {
  const out = join(work, `${i}.out`);
  return new Promise((resolve, reject) => {
    const p = spawn('valgrind', ['--tool=callgrind', '--cache-sim=no', `--callgrind-out-file=${out}`, 'node', ...args(build, file)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const m = /Collected : (\d+)/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`${build}: exit ${code}\n${err.slice(-1500)}`));
      const ann = spawn('callgrind_annotate', ['--inclusive=no', '--threshold=100', out]);
      let text = '';
      ann.stdout.on('data', (d) => (text += d));
      ann.on('close', () => {
        let compiler = 0;
        for (const l of text.split('\n')) {
          const n = /^\s*([\d,]+) \(/.exec(l);
          if (n && /v8::internal::compiler::|RegisterAllocat|InstructionSelector/.test(l)) compiler += Number(n[1].replace(/,/g, ''));
        }
        resolve({ build, ir: Number(m[1]), compiler });
      });
    });
  });
}

const { path: file, packets } = o.packets > 0 ? pcapPrefix(o.file, o.packets, work) : { path: o.file, packets: pcapRecordCount(o.file) };
try {
  const results = [];
  for (let i = 0; i < o.builds.length; i += 2) {
    results.push(...(await Promise.all(o.builds.slice(i, i + 2).map((b, k) => run(b, i + k, file)))));
  }
  const per = packets > 0 ? packets : null;
  console.log(`${o.job}, ${o.packets > 0 ? `first ${packets} records of ` : `${packets} records, `}${o.file}; instructions of the whole process, and per packet`);
  console.log('| build | instructions | per packet | V8 compiler | ratio to the first |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.build} | ${(r.ir / 1e9).toFixed(3)} G | ${per ? (r.ir / per).toFixed(0) : '-'} | ${((100 * r.compiler) / r.ir).toFixed(1)}% | ${(r.ir / results[0].ir).toFixed(4)} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
