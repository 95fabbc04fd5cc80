#!/usr/bin/env node
// What the kernel's copy of a file into a read buffer costs by where the buffer starts (BENCHMARKS.md, session 13).
// The whole capture is read with pread in chunks of 1 MiB (the file position a multiple of 4096) into:
//   malloc   a Buffer.allocUnsafe, at its start (malloc puts it 16 bytes past a page boundary)
//   +N       a page-aligned buffer (a WebAssembly memory) at byte N: 0 is tcpdiag's reader since session 13
// CPU ms (user + sys) per pass, median (min–max) of --reps passes, all variants interleaved.
//
//   taskset -c 1 node scripts/bench/read-alignment.mjs [--file F] [--reps 5] [--offsets 0,16,32,64,2048]

import { closeSync, openSync, readSync } from 'node:fs';
import { commandLine, summary, textTable } from './lib.mjs';
import { DEFAULT_CACHE, ensureTiled } from './tile.mjs';

const o = commandLine('node scripts/bench/read-alignment.mjs', {
  file: { type: 'string', default: undefined, help: 'file to read (default: the tiled 2 M capture)' },
  reps: { type: 'number', default: 5, help: 'passes per variant' },
  offsets: { type: 'list', default: ['0', '8', '16', '32', '64', '2048'], help: 'byte offsets into the page-aligned buffer' },
});
const file = o.file ?? ensureTiled({ packets: 2e6, cache: DEFAULT_CACHE }).path;
const CHUNK = 1024 * 1024;
const aligned = Buffer.from(new WebAssembly.Memory({ initial: 17, maximum: 17 }).buffer);
const variants = [['malloc', Buffer.allocUnsafe(CHUNK), 0], ...o.offsets.map((n) => [`+${n}`, aligned, Number(n)])];

function pass(buf, at) {
  const fd = openSync(file, 'r');
  const c0 = process.cpuUsage();
  for (let pos = 0, n; (n = readSync(fd, buf, at, CHUNK, pos)) > 0; ) pos += n;
  const c = process.cpuUsage(c0);
  closeSync(fd);
  return (c.user + c.system) / 1000;
}
const ms = new Map(variants.map(([name]) => [name, []]));
for (let r = 0; r < o.reps; r++) for (const [name, buf, at] of variants) ms.get(name).push(pass(buf, at));
console.log(`${file}, ${o.reps} passes each, CPU ms`);
console.log(textTable(['buffer', 'median', 'min–max'], variants.map(([name]) => {
  const s = summary(ms.get(name));
  return [name, s.median.toFixed(0), `${s.min.toFixed(0)}–${s.max.toFixed(0)}`];
})));
