// Mutations of capture files: structure-aware (record and block lengths,
// headers, IP and TCP fields) and blind (bit flips, byte runs, cuts). Every
// mutation is a pure function of (file, seeded PRNG), so a failure can be
// regenerated from its label and seed.
import { gunzipSync, gzipSync } from 'node:zlib';
import { locate, put16, put32, u16, u32, walk } from './structure.mjs';
import { mulberry32, pick, randInt, hashString } from './prng.mjs';

/** File names that are not captures: side files the fixture folders keep next to them. */
const SIDE_FILE = /\.(log|json|txt|out|md|tsv|sha256|csv)$|^LICENSES?$|^README|^SHA256SUMS/i;

export function isCaptureFixture(name) {
  return !SIDE_FILE.test(name);
}

/** Loads a fixture: gzip files are mutated mostly through their decompressed bytes. */
export function prepare(name, bytes) {
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  let plain = bytes;
  if (gz) {
    try {
      plain = new Uint8Array(gunzipSync(bytes));
    } catch {
      plain = bytes;
    }
  }
  return { name, raw: bytes, gz, plain, s: walk(plain) };
}

const INTERESTING32 = [0, 1, 2, 3, 4, 8, 11, 12, 13, 15, 16, 19, 20, 24, 27, 28, 31, 32, 0x7f, 0xff, 0x100, 0xffff, 0x10000,
  262143, 262144, 262145, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xffffffff];

/** Packet records (frames) that end at or before `offset`. */
export function packetsBefore(s, offset) {
  let n = 0;
  for (const r of s.records) {
    if (r.off + r.len > offset) break;
    if (r.packet) n++;
  }
  return n;
}

function copy(b) {
  return new Uint8Array(b);
}

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A mutation result: the new plain bytes and the first byte that differs (everything before it reads as before). */
function result(label, bytes, first) {
  return { label, bytes, first };
}

// ---- the mutators: (rng, f) => result | null --------------------------------------------------------------

function bitFlips(rng, f) {
  const b = copy(f.plain);
  if (b.length === 0) return null;
  const n = 1 + randInt(rng, 8);
  let first = b.length;
  // Half the time aim at a record's header area, where the lengths are.
  const rec = f.s.records.length && rng() < 0.5 ? pick(rng, f.s.records) : null;
  for (let i = 0; i < n; i++) {
    const p = rec ? rec.off + randInt(rng, Math.min(rec.len, 64)) : randInt(rng, b.length);
    b[p] ^= 1 << randInt(rng, 8);
    first = Math.min(first, p);
  }
  return result(`bitflip x${n}`, b, first);
}

function byteRun(rng, f) {
  const b = copy(f.plain);
  if (b.length === 0) return null;
  const len = 1 + randInt(rng, rng() < 0.7 ? 8 : 64);
  const at = randInt(rng, b.length);
  const kind = randInt(rng, 3);
  for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = kind === 0 ? 0 : kind === 1 ? 0xff : randInt(rng, 256);
  return result(`run ${['0x00', '0xff', 'random'][kind]} x${len} at ${at}`, b, at);
}

function cutAt(f, at) {
  return result(`truncate at ${at}`, f.plain.slice(0, at), at);
}

function randomCut(rng, f) {
  if (f.plain.length === 0) return null;
  return cutAt(f, randInt(rng, f.plain.length));
}

function lengthField(rng, f, forcedValue) {
  if (!f.s.records.length) return null;
  const rec = pick(rng, f.s.records);
  const field = pick(rng, rec.lenFields);
  const b = copy(f.plain);
  const old = field.size === 4 ? u32(b, field.off, field.le) : u16(b, field.off, field.le);
  const choices = [0, 1, 0xffffffff, old - 1, old + 1, old - 4, old + 4, old * 2, old >>> 1, pick(rng, INTERESTING32)];
  if (f.s.snaplen) choices.push(f.s.snaplen + 1, f.s.snaplen - 1);
  const v = (forcedValue ?? pick(rng, choices)) >>> 0;
  if (field.size === 4) put32(b, field.off, v, field.le);
  else put16(b, field.off, v & 0xffff, field.le);
  return result(`${rec.kind}@${rec.off} ${field.name} ${old} -> ${v}`, b, field.off);
}

