#!/usr/bin/env node
// One measured pass over a capture, in its own process, for bench-read.mjs
// and bench.mjs. Prints one JSON line.
//
//   node scripts/bench/read-child.mjs MODE FILE [DIST]
//
// MODE: read   - readCapture with a sink that only counts frames
//       decode - readCapture + Decoder.decode of every frame into one Segment
//       track  - trackCapture (read + decode + connection tracking), no-op onConnection
//       track-recycle - the same with { recycle: true, zeek: false } (Connection objects reused, no Zeek
//               history or states: as analyze runs it)
//       track-half0, track-half1 - read + decode every frame, track (recycling) only the connections
//               whose addresses and ports hash to that half: one of the two processes a two-core
//               split of the tracker would need (bench/extras.mjs runs both at once)
// DIST: the compiled tree to load (default <repo>/dist).
// `ms` is the time inside this process around the pass (no startup, no module loading),
// `cpuMs` the CPU time (user + sys, all threads) spent in it.

import { resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [mode, file, distArg] = process.argv.slice(2);
const dist = resolve(distArg ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist'));
const load = (p) => import(pathToFileURL(resolve(dist, p)).href);

const out = { mode, file };
let t0;
let c0;
if (mode === 'read') {
  const { readCapture } = await load('capture/reader.js');
  let frames = 0;
  c0 = process.cpuUsage();
  t0 = performance.now();
  const r = await readCapture(file, { onFrame() { frames++; } });
  out.ms = performance.now() - t0;
  out.packets = r.frames;
  out.error = r.error ? r.error.message : null;
} else if (mode === 'decode') {
  const { readCapture } = await load('capture/reader.js');
  const { Decoder } = await load('decode/decoder.js');
  const { newSegment } = await load('decode/segment.js');
  const dec = new Decoder(newSegment());
  c0 = process.cpuUsage();
  t0 = performance.now();
  const r = await readCapture(file, { onFrame(f) { dec.decode(f); } });
  out.ms = performance.now() - t0;
  out.packets = r.frames;
  out.tcp = dec.counts.tcp;
  out.error = r.error ? r.error.message : null;
} else if (mode === 'track' || mode === 'track-recycle') {
  const { trackCapture } = await load('track/run.js');
  let emitted = 0;
  // track-recycle: the tracker as analyze runs it: finished Connection objects reused, no Zeek history or
  // states (TrackerOptions.zeek; a build from before session 12 ignores the option and keeps them).
  const opts = mode === 'track-recycle' ? { recycle: true, zeek: false } : {};
  c0 = process.cpuUsage();
  t0 = performance.now();
  const s = await trackCapture(file, () => { emitted++; }, opts);
  out.ms = performance.now() - t0;
  out.packets = s.packets;
  out.tcp = s.tcp;
  out.connections = s.connections;
  out.emitted = emitted;
  out.evictions = s.evictions;
  out.peakLive = s.peakLiveConnections;
  out.error = s.error;
} else if (mode === 'track-half0' || mode === 'track-half1') {
  const { readCapture } = await load('capture/reader.js');
  const { Decoder } = await load('decode/decoder.js');
  const { newSegment } = await load('decode/segment.js');
  const { Tracker } = await load('track/tracker.js');
  const half = mode === 'track-half0' ? 0 : 1;
  const seg = newSegment();
  const dec = new Decoder(seg);
  let emitted = 0;
  const tracker = new Tracker(() => { emitted++; }, { recycle: true });
  c0 = process.cpuUsage();
  t0 = performance.now();
  const r = await readCapture(file, {
    onFrame(f) {
      if (dec.decode(f) !== 0) return;
      // The same for both directions, so each connection stays whole in one half.
      let x = seg.src0 ^ seg.dst0 ^ seg.src3 ^ seg.dst3 ^ seg.srcPort ^ seg.dstPort;
      x ^= x >>> 16;
      x ^= x >>> 8;
      if ((x & 1) === half) tracker.add(seg);
    },
  });
  tracker.end();
  out.ms = performance.now() - t0;
  out.packets = r.frames;
  out.tcp = dec.counts.tcp;
  out.connections = tracker.stats.connections;
  out.emitted = emitted;
  out.error = r.error ? r.error.message : null;
} else {
  console.error(`read-child: unknown mode ${mode} (read | decode | track | track-recycle | track-half0 | track-half1)`);
  process.exit(2);
}
{
  const c = process.cpuUsage(c0);
  out.cpuMs = (c.user + c.system) / 1000;
}
out.maxRssKB = process.resourceUsage().maxRSS;
out.heapUsedMB = process.memoryUsage().heapUsed / 2 ** 20;
console.log(JSON.stringify(out));
