#!/usr/bin/env node
// tcpdiag's own tracker (trackCapture, recycling, as read-child.mjs track-recycle) run PASSES times over the
// same capture in one process; prints read-child's JSON line for the last pass (the JIT warm, pages faulted in).
//
//   node scripts/bench/prototype/track-twice.mjs FILE [DIST] [PASSES=2]
import { resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [file, distArg, passesArg] = process.argv.slice(2);
const dist = resolve(distArg ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist'));
const { trackCapture } = await import(pathToFileURL(resolve(dist, 'track/run.js')).href);
const passes = Number(passesArg ?? 2);
const cpu = [];
let out;
for (let i = 0; i < passes; i++) {
  let emitted = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await trackCapture(file, () => { emitted++; }, { recycle: true });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  out = { mode: `track-recycle-pass${i + 1}`, file, ms, cpuMs: cpu[i], packets: s.packets, connections: s.connections, emitted, passesCpuMs: cpu };
}
console.log(JSON.stringify(out));
