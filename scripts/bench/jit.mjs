#!/usr/bin/env node
// What V8's optimising compiler did during one run: how many TurboFan compiles,
// the time they took (on background threads: CPU the run spends beside its main
// thread, and that every --jobs worker spends again for itself), and each
// deoptimisation by function, reason and source position. A deoptimisation
// throws away the optimised code of the function and of everything inlined into
// it; the recompile that follows is the cost.
//
//   node scripts/bench/jit.mjs [--packets 1e6 | --file F] [--command analyze|flows] [--top 40]
//
// Compile times are V8's own (--trace-opt), wall time of each background job:
// compare runs with each other, not with CPU profiles.

import { spawnSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { DEFAULT_CACHE, ensureTiled } from './tile.mjs';
import { REPO, commandLine, textTable } from './lib.mjs';

const SPEC = {
  packets: { type: 'number', default: 1e6, help: 'tiled capture size' },
  file: { type: 'string', default: undefined, help: 'run on this capture instead of a tiled one' },
  command: { type: 'string', default: 'analyze', help: 'analyze | flows | track (read + decode + track, recycling, as the CLI)' },
  warmup: { type: 'string', default: 'auto', help: "track only: 'on' runs the warm-up capture first and reports only what the input did after it (and the warm-up's own compiles apart), 'off' none, 'auto' as the CLI does (inputs from 4 MB on; its compiles counted with the input's)" },
  flags: { type: 'string', default: '--no-concurrent-recompilation', help: "node flags (the bin's shebang by default)" },
  dist: { type: 'string', default: join(REPO, 'dist'), help: 'compiled tree' },
  top: { type: 'number', default: 40, help: 'rows to print' },
  cache: { type: 'string', default: DEFAULT_CACHE, help: 'tiled capture cache' },
};

const o = commandLine('node scripts/bench/jit.mjs', SPEC);
if (!['analyze', 'flows', 'track'].includes(o.command)) {
  console.error(`--command: analyze, flows or track, not ${o.command}`);
  process.exit(2);
}
const file = o.file ?? ensureTiled({ packets: o.packets, cache: o.cache }).path;
const format = o.command === 'flows' ? 'ndjson' : 'json';
const main = `import(${JSON.stringify(resolve(o.dist, 'cli', 'main.js'))}).then(async (m) => { process.exitCode = await m.main([process.argv[0], 'tcpdiag', ...process.argv.slice(1)]); })`;
// track: the warm-up (when on) then the input, a marker line between them so only the input's compiles count.
const MARK = '=== input';
const track = `const r = await import(${JSON.stringify(resolve(o.dist, 'track', 'run.js'))});
if (${JSON.stringify(o.warmup)} === 'on') await r.warmUpTracker({ recycle: true, zeek: false });
console.log(${JSON.stringify(MARK)});
await r.trackCapture(process.argv[1], () => {}, { recycle: true, zeek: false });`;
const r = spawnSync(
  process.execPath,
  [
    ...o.flags.split(' ').filter(Boolean),
    '--trace-opt',
    '--trace-deopt-verbose',
    '--input-type=module',
    '-e',
    ...(o.command === 'track' ? [track, file] : [main, o.command, '--format', format, file]),
  ],
  {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TCPDIAG_WARMUP: o.warmup === 'on' ? '1' : o.warmup === 'off' ? '0' : process.env.TCPDIAG_WARMUP },
  },
);
if (r.status !== 0 && r.status !== 1) {
  console.error(`the run failed (exit ${r.status})`);
  process.exit(1);
}

const all = r.stdout.split('\n');
// A TurboFan compile V8 finished (--trace-opt): the function's name and the compile's ms.
const COMPILED = /completed compiling .*?<JSFunction (\S*) .*?took [\d.]+, ([\d.]+), [\d.]+ ms/;
const lines = o.command === 'track' ? all.slice(all.indexOf(MARK) + 1) : all;
// The warm-up's own compiles (before the marker): what it costs beside what it saves the input.
const before = o.command === 'track' ? all.slice(0, Math.max(0, all.indexOf(MARK))) : [];
const warmCompiles = before.map((l) => COMPILED.exec(l)).filter(Boolean);
const compiles = new Map();
let compileMs = 0;
let nCompiles = 0;
const deopts = new Map();
let nDeopts = 0;
const where = (url) => url.replace(/^file:\/\//, '').replace(`${REPO}/`, '');
for (let i = 0; i < lines.length; i++) {
  const l = lines[i];
  let m = COMPILED.exec(l);
  if (m) {
    nCompiles++;
    compileMs += Number(m[2]);
    const c = compiles.get(m[1]) ?? { n: 0, ms: 0 };
    c.n++;
    c.ms += Number(m[2]);
    compiles.set(m[1], c);
    continue;
  }
  m = /^\[bailout \(kind: [^,]*, reason: ([^)]*)\).*?<JSFunction (\S*) /.exec(l);
  if (m) {
    nDeopts++;
    const at = /deoptimize at <([^>]*)>/.exec(lines[i + 1] ?? '');
    const key = `${m[2]}\t${m[1]}\t${at ? where(at[1]) : '?'}`;
    deopts.set(key, (deopts.get(key) ?? 0) + 1);
  }
}

console.log(`${o.command} ${relative(process.cwd(), file) || file}`);
if (before.length > 0) {
  console.log(`warm-up: ${warmCompiles.length} TurboFan compiles, ${warmCompiles.reduce((a, m) => a + Number(m[2]), 0).toFixed(0)} ms of compile jobs`);
}
console.log(`${nCompiles} TurboFan compiles, ${compileMs.toFixed(0)} ms of compile jobs; ${nDeopts} deoptimisations\n`);
console.log(
  textTable(
    ['compiles', 'ms', 'function'],
    [...compiles].sort((a, b) => b[1].ms - a[1].ms).slice(0, o.top).map(([f, c]) => [String(c.n), c.ms.toFixed(1), f]),
    'rrl',
  ),
);
console.log();
console.log(
  textTable(
    ['n', 'function', 'reason', 'at'],
    [...deopts].sort((a, b) => b[1] - a[1]).slice(0, o.top).map(([k, n]) => [String(n), ...k.split('\t')]),
    'rlll',
  ),
);
