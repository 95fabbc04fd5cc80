// Capture formats and faults: frame counts against capinfos 4.0.17 for every fixture, each pcap and
// pcapng variant the fixtures hold (checked against tshark's times, get.pcap's frames, or the raw
// bytes of the file read by hand), the exact error of every broken file, and that chunk boundaries
// (ReadOptions.chunkBytes) change nothing.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CHUNK_BYTES } from '../../src/capture/source.js';
import { LINKTYPE_CUSTOM_BLOCK } from '../../src/capture/pcapng.js';
import {
  capinfosPackets,
  collect,
  compareEpoch,
  fixture,
  PCAPNG_CUSTOM_BLOCKS,
  readExpectedText,
  readIndex,
  readTshark,
  walkPcapng,
  type Collected,
  type CopiedFrame,
} from './oracle.js';
import { gunzipped, labCapture } from '../helpers/fixtures.js';

/** The frames as plain comparable values (bytes as hex), to diff two reads of the same data. */
function summary(frames: CopiedFrame[]) {
  return frames.map((f) => ({
    number: f.number,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    caplen: f.caplen,
    origLen: f.origLen,
    linkType: f.linkType,
    interfaceId: f.interfaceId,
    data: f.data.toString('hex'),
  }));
}

function sameFrames(a: CopiedFrame[], b: CopiedFrame[], fields: Array<keyof CopiedFrame> = ['number', 'tsSec', 'tsNsec', 'caplen', 'origLen', 'linkType', 'interfaceId', 'fileOffset']): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`${a.length} frames vs ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (const k of fields) if (a[i]![k] !== b[i]![k]) out.push(`frame ${i + 1}: ${k} ${String(a[i]![k])} vs ${String(b[i]![k])}`);
    if (Buffer.compare(a[i]!.data, b[i]!.data) !== 0) out.push(`frame ${i + 1}: bytes differ`);
  }
  return out;
}

const index = readIndex();

/**
 * The fixtures holding pcapng custom blocks, and how many. The reader hands each one on as a frame
 * of its own (Frame.linkType LINKTYPE_CUSTOM_BLOCK), as Wireshark numbers it; capinfos counts packets only.
 */
const CUSTOM_BLOCK_FRAMES: Record<string, number> = { 'public/pcapng-test-generator_le_test202.pcapng': 3 };

describe('frame counts vs capinfos, every fixture', () => {
  /** capinfos reads these, tcpdiag must not: snoop and a PNG via its MIME reader. */
  const REJECTED: Record<string, number> = { 'public/solaris.snoop': 250, 'crafted/png-header.png': 1 };

  const rows = index.map((r) => {
    let n = capinfosPackets(r.file);
    if (n === null) {
      const err = readExpectedText(r.file, 'capinfos.stderr.txt');
      const m = err ? /An error occurred after reading (\d+) packets/.exec(err) : null;
      n = m ? Number(m[1]) : null;
    }
    return { file: r.file, capinfos: n };
  });

  it('capinfos gave a count for all but the three files it refused', () => {
    expect(rows.filter((r) => r.capinfos === null).map((r) => r.file).sort()).toEqual(
      ['crafted/not-a-capture.txt', 'public/pcap-invalid-version-1.pcap', 'public/shb-option-too-long.pcapng'],
    );
    expect(rows.length).toBeGreaterThanOrEqual(60);
  });

  it.each(rows.filter((r) => r.capinfos !== null).map((r) => [r.file, r.capinfos!] as const))('%s: %i packets', async (rel, n) => {
    const c = await collect(fixture(rel));
    if (rel in REJECTED) {
      expect(n).toBe(REJECTED[rel]);
      expect(c.frames.length).toBe(0);
      expect(c.result.error).not.toBeNull();
      return;
    }
    // capinfos counts packets; the reader also delivers pcapng custom blocks, as frames of their own.
    const custom = c.frames.filter((f) => f.linkType === LINKTYPE_CUSTOM_BLOCK).length;
    expect(custom, 'custom-block frames').toBe(CUSTOM_BLOCK_FRAMES[rel] ?? 0);
    expect(c.frames.length - custom).toBe(n);
    expect(c.result.frames).toBe(n + custom);
    // Frames are numbered 1..n in order.
    expect(c.frames.map((f) => f.number)).toEqual(Array.from({ length: n + custom }, (_, i) => i + 1));
  });
});

describe('pcapng: every packet block (and custom block) read exactly as the spec lays it out', () => {
  interface Expected {
    fileOffset: number;
    interfaceId: number;
    linkType: number;
    caplen: number;
    origLen: number;
    data: string;
    type: number;
  }

  /**
   * What each packet block holds, read by hand with the test's own block walker (oracle.ts). A custom
   * block is a frame too (Wireshark numbers it), with no interface, no bytes and LINKTYPE_CUSTOM_BLOCK.
   */
  function expectedFrames(buf: Buffer): Expected[] {
    const out: Expected[] = [];
    let ifaces: Array<{ linkType: number; snaplen: number }> = [];
    for (const b of walkPcapng(buf)) {
      const u32 = (o: number) => (b.littleEndian ? buf.readUInt32LE(b.offset + o) : buf.readUInt32BE(b.offset + o));
      const u16 = (o: number) => (b.littleEndian ? buf.readUInt16LE(b.offset + o) : buf.readUInt16BE(b.offset + o));
      if (b.type === 0x0a0d0d0a) ifaces = [];
      else if (b.type === 1) ifaces.push({ linkType: u16(8), snaplen: u32(12) });
      else if (b.type === 6 || b.type === 2) {
        // EPB: interface u32 @8; obsolete PB: interface u16 @8, drops u16 @10. Then ts hi/lo, caplen @20, len @24, data @28.
        const iface = b.type === 6 ? u32(8) : u16(8);
        const caplen = u32(20);
        out.push({
          type: b.type, fileOffset: b.offset, interfaceId: iface, linkType: ifaces[iface]!.linkType, caplen, origLen: u32(24),
          data: buf.subarray(b.offset + 28, b.offset + 28 + caplen).toString('hex'),
        });
      } else if (b.type === 3) {
        // SPB: type, length, original length @8, data @12, trailing length. Captured = min(original, snaplen, room).
        const origLen = u32(8);
        const snap = ifaces[0]!.snaplen || Infinity;
        const caplen = Math.min(origLen, snap, b.length - 16);
        out.push({
          type: 3, fileOffset: b.offset, interfaceId: 0, linkType: ifaces[0]!.linkType, caplen, origLen,
          data: buf.subarray(b.offset + 12, b.offset + 12 + caplen).toString('hex'),
        });
      } else if (PCAPNG_CUSTOM_BLOCKS.has(b.type)) {
        out.push({ type: b.type, fileOffset: b.offset, interfaceId: 0, linkType: LINKTYPE_CUSTOM_BLOCK, caplen: 0, origLen: 0, data: '' });
      }
    }
    return out;
  }

  const pcapngs = index.map((r) => r.file).filter((f) => f.endsWith('.pcapng') && f !== 'public/shb-option-too-long.pcapng');

  it('covers every good pcapng fixture, all three packet block types and both custom block types', () => {
    expect(pcapngs.length).toBe(8);
    const types = new Set(pcapngs.flatMap((f) => expectedFrames(readFileSync(fixture(f))).map((e) => e.type)));
    expect([...types].sort((a, b) => a - b)).toEqual([2, 3, 6, 0x00000bad, 0x40000bad]);
  });

  it.each(pcapngs)('%s', async (rel) => {
    const want = expectedFrames(readFileSync(fixture(rel)));
    expect(want.length).toBeGreaterThan(0);
    const c = await collect(fixture(rel));
    expect(c.result.error).toBeNull();
    expect(c.result.format).toBe('pcapng');
    const got = c.frames.map((f) => ({
      fileOffset: f.fileOffset, interfaceId: f.interfaceId, linkType: f.linkType, caplen: f.caplen, origLen: f.origLen,
      data: f.data.toString('hex'),
    }));
    const mism: string[] = [];
    want.forEach((w, i) => {
      const g = got[i];
      if (!g) return mism.push(`frame ${i + 1}: missing`);
      for (const k of ['fileOffset', 'interfaceId', 'linkType', 'caplen', 'origLen', 'data'] as const) {
        if (g[k] !== w[k]) mism.push(`frame ${i + 1} (block type ${w.type} at ${w.fileOffset}): ${k} ${k === 'data' ? '' : `${g[k]} ≠ ${w[k]}`}`.trim());
      }
    });
    if (got.length !== want.length) mism.push(`${got.length} frames, the file has ${want.length} packet and custom blocks`);
    expect(mism, mism.join('\n')).toEqual([]);
  });
});

describe('pcapng features', () => {
  it('le_test202: three sections of mixed byte order (LE, BE, LE), each with its own interfaces', async () => {
    const rel = 'public/pcapng-test-generator_le_test202.pcapng';
    const blocks = walkPcapng(readFileSync(fixture(rel)));
    const shbs = blocks.filter((b) => b.type === 0x0a0d0d0a);
    expect(shbs.map((b) => b.littleEndian)).toEqual([true, false, true]);
    const c = await collect(fixture(rel));
    expect(c.result.error).toBeNull();
    // 11 records, numbered as tshark numbers them; capinfos counts the 8 packets among them.
    expect(c.result.frames).toBe(11);
    expect(c.frames.length).toBe(11);
    expect(readTshark(rel)!.length).toBe(11);
    expect(capinfosPackets(rel)).toBe(8);
    expect(c.frames.filter((f) => f.linkType !== LINKTYPE_CUSTOM_BLOCK).length).toBe(8);
    // Per section: CB, 3 EPBs | SPB, EPB, DCB, SPB, EPB | DCB, EPB. Interface ids restart with each section.
    const C = LINKTYPE_CUSTOM_BLOCK;
    expect(c.frames.map((f) => f.interfaceId)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(c.frames.map((f) => f.linkType)).toEqual([C, 1, 1, 0, 1, 1, C, 1, 1, C, 0]);
    expect(c.result.linkTypes).toEqual([1, 0]);
    // Times from all three sections, against tshark, frame for frame (1/7/10 are custom blocks, 5/8 SPBs: no time in tshark).
    const rows = readTshark(rel)!;
    const timed = rows.map((r, i) => (r['frame.time_epoch'] !== '' ? i + 1 : 0)).filter((n) => n > 0);
    expect(timed).toEqual([2, 3, 4, 6, 9, 11]);
    for (const n of timed) {
      const f = c.frames[n - 1]!;
      expect(compareEpoch(rows[n - 1]!['frame.time_epoch'], f.tsSec, f.tsNsec), `frame ${n}`).toBeNull();
    }
  });

  it('Simple Packet Blocks carry no time: an SPB frame takes the previous frame\'s timestamp (across sections), or 0 when first', async () => {
    const t202 = await collect(fixture('public/pcapng-test-generator_le_test202.pcapng'));
    const ts = (n: number) => [t202.frames[n - 1]!.tsSec, t202.frames[n - 1]!.tsNsec];
    expect([5, 8].map((n) => t202.frames[n - 1]!.linkType)).toEqual([1, 1]);
    // Frame 5, the first of section 2, takes frame 4's time, the last of section 1 (tshark: …301858000).
    expect(ts(5)).toEqual(ts(4));
    expect(ts(5)).toEqual([1340954905, 301858000]);
    // Frame 8 follows custom block 7, which itself carries frame 6's time (tshark: …298858000).
    expect(ts(8)).toEqual(ts(7));
    expect(ts(7)).toEqual(ts(6));
    expect(ts(8)).toEqual([1340954905, 298858000]);
    const t010 = await collect(fixture('public/pcapng-test-generator_le_test010.pcapng'));
    expect(t010.frames.length).toBe(4);
    for (const f of t010.frames) expect([f.tsSec, f.tsNsec]).toEqual([0, 0]);
  });

  it('custom blocks (le_test202 frames 1, 7, 10): empty frames with the previous frame\'s time, or 0 when first', async () => {
    const rel = 'public/pcapng-test-generator_le_test202.pcapng';
    const c = await collect(fixture(rel));
    const custom = c.frames.filter((f) => f.linkType === LINKTYPE_CUSTOM_BLOCK);
    expect(custom.map((f) => f.number)).toEqual([1, 7, 10]);
    // Their blocks, by the test's own walker: CB, DCB, DCB.
    const blocks = walkPcapng(readFileSync(fixture(rel))).filter((b) => PCAPNG_CUSTOM_BLOCKS.has(b.type));
    expect(blocks.map((b) => b.type)).toEqual([0x00000bad, 0x40000bad, 0x40000bad]);
    expect(custom.map((f) => f.fileOffset)).toEqual(blocks.map((b) => b.offset));
    for (const f of custom) {
      expect([f.caplen, f.origLen, f.interfaceId, f.data.length], `frame ${f.number}`).toEqual([0, 0, 0, 0]);
      const prev = f.number === 1 ? { tsSec: 0, tsNsec: 0 } : c.frames[f.number - 2]!;
      expect([f.tsSec, f.tsNsec], `frame ${f.number}`).toEqual([prev.tsSec, prev.tsNsec]);
    }
  });

  it('Simple Packet Blocks (le_test010): data right after the 12-byte block header, captured length = original', async () => {
    const t010 = await collect(fixture('public/pcapng-test-generator_le_test010.pcapng'));
    expect(t010.result.error).toBeNull();
    expect(t010.frames.length).toBe(4);
    // The SPBs' original lengths (and, with snaplen 0 = unlimited, captured lengths): tshark 314, 342, 314, 342.
    expect(t010.frames.map((f) => f.origLen)).toEqual([314, 342, 314, 342]);
    expect(t010.frames.map((f) => f.caplen)).toEqual([314, 342, 314, 342]);
    // An SPB's data starts right after its 12-byte header: an Ethernet frame whose EtherType is IPv4.
    for (const f of t010.frames) expect(f.data.readUInt16BE(12), `frame ${f.number} EtherType`).toBe(0x0800);
  });

  it('crafted/get-be.pcapng: big-endian, if_tsresol 2^-9 and if_tsoffset 10 s, as tshark applies them', async () => {
    const c = await collect(fixture('crafted/get-be.pcapng'));
    const get = await collect(fixture('public/get.pcap'));
    const rows = readTshark('crafted/get-be.pcapng')!;
    expect(c.result.error).toBeNull();
    expect(c.frames.length).toBe(14);
    expect(rows.length).toBe(14);
    const bad: string[] = [];
    c.frames.forEach((f, i) => {
      const d = compareEpoch(rows[i]!['frame.time_epoch'], f.tsSec, f.tsNsec);
      if (d) bad.push(`frame ${i + 1}: ${d}`);
      // A whole number of 1/512 s ticks (1 953 125 ns) …
      if (f.tsNsec % 1953125 !== 0) bad.push(`frame ${i + 1}: ${f.tsNsec} ns is not a multiple of 2^-9 s`);
      // … that is floor((t − 10 s)·512)/512 + 10 s of get.pcap's time t: at most one tick earlier.
      const g = get.frames[i]!;
      const ourNs = BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec);
      const getNs = BigInt(g.tsSec) * 1_000_000_000n + BigInt(g.tsNsec);
      if (!(ourNs <= getNs && getNs - ourNs < 1953125n)) bad.push(`frame ${i + 1}: ${ourNs} not within a tick below get.pcap's ${getNs}`);
    });
    expect(bad, bad.join('\n')).toEqual([]);
    expect(compareEpoch('1362692526.869140625', c.frames[0]!.tsSec, c.frames[0]!.tsNsec)).toBeNull();
    expect(sameFrames(c.frames, get.frames, ['caplen', 'origLen', 'linkType'])).toEqual([]);
  });

  it('crafted/get-obsolete-pb.pcapng: obsolete Packet Blocks give get.pcap\'s frames exactly', async () => {
    const c = await collect(fixture('crafted/get-obsolete-pb.pcapng'));
    const get = await collect(fixture('public/get.pcap'));
    expect(c.result.error).toBeNull();
    expect(c.result.format).toBe('pcapng');
    expect(c.frames.length).toBe(14);
    expect(sameFrames(c.frames, get.frames, ['number', 'tsSec', 'tsNsec', 'caplen', 'origLen', 'linkType', 'interfaceId'])).toEqual([]);
  });

  it('pcapng-multi-interface: two interfaces with µs and ns resolution, times as tshark prints them', async () => {
    const rel = 'public/pcapng-multi-interface.pcapng';
    const c = await collect(fixture(rel));
    const rows = readTshark(rel)!;
    expect(new Set(c.frames.map((f) => f.interfaceId))).toEqual(new Set([0, 1]));
    const bad = c.frames.map((f, i) => compareEpoch(rows[i]!['frame.time_epoch'], f.tsSec, f.tsNsec)).filter((x) => x !== null);
    expect(bad).toEqual([]);
    // At least one frame really has sub-microsecond digits (the ns interface).
    expect(c.frames.some((f) => f.tsNsec % 1000 !== 0)).toBe(true);
  });

  it('pcapng-example: a µs interface whose 64-bit timestamps are just under 2^64 µs is read exactly', async () => {
    const rel = 'public/pcapng-example.pcapng';
    const c = await collect(fixture(rel));
    const rows = readTshark(rel)!;
    const huge = c.frames.filter((f) => f.tsSec > 1e13);
    expect(huge.length).toBe(100);
    const bad = c.frames.map((f, i) => compareEpoch(rows[i]!['frame.time_epoch'], f.tsSec, f.tsNsec)).filter((x) => x !== null);
    expect(bad).toEqual([]);
  });
});