function fileHeader(rng, f) {
  const b = copy(f.plain);
  if (f.s.format === 'pcap') {
    const le = f.s.le;
    const what = randInt(rng, 4);
    if (what === 0) put32(b, 16, pick(rng, [0, 1, 14, 20, 40, 60, 0xffff, 0xffffffff]), le);
    else if (what === 1) put32(b, 20, pick(rng, [0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276, 0xffff, 0x0fffffff, randInt(rng, 300)]), le);
    else if (what === 2) put16(b, 4, pick(rng, [0, 1, 3, 543, 0xffff]), le);
    else put16(b, 6, pick(rng, [0, 1, 0xffff]), le);
    return result(`pcap header field ${['snaplen', 'linktype', 'major', 'minor'][what]}`, b, 4);
  }
  if (f.s.format === 'pcapng') {
    const blocks = f.s.records.filter((r) => r.kind === 'shb' || r.kind === 'idb');
    if (!blocks.length) return null;
    const r = pick(rng, blocks);
    if (r.kind === 'shb') {
      const at = r.off + 8 + randInt(rng, Math.max(1, Math.min(16, r.len - 12)));
      b[at] = randInt(rng, 256);
      return result(`shb@${r.off} byte ${at - r.off}`, b, at);
    }
    const what = randInt(rng, 3);
    if (what === 0) {
      put16(b, r.off + 8, pick(rng, [0, 1, 12, 101, 113, 276, 0xffff, randInt(rng, 300)]), r.le);
      return result(`idb@${r.off} linktype`, b, r.off + 8);
    }
    if (what === 1) {
      // Plant an if_tsresol option (code 9) with a hostile value where the options start.
      if (r.len < 28) return null;
      put16(b, r.off + 16, 9, r.le);
      put16(b, r.off + 18, 1, r.le);
      b[r.off + 20] = pick(rng, [0, 6, 9, 18, 19, 63, 64, 0x80, 0x83, 0xbf, 0xc0, 0xff]);
      return result(`idb@${r.off} if_tsresol ${b[r.off + 20]}`, b, r.off + 16);
    }
    if (r.len < 24) return null;
    put16(b, r.off + 18, pick(rng, [0, 1, 3, 0xff, 0xfff0, 0xffff]), r.le);
    return result(`idb@${r.off} first option length`, b, r.off + 18);
  }
  return null;
}

function recordOp(rng, f) {
  const recs = f.s.records.filter((r) => r.kind !== 'shb' || r.off !== 0);
  if (!recs.length) return null;
  const b = f.plain;
  const i = randInt(rng, recs.length);
  const r = recs[i];
  const slice = (x) => b.subarray(x.off, x.off + x.len);
  const op = randInt(rng, 4);
  if (op === 0) {
    // Duplicate: the same record twice (two taps), or many times.
    const times = rng() < 0.8 ? 1 : 2 + randInt(rng, 20);
    const parts = [b.subarray(0, r.off + r.len)];
    for (let k = 0; k < times; k++) parts.push(slice(r));
    parts.push(b.subarray(r.off + r.len));
    return result(`duplicate ${r.kind}@${r.off} x${times}`, concat(parts), r.off + r.len);
  }
  if (op === 1) {
    // Swap two records: time runs backwards, answers come before questions, packets before their IDB.
    const j = rng() < 0.5 ? Math.min(recs.length - 1, i + 1) : randInt(rng, recs.length);
    if (i === j) return null;
    const [a, c] = i < j ? [r, recs[j]] : [recs[j], r];
    return result(
      `swap ${a.kind}@${a.off} and ${c.kind}@${c.off}`,
      concat([b.subarray(0, a.off), slice(c), b.subarray(a.off + a.len, c.off), slice(a), b.subarray(c.off + c.len)]),
      a.off,
    );
  }
  if (op === 2) {
    return result(`delete ${r.kind}@${r.off}`, concat([b.subarray(0, r.off), b.subarray(r.off + r.len)]), r.off);
  }
  // Reverse a run of records.
  const n = 2 + randInt(rng, 16);
  const run = recs.slice(i, i + n);
  if (run.length < 2) return null;
  // The walk lays records end to end, so the run is one contiguous stretch.
  const last = run[run.length - 1];
  const parts = [b.subarray(0, run[0].off)];
  for (let k = run.length - 1; k >= 0; k--) parts.push(slice(run[k]));
  parts.push(b.subarray(last.off + last.len));
  return result(`reverse ${run.length} records from @${run[0].off}`, concat(parts), run[0].off);
}

