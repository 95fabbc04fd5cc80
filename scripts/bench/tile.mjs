#!/usr/bin/env node
// Builds large benchmark captures by tiling the real lab captures.
//
// Copy k of a source capture gets its own client addresses (198.18.0.0/24
// except the server 198.18.0.3 -> 10.(k>>8).(k&255).x) and its own flood
// sources (198.19.a.b -> (20+(j>>8)).(j&255).a.b, j = k-th copy that has
// flood sources), IPv4 header and TCP/UDP checksums patched incrementally
// (RFC 1624), and its time shifted so it starts at T0 + k * offset. The
// server stays 198.18.0.3, so its listener sees k times the load. The copies
// are merged by timestamp with a k-way merge (a heap of cursors holding only
// the copies that have started and not finished) and written through a
// fixed-size buffer: memory stays flat whatever the output size.
//
// Output: classic pcap, microseconds, little-endian, LINKTYPE of the sources
// (all lab captures are Ethernet). Next to each file a .json manifest says
// what it holds (copies per source, packets, time span, parameters).
//
// Usage:
//   node scripts/bench/tile.mjs --packets 2e6            # -> $CACHE/tiled-2m-<hash>.pcap
//   node scripts/bench/tile.mjs --packets 1e5 --mix accept-overflow-abort0 --out /tmp/x.pcap
//   node scripts/bench/tile.mjs --copies 64 --mix slow-acceptor-abort0
// Options: --packets N | --copies K, --mix name[:weight],..., --offset-ms MS,
//          --cache DIR (default $TCPDIAG_BENCH_CACHE or /work/.bench-cache),
//          --lab DIR (default $TCPDIAG_LAB or /work/shared/captures/lab), --out FILE, --force.
//
// As a module: import { ensureTiled } from './tile.mjs'.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const TILE_VERSION = 1;
export const DEFAULT_CACHE = process.env.TCPDIAG_BENCH_CACHE || '/work/.bench-cache';
export const DEFAULT_LAB = process.env.TCPDIAG_LAB || '/work/shared/captures/lab';

/**
 * The default mix: copies per cycle of each scenario (server.pcap). The
 * overflow scenarios and the healthy ones make up most of it; the two SYN
 * floods are rare episodes, because each flood copy holds ~3000 half-open
 * connections for the tracker's 120 s idle timeout and would otherwise be
 * nearly all of the live connections. Interleaved with smooth weighted
 * round-robin, so every stretch of the file has the same mix.
 */
export const DEFAULT_MIX = [
  ['accept-overflow-abort0', 60],
  ['accept-overflow-abort1', 60],
  ['slow-acceptor-abort0', 60],
  ['slow-acceptor-abort1', 60],
  ['healthy', 120],
  ['healthy-lossy', 60],
  ['app-reset', 30],
  ['refused', 30],
  ['synack-expire', 30],
  ['syn-flood-cookies', 1],
  ['syn-flood-nocookies', 1],
];

/**
 * Default per-copy start offset. With the default mix a cycle (512 copies)
 * holds ~74 000 connections; at 40 ms per copy a cycle spans 20 s, which keeps
 * tens of thousands of connections live in the tracker at once (43 000 on the
 * 2 M file, 62 000 on the 20 M one, measured with trackCapture) and below its
 * 100 000 cap, so nothing is evicted and the per-copy results stay additive.
 * (At 1.7 ms per copy the whole 2 M file spans ~2 s: every connection would be
 * live at once, ~200 000, and the tracker would evict.)
 */
export const DEFAULT_OFFSET_MS = 40;

const SERVER = ipv4(198, 18, 0, 3);

function ipv4(a, b, c, d) {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function parseMix(spec) {
  if (!spec) return DEFAULT_MIX.map(([n, w]) => [n, w]);
  return spec.split(',').map((part) => {
    const [name, w] = part.split(':');
    const weight = w === undefined ? 1 : Number(w);
    if (!name || !Number.isInteger(weight) || weight < 1) throw new Error(`bad mix entry "${part}" (name[:integer weight])`);
    return [name.trim(), weight];
  });
}

/** Smooth weighted round-robin (nginx): one cycle of names, each weight times, spread out. */
export function cycleOf(mix) {
  const total = mix.reduce((a, [, w]) => a + w, 0);
  const cur = mix.map(() => 0);
  const out = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < mix.length; i++) {
      cur[i] += mix[i][1];
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= total;
    out.push(best);
  }
  return out;
}