describe('pcap variants', () => {
  it('crafted/get.pcap.gz is read transparently and gives get.pcap\'s frames', async () => {
    const gz = await collect(fixture('crafted/get.pcap.gz'));
    const plain = await collect(fixture('public/get.pcap'));
    expect(gz.result.gzip).toBe(true);
    expect(plain.result.gzip).toBe(false);
    expect(gz.result.error).toBeNull();
    expect(gz.result.format).toBe('pcap');
    expect(gz.result.bytes).toBe(6335); // decompressed bytes: get.pcap's size
    expect(gz.frames.length).toBe(14);
    expect(sameFrames(gz.frames, plain.frames)).toEqual([]);
  });

  it.each([
    ['public/nanosecs_big_endian.pcap', false, 10],
    ['public/tcp-handshake-nano.pcap', true, 3],
  ] as const)('%s: nanosecond pcap (little-endian %s), times read to the nanosecond', async (rel, le, n) => {
    const buf = readFileSync(fixture(rel));
    expect(le ? buf.readUInt32LE(0) : buf.readUInt32BE(0)).toBe(0xa1b23c4d);
    const c = await collect(fixture(rel));
    expect(c.result.error).toBeNull();
    expect(c.frames.length).toBe(n);
    // By hand: the first record's header (sec, nsec) at offset 24.
    const sec = le ? buf.readUInt32LE(24) : buf.readUInt32BE(24);
    const nsec = le ? buf.readUInt32LE(28) : buf.readUInt32BE(28);
    expect([c.frames[0]!.tsSec, c.frames[0]!.tsNsec]).toEqual([sec, nsec]);
    expect(c.frames.some((f) => f.tsNsec % 1000 !== 0)).toBe(true);
    const rows = readTshark(rel)!;
    const bad = c.frames.map((f, i) => compareEpoch(rows[i]!['frame.time_epoch'], f.tsSec, f.tsNsec)).filter((x) => x !== null);
    expect(bad).toEqual([]);
  });

  it('public/modified-format.pcap: modified (Kuznetzov) pcap, 24-byte record headers', async () => {
    const rel = 'public/modified-format.pcap';
    const buf = readFileSync(fixture(rel));
    const c = await collect(fixture(rel));
    expect(c.result.error).toBeNull();
    expect(c.result.format).toBe('pcap');
    expect(c.frames.length).toBe(1);
    const f = c.frames[0]!;
    expect(f.fileOffset).toBe(24);
    expect([f.caplen, f.origLen]).toEqual([98, 98]);
    // The data starts after the 24-byte record header (16 standard + ifindex, protocol, pkt_type, pad).
    expect(Buffer.compare(f.data, buf.subarray(48, 48 + 98))).toBe(0);
    expect(c.result.bytes).toBe(buf.length);
    const row = readTshark(rel)![0]!;
    expect(compareEpoch(row['frame.time_epoch'], f.tsSec, f.tsNsec)).toBeNull();
    expect([Number(row['frame.len']), Number(row['frame.cap_len'])]).toEqual([98, 98]);
  });

  it('public/pptp.pcap: big-endian µs pcap', async () => {
    const c = await collect(fixture('public/pptp.pcap'));
    expect(readFileSync(fixture('public/pptp.pcap')).readUInt32BE(0)).toBe(0xa1b2c3d4);
    expect(c.result.error).toBeNull();
    expect(c.frames.length).toBe(23);
    const rows = readTshark('public/pptp.pcap')!;
    const bad = c.frames.map((f, i) => compareEpoch(rows[i]!['frame.time_epoch'], f.tsSec, f.tsNsec)).filter((x) => x !== null);
    expect(bad).toEqual([]);
  });

  it('public/mptcp-dss-oobr.pcap: a record longer than the snaplen is read as is, with one warning', async () => {
    const c = await collect(fixture('public/mptcp-dss-oobr.pcap'));
    expect(c.result.error).toBeNull();
    expect(c.frames.map((f) => [f.caplen, f.origLen])).toEqual([[74, 74]]);
    expect(c.warnings).toEqual([
      { message: "record holds 74 bytes, more than the file's snaplen 73; read as is", fileOffset: 24, frameNumber: 1 },
    ]);
  });
});