function timeWarp(rng, f) {
  const recs = f.s.records.filter((r) => r.tsOff >= 0);
  if (!recs.length) return null;
  const r = pick(rng, recs);
  const b = copy(f.plain);
  const le = r.le;
  const hi = u32(b, r.tsOff, le);
  const what = randInt(rng, 5);
  if (what === 0) put32(b, r.tsOff, 0, le);
  else if (what === 1) put32(b, r.tsOff, 0xffffffff, le);
  else if (what === 2) put32(b, r.tsOff, Math.max(0, hi - 1 - randInt(rng, 7200)), le);
  else if (what === 3) put32(b, r.tsOff, hi + 1 + randInt(rng, 7200), le);
  else put32(b, r.tsOff + 4, 0xffffffff, le);
  return result(`time ${['zero', 'max', 'backwards', 'forwards', 'fraction max'][what]} ${r.kind}@${r.off}`, b, r.tsOff);
}

/** IP and TCP header fields of one packet: IHL, lengths, extension chains, data offset, options. */
function protocol(rng, f) {
  const cands = [];
  for (const r of f.s.records) {
    if (!r.data) continue;
    const loc = locate(f.plain, r.data);
    if (loc) cands.push(loc);
    if (cands.length > 64) break;
  }
  if (!cands.length) return null;
  const loc = pick(rng, cands);
  const b = copy(f.plain);
  const ip = loc.ip;
  const t = loc.tcp;
  const ops = [];
  if (loc.version === 4) {
    ops.push(
      () => { b[ip] = (b[ip] & 0xf0) | randInt(rng, 5); return 'ipv4 ihl < 5'; },
      () => { b[ip] = (b[ip] & 0xf0) | 15; return 'ipv4 ihl 15'; },
      () => { put16(b, ip + 2, pick(rng, [0, 1, 19, ((b[ip] & 15) * 4) - 1, 0xffff, u16(b, ip + 2, false) + 1]), false); return 'ipv4 total length'; },
      () => { b[ip + 9] = pick(rng, [4, 41, 6, 17, 0]); return 'ipv4 protocol'; },
      () => { b[ip] = 0x45 | (pick(rng, [0, 1, 2, 3, 5, 7, 15]) << 4); return 'ip version'; },
      () => { b[ip + 6] = randInt(rng, 256); b[ip + 7] = randInt(rng, 256); return 'ipv4 fragment'; },
    );
  } else {
    ops.push(
      () => { put16(b, ip + 4, pick(rng, [0, 1, 8, 19, 0xffff, u16(b, ip + 4, false) + 1, loc.end - ip]), false); return 'ipv6 payload length'; },
      () => { b[ip + 6] = pick(rng, [0, 43, 44, 51, 60, 41, 4, 59, 50]); return 'ipv6 next header'; },
      () => {
        // A chain of extension headers that never ends, or runs off the packet.
        let q = ip + 40;
        b[ip + 6] = pick(rng, [0, 60, 43]);
        const loop = rng() < 0.5;
        while (q + 8 <= loc.end) {
          b[q] = loop ? 60 : pick(rng, [0, 43, 60, 51, 44]);
          b[q + 1] = loop ? 0 : randInt(rng, 256);
          q += 8;
          if (!loop && rng() < 0.3) break;
        }
        return loop ? 'ipv6 looping extension chain' : 'ipv6 extension chain run-off';
      },
    );
  }
  if (t >= 0) {
    const hlen = (b[t + 12] >> 4) * 4;
    ops.push(
      () => { b[t + 12] = (b[t + 12] & 0x0f) | (randInt(rng, 5) << 4); return 'tcp data offset < 5'; },
      () => { b[t + 12] = (b[t + 12] & 0x0f) | (pick(rng, [6, 8, 11, 15]) << 4); return 'tcp data offset large'; },
      () => { b[t + 13] = randInt(rng, 256); return 'tcp flags'; },
    );
    const optStart = t + 20;
    const optEnd = Math.min(t + hlen, loc.end);
    if (optEnd - optStart >= 2) {
      ops.push(
        () => { const p = optStart + randInt(rng, optEnd - optStart - 1); b[p] = pick(rng, [2, 3, 4, 5, 8, 30, 254]); b[p + 1] = pick(rng, [0, 1]); return 'tcp option length 0/1'; },
        () => { const p = optStart + randInt(rng, optEnd - optStart - 1); b[p] = pick(rng, [2, 5, 8]); b[p + 1] = pick(rng, [40, 255, optEnd - p + 1]); return 'tcp option past header'; },
        () => { const p = optStart + randInt(rng, optEnd - optStart - 1); b[p] = 5; b[p + 1] = pick(rng, [3, 9, 11, 13, 17, 33]); return 'tcp odd sack'; },
        () => { for (let p = optStart; p < optEnd; p++) b[p] = 1; return 'tcp all nop'; },
        () => { b[optEnd - 1] = pick(rng, [2, 3, 8]); return 'tcp option kind in last byte'; },
      );
    }
  }
  const label = pick(rng, ops)();
  return result(`${label} in packet at ${ip}`, b, ip);
}

