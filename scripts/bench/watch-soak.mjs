#!/usr/bin/env node
// Soak benchmark for `tcpdiag watch -r -` (not a test): the tiled 2 M-packet capture (tile.mjs) is
// streamed through a pipe R times back to back — one pcap header, each repetition shifted in time
// past the previous one plus the tracker's idle timeout, so it reads as one long incident — and the
// peak RSS of watch is compared at 2 M and 20 M packets. Bounded memory means the 20 M figure stays
// within 20 % of the 2 M one. RSS is sampled from /proc/PID/status every 250 ms (VmHWM: the peak).
//
// Usage: npm run build && node scripts/bench/watch-soak.mjs [--reps 1,10] [--interval 5]
//        node scripts/bench/watch-soak.mjs --emit FILE REPS   (the generator: writes the stream to stdout)

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTiled } from './tile.mjs';
import { REPO } from './lib.mjs';

// Longer than the tracker's idle timeout (120 s): a repetition's connections are all finished before the next begins.
const GAP_S = 300;

/** Writes FILE's records REPS times to stdout, times shifted; classic little-endian pcap as tile.mjs writes. */
async function emit(file, reps) {
  const fd = openSync(file, 'r');
  const header = Buffer.alloc(24);
  readSync(fd, header, 0, 24, 0);
  if (header.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian microsecond pcap`);
  // The span of the file: first and last record times.
  const buf = Buffer.allocUnsafe(1 << 22);
  let first = -1;
  let last = 0;
  {
    let pos = 24;
    let carry = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let off = 0;
      while (data.length - off >= 16) {
        const len = data.readUInt32LE(off + 8);
        if (data.length - off < 16 + len) break;
        const sec = data.readUInt32LE(off);
        if (first < 0) first = sec;
        if (sec > last) last = sec;
        off += 16 + len;
      }
      carry = Buffer.from(data.subarray(off));
    }
  }
  const shiftPer = last - first + GAP_S;
  const out = process.stdout;
  const write = (b) => (out.write(b) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  await write(header);
  for (let r = 0; r < reps; r++) {
    let pos = 24;
    let carry = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 22);
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let off = 0;
      while (data.length - off >= 16) {
        const len = data.readUInt32LE(off + 8);
        if (data.length - off < 16 + len) break;
        data.writeUInt32LE(data.readUInt32LE(off) + r * shiftPer, off);
        off += 16 + len;
      }
      await write(data.subarray(0, off));
      carry = Buffer.from(data.subarray(off));
    }
  }
  closeSync(fd);
}

function status(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? 0);
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** One soak run: generator | watch -r -, sampling watch's memory. */
function soak(file, reps, interval) {
  return new Promise((resolve) => {
    const gen = spawn(process.execPath, [process.argv[1], '--emit', file, String(reps)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const watch = spawn(process.execPath, [join(REPO, 'bin/tcpdiag.js'), 'watch', '-r', '-', '--format', 'ndjson', '--interval', String(interval)], {
      stdio: [gen.stdout, 'pipe', 'inherit'],
    });
    let windows = 0;
    let end = null;
    let tail = '';
    watch.stdout.on('data', (d) => {
      const text = tail + d.toString('utf8');
      const lines = text.split('\n');
      tail = lines.pop();
      for (const l of lines) {
        if (l.startsWith('{"type":"window"')) windows++;
        else if (l.startsWith('{"type":"end"')) end = JSON.parse(l);
      }
    });
    const t0 = Date.now();
    let peak = 0;
    const samples = [];
    const timer = setInterval(() => {
      const s = status(watch.pid);
      if (!s) return;
      peak = Math.max(peak, s.hwm);
      samples.push([Date.now() - t0, s.rss]);
    }, 250);
    watch.on('exit', (code) => {
      clearInterval(timer);
      if (tail.startsWith('{"type":"end"')) end = JSON.parse(tail);
      const c = end?.report?.captures?.[0];
      resolve({ reps, code, wallS: (Date.now() - t0) / 1000, peakRssMB: peak / 1024, windows, packets: c?.packets, connections: c?.connections, evictions: c?.evictions, samples });
    });
  });
}

const { values, positionals } = parseArgs({
  options: { emit: { type: 'string' }, reps: { type: 'string', default: '1,10' }, interval: { type: 'string', default: '5' } },
  allowPositionals: true,
});
if (values.emit) {
  await emit(values.emit, Number(positionals[0] ?? 1));
} else {
  const { path } = ensureTiled({ packets: 2e6 });
  const results = [];
  for (const reps of values.reps.split(',').map(Number)) {
    const r = await soak(path, reps, Number(values.interval));
    // RSS at a tenth, half and the end of the run: flat means no growth with time.
    const at = (f) => r.samples[Math.min(r.samples.length - 1, Math.floor(f * r.samples.length))]?.[1] / 1024;
    console.log(
      `${reps}× 2 M: ${r.packets} packets, ${r.connections} connections, ${r.windows} windows, exit ${r.code}, ${r.wallS.toFixed(1)} s, ` +
        `peak RSS ${r.peakRssMB.toFixed(1)} MB (RSS at 10/50/100 %: ${[0.1, 0.5, 0.99].map((f) => at(f)?.toFixed(1)).join(' / ')} MB), evictions ${r.evictions}`,
    );
    results.push(r);
  }
  if (results.length >= 2) {
    const base = results[0];
    const last = results.at(-1);
    const growth = last.peakRssMB / base.peakRssMB - 1;
    console.log(`peak RSS ${last.reps}× vs ${base.reps}×: ${(growth * 100).toFixed(1)} % (bound: ≤ 20 %) → ${growth <= 0.2 ? 'flat' : 'GROWS'}`);
  }
}