describe('broken and foreign files: the exact fault, and every frame before it', () => {
  interface Fault {
    frames: number;
    message: string;
    fileOffset: number;
    frameNumber: number;
    format: 'pcap' | 'pcapng' | null;
    /** tshark's frame count where tshark agrees on where the good data ends. */
    tshark?: number;
  }
  const FAULTS: Record<string, Fault> = {
    'crafted/get-cut-in-data.pcap': {
      frames: 4, tshark: 4, format: 'pcap', fileOffset: 508, frameNumber: 5,
      message: 'the file ends in the middle of a record: 49 of its 82 bytes are present (cut short)',
    },
    'crafted/get-cut-in-header.pcap': {
      frames: 5, tshark: 5, format: 'pcap', fileOffset: 590, frameNumber: 6,
      message: 'the file ends 7 bytes into a record header (cut short)',
    },
    'crafted/get-garbage-tail.pcap': {
      frames: 14, tshark: 14, format: 'pcap', fileOffset: 6335, frameNumber: 15,
      message: 'record header claims 2880154539 captured bytes (0xabababab), more than the 262144-byte maximum: corrupt record header',
    },
    // tshark misreads this one as Nokia pcap (fixtures/README.md): records 1-2 are get.pcap's, record 3 at 208 is the fault.
    'crafted/get-huge-record.pcap': {
      frames: 2, format: 'pcap', fileOffset: 208, frameNumber: 3,
      message: 'record header claims 2147483632 captured bytes (0x7ffffff0), more than the 262144-byte maximum: corrupt record header',
    },
    'public/tls_DER-incomplete-header.pcap': {
      frames: 6, tshark: 6, format: 'pcap', fileOffset: 5035, frameNumber: 7,
      message: 'record header claims 4325376 captured bytes (0x00420000), more than the 262144-byte maximum: corrupt record header',
    },
    'public/pcap-invalid-version-1.pcap': {
      frames: 0, tshark: 0, format: null, fileOffset: 4, frameNumber: 1,
      message: 'pcap major version 1 is not supported (expected 2)',
    },
    'public/solaris.snoop': {
      frames: 0, format: null, fileOffset: 0, frameNumber: 1,
      message: 'not a pcap or pcapng capture (it is a Solaris snoop file; convert it with editcap -F pcap)',
    },
    'crafted/png-header.png': {
      frames: 0, format: null, fileOffset: 0, frameNumber: 1,
      message: 'not a pcap or pcapng capture (it is a PNG image)',
    },
    'crafted/not-a-capture.txt': {
      frames: 0, tshark: 0, format: null, fileOffset: 0, frameNumber: 1,
      message: 'not a pcap or pcapng capture (magic 0x54686973, it looks like text)',
    },
    // The SHB says 52 bytes; its trailing length field (offset 48) holds "0000" (0x30303030). tshark: "Not enough data to
    // handle option of length 12336" (it parses SHB options, we do not): same block, different symptom.
    'public/shb-option-too-long.pcapng': {
      frames: 0, tshark: 0, format: 'pcapng', fileOffset: 0, frameNumber: 1,
      message: 'block trailing length 808464432 disagrees with its leading length 52',
    },
  };

  it.each(Object.entries(FAULTS))('%s', async (rel, want) => {
    const c = await collect(fixture(rel));
    expect(c.result.error, 'an error').not.toBeNull();
    const e = c.result.error!;
    expect(e.name).toBe('CaptureError');
    expect(e.message).toBe(want.message);
    expect(e.fileOffset).toBe(want.fileOffset);
    expect(e.frameNumber).toBe(want.frameNumber);
    expect(c.frames.length).toBe(want.frames);
    expect(c.result.frames).toBe(want.frames);
    expect(c.result.format).toBe(want.format);
    // On a fault, `bytes` is the offset of the fault: everything before it was consumed.
    expect(c.result.bytes).toBe(want.fileOffset);
    if (want.tshark !== undefined) {
      const rows = readTshark(rel);
      expect(rows?.length ?? 0).toBe(want.tshark);
    }
    // The frames before the fault are exactly get.pcap's, for the files derived from it.
    if (rel.startsWith('crafted/get-')) {
      const get = await collect(fixture('public/get.pcap'));
      expect(sameFrames(c.frames, get.frames.slice(0, want.frames))).toEqual([]);
      // The fault sits where get.pcap's next record starts.
      expect(want.fileOffset).toBe(want.frames < 14 ? get.frames[want.frames]!.fileOffset : 6335);
    }
  });

  it('public/empty.pcap: a bare file header is 0 frames and no error', async () => {
    const c = await collect(fixture('public/empty.pcap'));
    expect(c.result.error).toBeNull();
    expect(c.frames.length).toBe(0);
    expect(c.result.frames).toBe(0);
    expect(c.result.format).toBe('pcap');
    expect(c.result.linkTypes).toEqual([1]);
    expect(c.result.bytes).toBe(24);
  });

  it('a missing file is an error, not an exception', async () => {
    const c = await collect(fixture('public/does-not-exist.pcap'));
    expect(c.result.error!.message).toBe('cannot open: no such file');
    expect(c.frames.length).toBe(0);
  });
});