// ---------------------------------------------------------------- sources

/** Loads one classic pcap (any byte order, usec or nsec) and indexes its records. */
export function loadSource(name, path) {
  const buf = readFileSync(path);
  if (buf.length < 24) throw new Error(`${path}: too short for a pcap header`);
  const m = buf.readUInt32LE(0);
  let le;
  let nsec;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) {
    le = true;
    nsec = m === 0xa1b23c4d;
  } else {
    const mb = buf.readUInt32BE(0);
    if (mb !== 0xa1b2c3d4 && mb !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap (pcapng is not supported as a tiling source)`);
    le = false;
    nsec = mb === 0xa1b23c4d;
  }
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const snaplen = u32(16);
  const recs = [];
  let p = 24;
  while (p + 16 <= buf.length) {
    const sec = u32(p);
    const frac = u32(p + 4);
    const caplen = u32(p + 8);
    const origLen = u32(p + 12);
    if (p + 16 + caplen > buf.length) break; // cut short: ignore the tail
    const usec = nsec ? Math.floor(frac / 1000) : frac;
    recs.push({ ts: sec * 1e6 + usec, data: p + 16, caplen, origLen });
    p += 16 + caplen;
  }
  const n = recs.length;
  const s = {
    name,
    path,
    buf,
    linkType,
    snaplen,
    n,
    ts: new Float64Array(n),
    data: new Int32Array(n),
    caplen: new Int32Array(n),
    origLen: new Int32Array(n),
    /** Offset of the IPv4 header in buf, -1 when the frame is not IPv4 (copied as is). */
    ip: new Int32Array(n),
    /** Offset of the TCP/UDP checksum in buf, -1 when none to patch. */
    l4sum: new Int32Array(n),
    /** 1 when a TCP/UDP checksum of 0 means "none" (UDP). */
    udp: new Uint8Array(n),
    hasFlood: false,
    unpatched: 0,
  };
  for (let i = 0; i < n; i++) {
    const r = recs[i];
    s.ts[i] = r.ts;
    s.data[i] = r.data;
    s.caplen[i] = r.caplen;
    s.origLen[i] = r.origLen;
    s.ip[i] = -1;
    s.l4sum[i] = -1;
    const ipOff = ipv4Offset(buf, r.data, r.caplen, linkType);
    if (ipOff < 0) {
      s.unpatched++;
      continue;
    }
    s.ip[i] = ipOff;
    const src = buf.readUInt32BE(ipOff + 12);
    const dst = buf.readUInt32BE(ipOff + 16);
    if (isFlood(src) || isFlood(dst)) s.hasFlood = true;
    const ihl = (buf[ipOff] & 0x0f) * 4;
    const frag = buf.readUInt16BE(ipOff + 6) & 0x1fff;
    const proto = buf[ipOff + 9];
    const l4 = ipOff + ihl;
    const end = r.data + r.caplen;
    if (frag === 0 && proto === 6 && l4 + 18 <= end) s.l4sum[i] = l4 + 16;
    else if (frag === 0 && proto === 17 && l4 + 8 <= end) {
      s.l4sum[i] = l4 + 6;
      s.udp[i] = 1;
    }
  }
  return s;
}

function ipv4Offset(buf, p, caplen, linkType) {
  const end = p + caplen;
  let q;
  if (linkType === 1) {
    if (caplen < 14) return -1;
    let type = buf.readUInt16BE(p + 12);
    q = p + 14;
    while ((type === 0x8100 || type === 0x88a8) && q + 4 <= end) {
      type = buf.readUInt16BE(q + 2);
      q += 4;
    }
    if (type !== 0x0800) return -1;
  } else if (linkType === 101 || linkType === 228 || linkType === 12 || linkType === 14) {
    q = p;
  } else if (linkType === 113) {
    if (caplen < 16 || buf.readUInt16BE(p + 14) !== 0x0800) return -1;
    q = p + 16;
  } else return -1;
  if (q + 20 > end || buf[q] >> 4 !== 4) return -1;
  return q;
}

/** Client side of the lab: 198.18.0.0/24 except the server. */
function isClient(a) {
  return a >>> 8 === 0xc61200 && a !== SERVER;
}

/** Spoofed flood sources: 198.19.0.0/16. */
function isFlood(a) {
  return a >>> 16 === 0xc613;
}

// ---------------------------------------------------------------- checksums

/** RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 32-bit field changing from m to n. */
function adjust32(hc, m, n) {
  let s = (~hc & 0xffff) + (~(m >>> 16) & 0xffff) + (~m & 0xffff) + (n >>> 16) + (n & 0xffff);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

// ---------------------------------------------------------------- plan

/**
 * The copies a file holds: copy k uses source cycle[k % cycle.length]. The
 * count is the smallest that reaches `packets` (or exactly `copies`).
 */
function plan(sources, mix, { packets, copies }) {
  const cycle = cycleOf(mix);
  const out = [];
  let total = 0;
  let floodOrdinal = 0;
  for (let k = 0; copies !== undefined ? k < copies : total < packets; k++) {
    const si = cycle[k % cycle.length];
    const src = sources[si];
    let flood = -1;
    if (src.hasFlood) flood = floodOrdinal++;
    out.push({ k, si, flood });
    total += src.n;
  }
  if (out.length > 65536) throw new Error(`${out.length} copies: client addresses 10.(k>>8).(k&255).x run out past 65536 copies`);
  if (floodOrdinal > 107 * 256) throw new Error(`${floodOrdinal} flood copies: too many for the 20.0-126.255 flood prefixes`);
  return { copies: out, packets: total };
}

function mapClient(a, k) {
  return ((10 << 24) | ((k >>> 8) << 16) | ((k & 255) << 8) | (a & 255)) >>> 0;
}

function mapFlood(a, j) {
  return (((20 + (j >>> 8)) << 24) | ((j & 255) << 16) | (a & 0xffff)) >>> 0;
}

// ---------------------------------------------------------------- writer

/**
 * Writes the tiled capture to `out` (via out + '.tmp', renamed at the end).
 * Returns the manifest.
 */
export function writeTiled(out, { mix = DEFAULT_MIX, offsetMs = DEFAULT_OFFSET_MS, packets, copies, lab = DEFAULT_LAB, log = () => {} }) {
  const sources = mix.map(([name]) => loadSource(name, join(lab, name, 'server.pcap')));
  const linkType = sources[0].linkType;
  for (const s of sources) {
    if (s.linkType !== linkType) throw new Error(`mixed link types (${s.name}: ${s.linkType}, ${sources[0].name}: ${linkType})`);
  }
  const snaplen = Math.max(...sources.map((s) => s.snaplen));
  const p = plan(sources, mix, { packets, copies });
  const K = p.copies.length;
  const offsetUs = Math.round(offsetMs * 1000);
  // Every source is rebased so its first packet is at T0 + k * offset.
  const t0 = Math.min(...sources.map((s) => (s.n ? s.ts[0] : Infinity)));
  const shift = new Float64Array(K); // added to a source timestamp
  const copySrc = new Int32Array(K);
  const copyFlood = new Int32Array(K);
  for (const c of p.copies) {
    const s = sources[c.si];
    shift[c.k] = t0 + c.k * offsetUs - (s.n ? s.ts[0] : 0);
    copySrc[c.k] = c.si;
    copyFlood[c.k] = c.flood;
  }

  // Heap of active copies keyed by the timestamp of their next record (ties: lower k first).
  const pos = new Int32Array(K); // next record index per copy
  const key = new Float64Array(K);
  const heap = new Int32Array(K);
  let hn = 0;
  const less = (a, b) => key[a] < key[b] || (key[a] === key[b] && a < b);
  const push = (k) => {
    let i = hn++;
    heap[i] = k;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i], heap[parent])) break;
      const t = heap[i];
      heap[i] = heap[parent];
      heap[parent] = t;
      i = parent;
    }
  };
  const siftDown = () => {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= hn) break;
      const r = l + 1;
      const m = r < hn && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[m], heap[i])) break;
      const t = heap[i];
      heap[i] = heap[m];
      heap[m] = t;
      i = m;
    }
  };

  const tmp = `${out}.tmp`;
  const fd = openSync(tmp, 'w');
  const BUF = 8 * 1024 * 1024;
  const ob = Buffer.allocUnsafe(BUF);
  let op = 0;
  let bytes = 0;
  const flush = () => {
    let w = 0;
    while (w < op) w += writeSync(fd, ob, w, op - w);
    bytes += op;
    op = 0;
  };
  // Global header: LE, usec, v2.4.
  ob.writeUInt32LE(0xa1b2c3d4, 0);
  ob.writeUInt16LE(2, 4);
  ob.writeUInt16LE(4, 6);
  ob.writeInt32LE(0, 8);
  ob.writeUInt32LE(0, 12);
  ob.writeUInt32LE(snaplen, 16);
  ob.writeUInt32LE(linkType, 20);
  op = 24;

  let next = 0; // next copy to start
  let written = 0;
  let firstTs = -1;
  let lastTs = -1;
  let maxActive = 0;
  let backwards = 0;
  const started = Date.now();
  let lastLog = started;
  for (;;) {
    // Start every copy whose first record is due before the current head.
    while (next < K && (hn === 0 || shift[next] + sources[copySrc[next]].ts[0] <= key[heap[0]])) {
      const s = sources[copySrc[next]];
      if (s.n > 0) {
        key[next] = s.ts[0] + shift[next];
        push(next);
      }
      next++;
    }
    if (hn === 0) break;
    if (hn > maxActive) maxActive = hn;
    const k = heap[0];
    const s = sources[copySrc[k]];
    const i = pos[k];
    const ts = key[k];
    // Emit record i of source s as copy k.
    const caplen = s.caplen[i];
    if (op + 16 + caplen > BUF) flush();
    const sec = Math.floor(ts / 1e6);
    ob.writeUInt32LE(sec, op);
    ob.writeUInt32LE(ts - sec * 1e6, op + 4);
    ob.writeUInt32LE(caplen, op + 8);
    ob.writeUInt32LE(s.origLen[i], op + 12);
    const d = op + 16;
    s.buf.copy(ob, d, s.data[i], s.data[i] + caplen);
    const ipo = s.ip[i];
    if (ipo >= 0) {
      const ip = d + (ipo - s.data[i]);
      const src = ob.readUInt32BE(ip + 12);
      const dst = ob.readUInt32BE(ip + 16);
      const ns = isClient(src) ? mapClient(src, k) : isFlood(src) ? mapFlood(src, copyFlood[k]) : src;
      const nd = isClient(dst) ? mapClient(dst, k) : isFlood(dst) ? mapFlood(dst, copyFlood[k]) : dst;
      if (ns !== src || nd !== dst) {
        let hc = ob.readUInt16BE(ip + 10);
        if (ns !== src) hc = adjust32(hc, src, ns);
        if (nd !== dst) hc = adjust32(hc, dst, nd);
        ob.writeUInt16BE(hc, ip + 10);
        ob.writeUInt32BE(ns, ip + 12);
        ob.writeUInt32BE(nd, ip + 16);
        const l4 = s.l4sum[i];
        if (l4 >= 0) {
          const at = d + (l4 - s.data[i]);
          let c = ob.readUInt16BE(at);
          if (!(s.udp[i] && c === 0)) {
            if (ns !== src) c = adjust32(c, src, ns);
            if (nd !== dst) c = adjust32(c, dst, nd);
            if (s.udp[i] && c === 0) c = 0xffff;
            ob.writeUInt16BE(c, at);
          }
        }
      }
    }
    op = d + caplen;
    written++;
    if (firstTs < 0) firstTs = ts;
    if (ts < lastTs) backwards++;
    else lastTs = ts;
    // Advance copy k.
    if (i + 1 < s.n) {
      pos[k] = i + 1;
      key[k] = s.ts[i + 1] + shift[k];
      siftDown();
    } else {
      heap[0] = heap[--hn];
      if (hn > 0) siftDown();
    }
    if ((written & 0xfffff) === 0 && Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`  ${basename(out)}: ${(written / 1e6).toFixed(1)} / ${(p.packets / 1e6).toFixed(1)} M packets`);
    }
  }
  flush();
  closeSync(fd);
  renameSync(tmp, out);
  const perSource = {};
  for (const c of p.copies) {
    const s = sources[c.si];
    const e = (perSource[s.name] ??= { copies: 0, packetsPerCopy: s.n });
    e.copies++;
  }
  const manifest = {
    tileVersion: TILE_VERSION,
    file: out,
    packets: written,
    bytes,
    copies: K,
    offsetMs,
    mix,
    perSource,
    linkType,
    firstTime: firstTs / 1e6,
    lastTime: lastTs / 1e6,
    spanSeconds: (lastTs - firstTs) / 1e6,
    maxActiveCopies: maxActive,
    timestampsBackwards: backwards,
    unpatchedFrames: p.copies.reduce((a, c) => a + sources[c.si].unpatched, 0),
    buildSeconds: (Date.now() - started) / 1000,
    created: new Date().toISOString(),
  };
  writeFileSync(`${out}.json`, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

// ---------------------------------------------------------------- cache

export function sizeLabel(packets) {
  if (packets >= 1e6) return `${+(packets / 1e6).toFixed(2)}m`;
  if (packets >= 1e3) return `${+(packets / 1e3).toFixed(2)}k`;
  return String(packets);
}

function paramsHash(params, lab) {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: TILE_VERSION, ...params }));
  // By content, not mtime: the lab folder is copied afresh for every session, and a new name for the
  // same bytes would rebuild every cached file (the 20 M one is several GB).
  for (const [name] of params.mix) {
    h.update(`${name}:`);
    h.update(readFileSync(join(lab, name, 'server.pcap')));
  }
  return h.digest('hex').slice(0, 10);
}

/**
 * Returns { path, manifest } of a tiled capture with at least `packets`
 * packets (or exactly `copies` copies), building it into the cache when it
 * is not there yet. The name carries a hash of the parameters and sources.
 */
export function ensureTiled({ packets, copies, mix = DEFAULT_MIX, offsetMs = DEFAULT_OFFSET_MS, cache = DEFAULT_CACHE, lab = DEFAULT_LAB, out, force = false, log = (m) => process.stderr.write(m + '\n') }) {
  const params = { packets: copies === undefined ? packets : undefined, copies, mix, offsetMs };
  const label = copies !== undefined ? `${copies}x-${mix.map(([n]) => n).join('+').slice(0, 60)}` : sizeLabel(packets);
  const path = out ?? join(cache, `tiled-${label}-${paramsHash(params, lab)}.pcap`);
  const mpath = `${path}.json`;
  if (!force && existsSync(path) && existsSync(mpath)) {
    const manifest = JSON.parse(readFileSync(mpath, 'utf8'));
    if (statSync(path).size === manifest.bytes) return { path, manifest, built: false };
  }
  mkdirSync(resolve(path, '..'), { recursive: true });
  for (const f of [path, mpath]) if (existsSync(f)) unlinkSync(f);
  log(`tile: building ${path} ...`);
  const manifest = writeTiled(path, { mix, offsetMs, packets, copies, lab, log });
  log(
    `tile: ${manifest.packets} packets, ${(manifest.bytes / 1e6).toFixed(0)} MB, ${manifest.copies} copies, ` +
      `${manifest.spanSeconds.toFixed(1)} s of capture, built in ${manifest.buildSeconds.toFixed(1)} s`,
  );
  return { path, manifest, built: true };
}

// ---------------------------------------------------------------- CLI

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--packets') o.packets = Number(v());
    else if (a === '--copies') o.copies = Number(v());
    else if (a === '--mix') o.mix = parseMix(v());
    else if (a === '--offset-ms') o.offsetMs = Number(v());
    else if (a === '--cache') o.cache = v();
    else if (a === '--lab') o.lab = v();
    else if (a === '--out') o.out = v();
    else if (a === '--force') o.force = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const o = parseArgs(process.argv.slice(2));
    if (o.help || (o.packets === undefined && o.copies === undefined)) {
      console.log('usage: node scripts/bench/tile.mjs (--packets N | --copies K) [--mix name[:w],...] [--offset-ms MS] [--cache DIR] [--lab DIR] [--out FILE] [--force]');
      process.exit(o.help ? 0 : 2);
    }
    const r = ensureTiled(o);
    console.log(JSON.stringify({ path: r.path, built: r.built, ...r.manifest, mix: undefined }, null, 2));
  } catch (e) {
    console.error(`tile: ${e.message}`);
    process.exit(1);
  }
}
