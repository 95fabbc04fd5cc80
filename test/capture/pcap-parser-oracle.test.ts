// The reader against an independent classic-pcap parser: npm `pcap-parser` 0.2.1 (CommonJS,
// node_modules/pcap-parser/lib/pcap-parser.js). It reads magic a1b2c3d4 in either byte order only
// (no nanosecond a1b23c4d, no modified a1b2cd34), so those files are left to formats.test.ts.
//
// What pcap-parser does with a bad file, read from its source: it never reports a truncated or
// oversized record. A record header whose caplen runs past the end of the file just waits for data
// that never comes, and 'end' fires after the last complete record. So on the corrupt fixtures it
// yields exactly the good records before the fault, silently; we compare those, and check that our
// reader, unlike it, reports the fault at the offset right after them. Its version check is
// `major != 2 && minor != 4`, so it accepts version 1.4 (pcap-invalid-version-1.pcap): that one is
// asserted as a difference (we refuse the file, as libpcap and tshark do).
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { collect, fixture, type Collected } from './oracle.js';
import { gunzipped, labCapture, labScenarios } from '../helpers/fixtures.js';

const require = createRequire(import.meta.url);

interface PpHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}
interface PpPacket {
  header: PpHeader;
  data: Buffer;
}
interface PpGlobalHeader {
  magicNumber: number;
  majorVersion: number;
  minorVersion: number;
  snapshotLength: number;
  linkLayerType: number;
}
interface PpParser {
  on(ev: 'globalHeader', cb: (h: PpGlobalHeader) => void): PpParser;
  on(ev: 'packet', cb: (p: PpPacket) => void): PpParser;
  on(ev: 'end', cb: () => void): PpParser;
  on(ev: 'error', cb: (e: Error) => void): PpParser;
}
const pcapp = require('pcap-parser') as { parse(input: string | Readable): PpParser };

interface PpResult {
  global: PpGlobalHeader | null;
  packets: PpPacket[];
  error: Error | null;
}

function parseWithPcapParser(stream: Readable): Promise<PpResult> {
  return new Promise((resolve) => {
    const r: PpResult = { global: null, packets: [], error: null };
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    const p = pcapp.parse(stream);
    p.on('globalHeader', (h) => (r.global = h));
    // Its data Buffers are slices of its own accumulating buffer, never reused: keeping them is safe.
    p.on('packet', (pk) => r.packets.push(pk));
    p.on('error', (e) => {
      r.error = e;
      finish();
    });
    p.on('end', finish);
  });
}

function magicOf(path: string): string {
  const b = readFileSync(path).subarray(0, 4);
  return b.toString('hex');
}

const CLASSIC = new Set(['a1b2c3d4', 'd4c3b2a1']);

function classicPcaps(dir: string): string[] {
  return readdirSync(fixture(dir))
    .filter((n) => n.endsWith('.pcap'))
    .map((n) => `${dir}/${n}`)
    .filter((rel) => CLASSIC.has(magicOf(fixture(rel))));
}

const FIXTURE_PCAPS = [...classicPcaps('public'), ...classicPcaps('crafted'), ...classicPcaps('lab')];

/** Corrupt files: pcap-parser stops silently after the good records; we report the fault. */
const CORRUPT: Record<string, { good: number; message: RegExp }> = {
  'crafted/get-cut-in-data.pcap': { good: 4, message: /cut short/ },
  'crafted/get-cut-in-header.pcap': { good: 5, message: /cut short/ },
  'crafted/get-garbage-tail.pcap': { good: 14, message: /2880154539 captured bytes/ },
  'crafted/get-huge-record.pcap': { good: 2, message: /2147483632 captured bytes/ },
  'public/tls_DER-incomplete-header.pcap': { good: 6, message: /4325376 captured bytes/ },
};
const REFUSED_BY_US = 'public/pcap-invalid-version-1.pcap';

/** Every lab capture (fixtures/lab-all, gzipped), as `scenario/side.pcap`; read from plain copies, as pcap-parser needs. */
const lab = labScenarios().flatMap((s) => ['server.pcap', 'client.pcap'].map((f) => `${s}/${f}`));

/** Compares our frames with pcap-parser's packets one by one; returns every difference. */
function diff(name: string, ours: Collected, pp: PpResult, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = ours.frames[i];
    const p = pp.packets[i];
    if (!f || !p) {
      out.push(`${name} #${i + 1}: ${!f ? 'we have no such frame' : 'pcap-parser has no such packet'}`);
      continue;
    }
    const h = p.header;
    const n = `${name} frame ${i + 1}`;
    if (f.number !== i + 1) out.push(`${n}: numbered ${f.number}`);
    if (f.tsSec !== h.timestampSeconds) out.push(`${n}: tsSec ${f.tsSec} ≠ ${h.timestampSeconds}`);
    if (f.tsNsec !== h.timestampMicroseconds * 1000) out.push(`${n}: tsNsec ${f.tsNsec} ≠ ${h.timestampMicroseconds}×1000`);
    if (f.caplen !== h.capturedLength) out.push(`${n}: caplen ${f.caplen} ≠ ${h.capturedLength}`);
    if (f.origLen !== h.originalLength) out.push(`${n}: origLen ${f.origLen} ≠ ${h.originalLength}`);
    if (Buffer.compare(f.data, p.data) !== 0) out.push(`${n}: bytes differ`);
    if (pp.global && f.linkType !== (pp.global.linkLayerType & 0x0fffffff)) out.push(`${n}: linkType ${f.linkType} ≠ ${pp.global.linkLayerType}`);
  }
  return out;
}