describe('chunk boundaries change nothing (ReadOptions.chunkBytes)', () => {
  // Plain copies of the gzipped lab captures: these tests are about the plain-file reader's chunks.
  const lab = (file: string) => gunzipped(labCapture('slow-acceptor-abort1', file));

  it('the default chunk is 1 MiB', () => {
    expect(CHUNK_BYTES).toBe(1024 * 1024);
  });

  const check = async (path: string, sizes: number[]) => {
    const ref = await collect(path);
    expect(ref.frames.length).toBeGreaterThan(0);
    const refSum = summary(ref.frames);
    for (const chunkBytes of sizes) {
      const c: Collected = await collect(path, { chunkBytes });
      const d = sameFrames(c.frames, ref.frames);
      expect(d.slice(0, 10), `chunkBytes ${chunkBytes}: ${d.length} differences`).toEqual([]);
      expect(summary(c.frames)).toEqual(refSum);
      expect({ ...c.result, error: c.result.error?.message ?? null }).toEqual({ ...ref.result, error: ref.result.error?.message ?? null });
      if (ref.result.error) {
        expect([c.result.error!.fileOffset, c.result.error!.frameNumber]).toEqual([ref.result.error.fileOffset, ref.result.error.frameNumber]);
      }
    }
    return ref;
  };

  it('slow-acceptor-abort1/server.pcap (435 KB, records across every boundary): 13, 100, 1500, 65536 bytes', async () => {
    const ref = await check(lab('server.pcap'), [13, 100, 1500, 65536]);
    // Bigger than one small chunk by far, so records really straddle chunks.
    expect(ref.result.bytes).toBeGreaterThan(400_000);
    expect(ref.frames.length).toBeGreaterThan(1000);
  });

  // The decoders see one kind of array only: a record pieced together across chunks used to come as a
  // plain Uint8Array among Buffers, and V8 threw away the optimised parser and decoders at the first one.
  it('every frame comes in a Buffer, records pieced together across chunks too', async () => {
    for (const rel of ['lab/accept-overflow-abort0-server.pcap', 'public/pcapng-example.pcapng']) {
      const kinds = new Map<string, number>();
      const c = await collect(fixture(rel), { chunkBytes: 1500 }, (f) => kinds.set(f.buf.constructor.name, (kinds.get(f.buf.constructor.name) ?? 0) + 1));
      expect(c.frames.length).toBeGreaterThan(50);
      expect([...kinds.keys()]).toEqual(['Buffer']);
    }
  });

  it('slow-acceptor-abort1/server.pcapng: the same in small chunks, and the same frames as server.pcap', async () => {
    const ng = await check(lab('server.pcapng'), [29, 4096]);
    const pcap = await collect(lab('server.pcap'));
    expect(sameFrames(ng.frames, pcap.frames, ['number', 'tsSec', 'tsNsec', 'caplen', 'origLen', 'linkType'])).toEqual([]);
  });

  it('slow-acceptor-abort1/client-nsec.pcap: nanosecond twin of client.pcap, same frames', async () => {
    const ns = await check(lab('client-nsec.pcap'), [31]);
    const us = await collect(lab('client.pcap'));
    expect(sameFrames(ns.frames, us.frames, ['number', 'tsSec', 'tsNsec', 'caplen', 'origLen', 'linkType'])).toEqual([]);
  });

  const small = index
    .map((r) => r.file)
    .filter((f) => !f.startsWith('lab/') || f === 'lab/refused-server.pcap');
  // 1-byte chunks cost ~30 µs each: only on the files under 8 KB (every broken file among them).
  it.each(small)('%s: 1-byte (files under 8 KB), 5-byte and 97-byte chunks', async (rel) => {
    const ref = await collect(fixture(rel));
    const sizes = readFileSync(fixture(rel)).length < 8192 ? [1, 5, 97] : [5, 97];
    for (const chunkBytes of sizes) {
      const c = await collect(fixture(rel), { chunkBytes });
      expect(sameFrames(c.frames, ref.frames)).toEqual([]);
      expect(c.result.frames).toBe(ref.result.frames);
      expect(c.result.bytes).toBe(ref.result.bytes);
      expect(c.result.gzip).toBe(ref.result.gzip);
      expect(c.result.error?.message ?? null).toBe(ref.result.error?.message ?? null);
      expect(c.result.error?.fileOffset ?? null).toBe(ref.result.error?.fileOffset ?? null);
      expect(c.result.error?.frameNumber ?? null).toBe(ref.result.error?.frameNumber ?? null);
      expect(c.warnings).toEqual(ref.warnings);
    }
  });
});