const MUTATORS = [
  [bitFlips, 4], [byteRun, 3], [randomCut, 1], [lengthField, 4], [fileHeader, 1], [recordOp, 3], [timeWarp, 1], [protocol, 5],
];
const TOTAL_WEIGHT = MUTATORS.reduce((a, m) => a + m[1], 0);

/** One random mutation of `f`; never null (falls back to a bit flip, then to a cut). */
export function mutateOnce(rng, f) {
  for (let tries = 0; tries < 8; tries++) {
    let w = rng() * TOTAL_WEIGHT;
    let m = MUTATORS[0][0];
    for (const [fn, weight] of MUTATORS) {
      w -= weight;
      if (w < 0) {
        m = fn;
        break;
      }
    }
    const r = m(rng, f);
    if (r) return r;
  }
  return bitFlips(rng, f) ?? cutAt(f, 0);
}

/** Several mutations applied one after the other (the structure is walked again in between). */
export function mutateStacked(rng, f, n) {
  let cur = f;
  const labels = [];
  let first = Infinity;
  let out = null;
  for (let i = 0; i < n; i++) {
    out = mutateOnce(rng, cur);
    labels.push(out.label);
    first = Math.min(first, out.first);
    cur = { ...cur, plain: out.bytes, s: walk(out.bytes) };
  }
  return result(labels.join(' + '), out.bytes, first);
}

/** Turns mutated plain bytes into what is written to disk (gzip fixtures are re-compressed). */
function finish(f, r, rng) {
  let bytes = r.bytes;
  if (f.gz) bytes = new Uint8Array(gzipSync(bytes, { level: 1 }));
  return { fixture: f.name, label: r.label, bytes, plainLength: r.bytes.length, gz: f.gz, first: r.first, chunkBytes: chunkFor(rng, r.bytes.length) };
}

/** A read size for the second, differential run: small chunks put a boundary inside every record. */
function chunkFor(rng, n) {
  // 64 reads at most: each is a trip through the libuv thread pool (~30 µs), and 1-byte reads of a 100 KB file take seconds.
  return Math.max(pick(rng, [1, 3, 7, 16, 33, 100, 509]), Math.ceil(n / 64));
}