/** Byte offset just past the first `n` records (24-byte file header, 16-byte record headers). */
function offsetAfter(pp: PpResult, n: number): number {
  let off = 24;
  for (let i = 0; i < n; i++) off += 16 + pp.packets[i]!.header.capturedLength;
  return off;
}

describe('the classic pcap fixtures', () => {
  it('are found by magic number, and include both byte orders and every corrupt file', () => {
    expect(FIXTURE_PCAPS.length).toBeGreaterThanOrEqual(45);
    expect(FIXTURE_PCAPS).toContain('public/pptp.pcap'); // big-endian
    expect(magicOf(fixture('public/pptp.pcap'))).toBe('a1b2c3d4');
    expect(FIXTURE_PCAPS).toContain('public/get.pcap');
    expect(magicOf(fixture('public/get.pcap'))).toBe('d4c3b2a1');
    for (const c of [...Object.keys(CORRUPT), REFUSED_BY_US]) expect(FIXTURE_PCAPS).toContain(c);
    // Not classic µs pcap, so not pcap-parser's: nanosecond and modified pcap.
    for (const other of ['public/nanosecs_big_endian.pcap', 'public/tcp-handshake-nano.pcap', 'public/modified-format.pcap']) {
      expect(FIXTURE_PCAPS).not.toContain(other);
    }
  });
});

describe('reader vs pcap-parser on every classic pcap fixture', () => {
  const good = FIXTURE_PCAPS.filter((r) => !(r in CORRUPT) && r !== REFUSED_BY_US);

  it.each(good)('%s', async (rel) => {
    const pp = await parseWithPcapParser(createReadStream(fixture(rel)));
    const ours = await collect(fixture(rel));
    expect(pp.error, `pcap-parser: ${pp.error?.message}`).toBeNull();
    expect(ours.result.error, `ours: ${ours.result.error?.message}`).toBeNull();
    expect(pp.global).not.toBeNull();
    expect(ours.result.format).toBe('pcap');
    expect(ours.result.linkTypes).toEqual([pp.global!.linkLayerType & 0x0fffffff]);
    expect(ours.frames.length).toBe(pp.packets.length);
    expect(ours.result.frames).toBe(pp.packets.length);
    // Every byte of the file is accounted for: the records pcap-parser read end where the file ends.
    expect(ours.result.bytes).toBe(offsetAfter(pp, pp.packets.length));
    expect(ours.result.bytes).toBe(readFileSync(fixture(rel)).length);
    const d = diff(rel, ours, pp, pp.packets.length);
    expect(d, d.join('\n')).toEqual([]);
    if (rel !== 'public/empty.pcap') expect(pp.packets.length).toBeGreaterThan(0);
  });

  it.each(Object.entries(CORRUPT))('%s: the good records match, then we report the fault pcap-parser ignores', async (rel, c) => {
    const pp = await parseWithPcapParser(createReadStream(fixture(rel)));
    const ours = await collect(fixture(rel));
    // pcap-parser: the good records, no error (it cannot tell a truncated file from a short read).
    expect(pp.error).toBeNull();
    expect(pp.packets.length).toBe(c.good);
    // Ours: the same records, then the fault, located right after the last good record.
    expect(ours.frames.length).toBe(c.good);
    const d = diff(rel, ours, pp, c.good);
    expect(d, d.join('\n')).toEqual([]);
    expect(ours.result.error).not.toBeNull();
    expect(ours.result.error!.message).toMatch(c.message);
    expect(ours.result.error!.frameNumber).toBe(c.good + 1);
    expect(ours.result.error!.fileOffset).toBe(offsetAfter(pp, c.good));
  });

  it(`${REFUSED_BY_US}: pcap-parser accepts version 1.4 (its check is major≠2 AND minor≠4), we refuse it`, async () => {
    const pp = await parseWithPcapParser(createReadStream(fixture(REFUSED_BY_US)));
    expect(pp.error).toBeNull();
    expect([pp.global!.majorVersion, pp.global!.minorVersion]).toEqual([1, 4]);
    expect(pp.packets.length).toBe(1);
    const ours = await collect(fixture(REFUSED_BY_US));
    expect(ours.frames.length).toBe(0);
    expect(ours.result.error!.message).toMatch(/major version 1 is not supported/);
  });

  it('crafted/get.pcap.gz: pcap-parser on the gunzipped stream and our transparent gzip read agree', async () => {
    const pp = await parseWithPcapParser(createReadStream(fixture('crafted/get.pcap.gz')).pipe(createGunzip()));
    const ours = await collect(fixture('crafted/get.pcap.gz'));
    expect(ours.result.gzip).toBe(true);
    expect(pp.packets.length).toBe(14);
    expect(ours.frames.length).toBe(14);
    const d = diff('get.pcap.gz', ours, pp, 14);
    expect(d, d.join('\n')).toEqual([]);
  });
});

describe('reader vs pcap-parser on the lab captures in fixtures/lab-all', () => {
  it('found them (11 scenarios × server + client), all classic pcap', () => {
    expect(lab.length).toBe(22);
  });

  it.each(lab)('%s', async (name) => {
    const path = gunzipped(labCapture(name.split('/')[0]!, name.split('/')[1]!));
    expect(CLASSIC.has(magicOf(path)), `${name} is classic pcap`).toBe(true);
    const pp = await parseWithPcapParser(createReadStream(path));
    const ours = await collect(path);
    expect(pp.error).toBeNull();
    expect(ours.result.error).toBeNull();
    expect(pp.packets.length).toBeGreaterThan(0);
    expect(ours.frames.length).toBe(pp.packets.length);
    const d = diff(path, ours, pp, pp.packets.length);
    expect(d, d.slice(0, 20).join('\n')).toEqual([]);
  });
});