/**
 * The fixed corpus for one fixture: a cut at every record and block boundary
 * (checked exactly against the walk), cuts inside the file header and inside
 * records, every length field of the first records set to 0, 1, 0xFFFFFFFF
 * and neighbours, then `random` mutations (a quarter of them stacked).
 * @param {object} baseline the unmutated file's summary (from the same run), for exact cut expectations
 */
export function* corpusFor(f, seed, { random = 60, maxCuts = 40, lengthRecords = 3 } = {}, baseline = null) {
  const rng = mulberry32(seed ^ hashString(f.name));
  const s = f.s;
  // Cuts: exact expectations hold where the baseline read cleanly.
  const safeEnd = baseline ? (baseline.errorOffset ?? Infinity) : -1;
  const firstRecordAfter = s.format === 'pcap' ? 24 : s.records.length && s.records[0].kind === 'shb' ? s.records[0].len : Infinity;
  // Every record boundary; the differential chunked read only for `maxCuts` of them, evenly spread.
  const bounds = s.records.map((r) => r.off + r.len);
  const step = Math.max(1, Math.ceil(bounds.length / maxCuts));
  for (let i = 0; i < bounds.length; i++) {
    const at = bounds[i];
    const x = finish(f, cutAt(f, at), rng);
    if (i % step !== 0) delete x.chunkBytes;
    if (at >= firstRecordAfter && at <= safeEnd && at < f.plain.length) x.expect = { packets: packetsBefore(s, at), error: null };
    yield x;
  }
  // Cuts inside the file header or first section header: nothing to read, and it must say so.
  if (s.format && Number.isFinite(firstRecordAfter)) {
    for (const at of [0, 1 + randInt(rng, 3), randInt(rng, firstRecordAfter), firstRecordAfter - 1]) {
      const x = finish(f, cutAt(f, at), rng);
      x.expect = { packets: 0, error: true, errorOffset: 0, errorFrame: 1 };
      yield x;
    }
  }
  const inside = Math.min(s.records.length, 20);
  for (let k = 0; k < inside; k++) {
    const rec = s.records[randInt(rng, s.records.length)];
    const at = rec.off + 1 + randInt(rng, rec.len - 1);
    const x = finish(f, cutAt(f, at), rng);
    if (rec.off >= firstRecordAfter && at <= safeEnd) {
      x.expect = { packets: packetsBefore(s, rec.off), error: true, errorOffset: rec.off, errorFrame: packetsBefore(s, rec.off) + 1 };
    }
    yield x;
  }
  // Length fields of the first records, systematically.
  for (const rec of s.records.slice(0, lengthRecords)) {
    for (const field of rec.lenFields) {
      const old = field.size === 4 ? u32(f.plain, field.off, field.le) : u16(f.plain, field.off, field.le);
      for (const v of [0, 1, 0xffffffff, old - 1, old + 1]) {
        const b = copy(f.plain);
        if (field.size === 4) put32(b, field.off, v >>> 0, field.le);
        else put16(b, field.off, v & 0xffff, field.le);
        yield finish(f, result(`${rec.kind}@${rec.off} ${field.name} ${old} -> ${v >>> 0}`, b, field.off), rng);
      }
    }
  }
  for (let i = 0; i < random; i++) {
    const r = i % 4 === 3 ? mutateStacked(rng, f, 2 + randInt(rng, 3)) : mutateOnce(rng, f);
    yield finish(f, r, rng);
  }
  if (f.gz) {
    // The compressed bytes themselves: corrupt and cut gzip streams.
    for (let i = 0; i < 10; i++) {
      const b = copy(f.raw);
      let label;
      if (i % 2 === 0) {
        const at = randInt(rng, b.length);
        b[at] ^= 1 << randInt(rng, 8);
        label = `gzip bitflip at ${at}`;
        yield { fixture: f.name, label, bytes: b, plainLength: -1, gz: true, first: 0, chunkBytes: 64 };
      } else {
        const at = randInt(rng, b.length);
        yield { fixture: f.name, label: `gzip truncate at ${at}`, bytes: b.slice(0, at), plainLength: -1, gz: true, first: 0, chunkBytes: 64 };
      }
    }
  }
}
