// The reader + decoder against tshark 4.0.17, frame by frame, on every fixture tshark could read
// (fixtures/expected/<key>.tshark.tsv, recorded once by scripts/fixtures/record_tshark.sh; see
// fixtures/README.md for how to read each column). Every difference is collected and printed in
// one assertion message; the only accepted differences are the named exceptions below, and each of
// those is itself asserted to happen exactly as described (so none can go stale silently).
// Frame numbers are compared as they are: tshark's frame n is our frame n in every fixture, pcapng
// custom blocks included (the reader delivers each as an empty frame of its own, as Wireshark numbers it).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { Decoder } from '../../src/decode/decoder.js';
import {
  Decoded,
  newSegment,
  OPT_SACK_PERM,
  OPT_TIMESTAMP,
  type Segment,
} from '../../src/decode/segment.js';
import { formatAddress } from '../../src/decode/address.js';
import { LINKTYPE_CUSTOM_BLOCK } from '../../src/capture/frame.js';
import {
  capinfosPackets,
  collect,
  compareEpoch,
  fixture,
  PCAPNG_CUSTOM_BLOCKS,
  readIndex,
  readTshark,
  walkPcapng,
  type CopiedFrame,
  type TsharkRow,
} from '../capture/oracle.js';
import type { ReadResult } from '../../src/capture/reader.js';

/** Fixtures whose tshark output is not a valid oracle for a pcap/pcapng reader (fixtures/README.md). */
const UNUSABLE: Record<string, string> = {
  // wiretap's heuristics read it as Nokia pcap: 2 misparsed frames. Checked against get.pcap below.
  'crafted/get-huge-record.pcap': 'tshark misreads it as Nokia pcap',
  // tshark reads snoop and MIME files; tcpdiag reads pcap/pcapng only and must reject these.
  'public/solaris.snoop': 'snoop format: tshark reads it, tcpdiag must reject it',
  'crafted/png-header.png': 'a PNG: tshark shows it as one MIME frame, tcpdiag must reject it',
};

/**
 * The frames that are pcapng custom blocks (tshark shows each as a 'data' frame with no time). The
 * TSV rows of these frames are checked by compareRows against what the reader makes of a custom block.
 */
const CUSTOM_BLOCK_FRAMES: Record<string, number[]> = { 'public/pcapng-test-generator_le_test202.pcapng': [1, 7, 10] };

/** Files tshark refused outright: no TSV. */
const NO_TSV = ['crafted/not-a-capture.txt', 'public/pcap-invalid-version-1.pcap', 'public/shb-option-too-long.pcapng'];

/** Files tshark read partially and then stopped on an error (exit 2): the frames before the fault. */
const PARTIAL: Record<string, number> = {
  'crafted/get-cut-in-data.pcap': 4,
  'crafted/get-cut-in-header.pcap': 5,
  'crafted/get-garbage-tail.pcap': 14,
  'public/tls_DER-incomplete-header.pcap': 6,
};

interface NotTcpException {
  /** tshark frame numbers that tshark decodes as TCP and we do not. */
  frames: number[] | 'all';
  ours: Decoded;
  /** The DecodeStats kind those frames are counted under, and how many of them. */
  statKind: string;
  why: string;
}

/**
 * Frames tshark decodes as TCP that tcpdiag legitimately does not: none today (NFLOG and IPComp, the
 * last two, are decoded since issue 17). There are no differences in the other direction either
 * (frames we call TCP and tshark does not). A new exception names its frames, result and stat kind.
 */
const NOT_TCP_EXCEPTIONS: Record<string, NotTcpException> = {
};

/**
 * public/AH-IPcomp-IPv6.pcap: IPv6 → AH → IPv6 → TCP, or IPv6 → AH → IPComp → (DEFLATE) IPv6 → TCP
 * in frames 3-7, 9, 10. tshark's TSV (-E occurrence=f) holds the
 * OUTER addresses; the decoder reports the inner header, whose addresses are the TCP endpoints
 * (checked once with `tshark -E occurrence=a -e ipv6.src -e ipv6.dst`: the pairing is fixed).
 */
const OUTER_TO_INNER: Record<string, Record<string, string>> = {
  'public/AH-IPcomp-IPv6.pcap': { '2002::2': '4000::1', '2000::1': '2003::8c00:1' },
};

const DECODED_NAMES: Record<number, string> = {
  [Decoded.Tcp]: 'Tcp', [Decoded.OtherIp]: 'OtherIp', [Decoded.NonIp]: 'NonIp',
  [Decoded.Truncated]: 'Truncated', [Decoded.Malformed]: 'Malformed',
};
function decodedName(d: Decoded): string {
  return DECODED_NAMES[d] ?? `Decoded(${d})`;
}

interface OurFrame {
  frame: CopiedFrame;
  decoded: Decoded;
  seg: Segment | null;
}

interface Decoding {
  result: ReadResult;
  frames: OurFrame[];
  decoder: Decoder;
}

async function decodeFile(rel: string): Promise<Decoding> {
  const decoder = new Decoder(newSegment());
  const outcomes: Array<{ decoded: Decoded; seg: Segment | null }> = [];
  const c = await collect(fixture(rel), {}, (f) => {
    const d = decoder.decode(f);
    outcomes.push({ decoded: d, seg: d === Decoded.Tcp ? { ...decoder.segment } : null });
  });
  return { result: c.result, decoder, frames: c.frames.map((frame, i) => ({ frame, ...outcomes[i]! })) };
}

function num(cell: string): number {
  return cell === '' ? NaN : Number(cell);
}

interface Comparison {
  mismatches: string[];
  /** tshark frame numbers tshark decodes as TCP and we do not (checked against NOT_TCP_EXCEPTIONS). */
  notTcp: Array<{ tshark: number; decoded: Decoded }>;
  tcpCompared: number;
  nonTcpCompared: number;
  framesCompared: number;
  /** tshark frame numbers that are pcapng custom blocks in both views. */
  customBlockFrames: number[];
  reservedFlagFrames: number[];
  malformedTsFrames: number[];
}

/** Compares tshark's rows with our frames: tshark's frame n against our frame n. */
function compareRows(rel: string, rows: TsharkRow[], ours: OurFrame[]): Comparison {
  const out: Comparison = {
    mismatches: [], notTcp: [], tcpCompared: 0, nonTcpCompared: 0, framesCompared: 0, customBlockFrames: [], reservedFlagFrames: [], malformedTsFrames: [],
  };
  const bad = (n: number, what: string) => out.mismatches.push(`${rel} frame ${n}: ${what}`);
  const innerOf = OUTER_TO_INNER[rel];
  rows.forEach((row, i) => {
    const n = i + 1;
    if (num(row['frame.number']) !== n) bad(n, `tshark row ${i + 1} is numbered ${row['frame.number']}`);
    const o = ours[i];
    if (!o) return bad(n, 'we delivered no such frame');
    const f = o.frame;
    out.framesCompared++;
    if (f.number !== n) bad(n, `our frame number ${f.number} ≠ ${n}`);
    if (f.linkType === LINKTYPE_CUSTOM_BLOCK) {
      // A pcapng custom block. tshark: a 'data' frame, no time, its bytes the block's body after the PEN
      // (so frame.len = cap_len). Ours: no bytes, the previous frame's time (0 when first), NonIp.
      out.customBlockFrames.push(n);
      if (row['frame.time_epoch'] !== '') bad(n, `custom block, but tshark gives it a time ${row['frame.time_epoch']}`);
      if (row['ip.src'] !== '' || row['ipv6.src'] !== '' || row['tcp.srcport'] !== '') bad(n, 'custom block, but tshark sees IP or TCP');
      if (row['frame.len'] !== row['frame.cap_len']) bad(n, `custom block: tshark frame.len ${row['frame.len']} ≠ cap_len ${row['frame.cap_len']}`);
      if (f.caplen !== 0 || f.origLen !== 0) bad(n, `custom block with caplen ${f.caplen}, origLen ${f.origLen}`);
      const prev = i > 0 ? ours[i - 1]!.frame : { tsSec: 0, tsNsec: 0 };
      if (f.tsSec !== prev.tsSec || f.tsNsec !== prev.tsNsec) bad(n, `custom block's time ${f.tsSec}.${f.tsNsec} is not the previous frame's`);
      if (o.decoded !== Decoded.NonIp) bad(n, `custom block decoded as ${decodedName(o.decoded)}, expected NonIp`);
      return;
    }
    // Simple Packet Blocks have no timestamp: tshark prints none.
    if (row['frame.time_epoch'] !== '') {
      const d = compareEpoch(row['frame.time_epoch'], f.tsSec, f.tsNsec);
      if (d) bad(n, d);
    }
    if (num(row['frame.len']) !== f.origLen) bad(n, `frame.len ${row['frame.len']} ≠ origLen ${f.origLen}`);
    if (num(row['frame.cap_len']) !== f.caplen) bad(n, `frame.cap_len ${row['frame.cap_len']} ≠ caplen ${f.caplen}`);

    const tsharkTcp = row['tcp.srcport'] !== '';
    const ourTcp = o.decoded === Decoded.Tcp;
    if (tsharkTcp && !ourTcp) {
      out.notTcp.push({ tshark: n, decoded: o.decoded });
      return;
    }
    if (!tsharkTcp && ourTcp) return bad(n, `we decode TCP, tshark does not (${o.seg!.srcPort} → ${o.seg!.dstPort})`);
    if (!tsharkTcp) {
      // Not TCP: tshark printing an IP address means IP (UDP, ICMP, ...): OtherIp; none means NonIp.
      const tsharkIp = row['ip.src'] !== '' || row['ipv6.src'] !== '';
      const want = tsharkIp ? Decoded.OtherIp : Decoded.NonIp;
      if (o.decoded !== want) {
        bad(n, `tshark: ${tsharkIp ? 'IP, not TCP' : 'not IP'}; ours ${decodedName(o.decoded)}, expected ${decodedName(want)}`);
      }
      out.nonTcpCompared++;
      return;
    }
    const s = o.seg!;
    out.tcpCompared++;

    const v4 = row['ip.src'] !== '';
    const v6 = row['ipv6.src'] !== '';
    if (v4 === v6) bad(n, `tshark gives ${v4 ? 'both IPv4 and IPv6' : 'no'} source address`);
    let tSrc = v4 ? row['ip.src'] : row['ipv6.src'];
    let tDst = v4 ? row['ip.dst'] : row['ipv6.dst'];
    if (innerOf) {
      tSrc = innerOf[tSrc] ?? `(no inner address known for outer ${tSrc})`;
      tDst = innerOf[tDst] ?? `(no inner address known for outer ${tDst})`;
    }
    if (s.ipVersion !== (v4 ? 4 : 6)) bad(n, `IP version ${s.ipVersion}, tshark ${v4 ? 4 : 6}`);
    const oSrc = formatAddress(s.ipVersion, s.src0, s.src1, s.src2, s.src3);
    const oDst = formatAddress(s.ipVersion, s.dst0, s.dst1, s.dst2, s.dst3);
    if (oSrc !== tSrc) bad(n, `src ${tSrc} ≠ ours ${oSrc}`);
    if (oDst !== tDst) bad(n, `dst ${tDst} ≠ ours ${oDst}`);

    const eq = (field: keyof TsharkRow, mine: number, name: string) => {
      if (num(row[field]) !== mine) bad(n, `${field} ${JSON.stringify(row[field])} ≠ ${name} ${mine}`);
    };
    eq('tcp.srcport', s.srcPort, 'srcPort');
    eq('tcp.dstport', s.dstPort, 'dstPort');
    eq('tcp.seq_raw', s.seq, 'seq');
    eq('tcp.ack_raw', s.ack, 'ack');
    eq('tcp.len', s.payloadLen, 'payloadLen');
    eq('tcp.window_size_value', s.window, 'window');

    // tshark: the 12-bit field after the data offset (3 reserved bits 0xe00, NS 0x100, CWR..FIN).
    // Segment.flags keeps NS and the 8 classic flags; the reserved bits are not kept.
    const tf = /^0x[0-9a-f]{4}$/.test(row['tcp.flags']) ? parseInt(row['tcp.flags'], 16) : NaN;
    if ((tf & 0x1ff) !== s.flags) bad(n, `tcp.flags ${row['tcp.flags']} ≠ flags 0x${s.flags.toString(16).padStart(4, '0')}`);
    if (s.flags & ~0x1ff) bad(n, `flags 0x${s.flags.toString(16)} has bits above NS`);
    if (tf & 0xe00) out.reservedFlagFrames.push(n);

    const opt = (field: keyof TsharkRow, mine: number, absent: boolean, name: string) => {
      if (row[field] === '') {
        if (!absent) bad(n, `${field} absent in tshark, ours ${name} = ${mine}`);
      } else if (absent || num(row[field]) !== mine) {
        bad(n, `${field} ${row[field]} ≠ ${name} ${absent ? '(absent)' : mine}`);
      }
    };
    opt('tcp.options.mss_val', s.mss, s.mss === -1, 'mss');
    opt('tcp.options.wscale.shift', s.wscale, s.wscale === -1, 'wscale');
    let hasTs = (s.optionMask & OPT_TIMESTAMP) !== 0;
    if (hasTs && s.badOptions && row['tcp.options.timestamp.tsval'] === '' && s.tsVal === 0 && s.tsEcr === 0) {
      // A timestamp option whose length is not 10: optionMask records the kind (it was seen), badOptions
      // is set, tsVal/tsEcr stay 0; tshark prints no values ("option length should be 10").
      out.malformedTsFrames.push(n);
      hasTs = false;
    }
    opt('tcp.options.timestamp.tsval', s.tsVal, !hasTs, 'tsVal');
    opt('tcp.options.timestamp.tsecr', s.tsEcr, !hasTs, 'tsEcr');
    const sackPerm = (s.optionMask & OPT_SACK_PERM) !== 0;
    if ((row['tcp.options.sack_perm'] !== '') !== sackPerm) {
      bad(n, `tcp.options.sack_perm ${JSON.stringify(row['tcp.options.sack_perm'])}, ours ${sackPerm ? 'present' : 'absent'}`);
    }
    if (row['tcp.options.sack_perm'] !== '' && row['tcp.options.sack_perm'] !== '0402') {
      bad(n, `tcp.options.sack_perm ${row['tcp.options.sack_perm']} is not the 2-byte option 0402`);
    }
  });
  return out;
}

const index = readIndex();
const existing = index.filter((r) => existsSync(fixture(r.file)));
const compared = existing.filter((r) => !(r.file in UNUSABLE) && !NO_TSV.includes(r.file)).map((r) => r.file);

describe('fixture inventory (guards the lists below against a changed expected/)', () => {
  it('INDEX.tsv lists only fixtures that exist, and all of them are classified', () => {
    expect(index.length).toBeGreaterThanOrEqual(60);
    expect(existing.map((r) => r.file)).toEqual(index.map((r) => r.file));
  });

  it('exactly the documented files have no TSV, and those tshark refused', () => {
    const noTsv = index.filter((r) => readTshark(r.file) === null).map((r) => r.file);
    expect(noTsv.sort()).toEqual([...NO_TSV].sort());
    for (const f of NO_TSV) expect(index.find((r) => r.file === f)!.tsharkExit, f).toBe(2);
  });

  it('exactly the documented files were read partially (tshark exit 2 after some frames)', () => {
    const partial = index.filter((r) => r.tsharkExit !== 0 && r.tsharkRows > 0 && !(r.file in UNUSABLE));
    expect(Object.fromEntries(partial.map((r) => [r.file, r.tsharkRows]))).toEqual(PARTIAL);
  });

  it('the TSV row counts agree with INDEX.tsv', () => {
    for (const r of index) {
      const rows = readTshark(r.file);
      if (rows) expect(rows.length, r.file).toBe(r.tsharkRows);
    }
  });
});

describe('reader + decoder vs tshark 4.0.17, frame by frame', () => {
  const totals = { tcp: 0, frames: 0, custom: 0, files: 0 };

  it.each(compared)('%s', async (rel) => {
    const rows = readTshark(rel)!;
    const dec = await decodeFile(rel);
    const cmp = compareRows(rel, rows, dec.frames);
    // Counted before any assertion, so one failing file does not also fail the totals test.
    totals.tcp += cmp.tcpCompared;
    totals.frames += cmp.framesCompared;
    totals.custom += cmp.customBlockFrames.length;
    totals.files++;

    if (rel in PARTIAL) {
      // tshark stopped at the fault; so must we, after exactly the same frames.
      expect(rows.length).toBe(PARTIAL[rel]);
      expect(dec.result.error, `${rel}: the fault`).not.toBeNull();
      expect(dec.frames.length).toBe(PARTIAL[rel]);
    } else {
      // One frame per tshark frame: packets, and pcapng custom blocks.
      expect(dec.result.error, `${rel}: read error`).toBeNull();
      expect(dec.frames.length, `${rel}: frames`).toBe(rows.length);
    }
    expect(dec.result.frames).toBe(dec.frames.length);

    expect(cmp.mismatches, cmp.mismatches.join('\n')).toEqual([]);

    // Frames tshark decodes as TCP and we do not: only the named exceptions, exactly.
    const exc = NOT_TCP_EXCEPTIONS[rel];
    const got = cmp.notTcp.map((x) => `frame ${x.tshark}: ours ${decodedName(x.decoded)}`);
    if (!exc) {
      expect(got, `${rel}: frames tshark decodes as TCP and we do not:\n${got.join('\n')}`).toEqual([]);
    } else {
      const tsharkTcpFrames = rows.filter((r) => r['tcp.srcport'] !== '').map((r) => Number(r['frame.number']));
      const want = exc.frames === 'all' ? tsharkTcpFrames : exc.frames;
      expect(want.length).toBeGreaterThan(0);
      expect(cmp.notTcp.map((x) => x.tshark), `${rel}: ${exc.why}`).toEqual(want);
      for (const x of cmp.notTcp) expect(x.decoded, `${rel} frame ${x.tshark}`).toBe(exc.ours);
      expect(dec.decoder.stats.toObject()[exc.statKind], `${rel}: stats ${exc.statKind}`).toBe(want.length);
    }

    // Custom blocks: exactly the named frames, each counted by the decoder as non-IP of its own kind.
    const custom = CUSTOM_BLOCK_FRAMES[rel] ?? [];
    expect(cmp.customBlockFrames, `${rel}: custom-block frames`).toEqual(custom);
    expect(dec.decoder.stats.toObject()['pcapng-custom-block'] ?? 0, `${rel}: stats pcapng-custom-block`).toBe(custom.length);

    // The decoder's counters add up to the frames read, and its TCP count is the TCP frames.
    const c = dec.decoder.counts;
    expect(c.tcp + c.otherIp + c.nonIp + c.truncated + c.malformed).toBe(dec.frames.length);
    expect(c.tcp).toBe(dec.frames.filter((f) => f.decoded === Decoded.Tcp).length);

    // Not vacuous: every row was compared; TCP fields were compared wherever tshark saw TCP.
    const tsharkTcp = rows.filter((r) => r['tcp.srcport'] !== '').length;
    expect(cmp.framesCompared).toBe(rows.length);
    expect(cmp.tcpCompared).toBe(tsharkTcp - cmp.notTcp.length);
    if (rel !== 'public/empty.pcap') expect(cmp.framesCompared, rel).toBeGreaterThan(0);
  });

  it('compared a real amount of data (runs after the per-file tests)', () => {
    expect(totals.files).toBe(compared.length);
    expect(compared.length).toBeGreaterThanOrEqual(55);
    // 3 220 rows in these TSVs, all compared, 3 of them pcapng custom blocks; 2 567 are TCP in tshark's
    // view, and all of them have their TCP fields compared.
    expect(totals.frames).toBe(3220);
    expect(totals.custom).toBe(3);
    expect(totals.tcp).toBe(2567);
  });
});

describe('pcapng custom blocks: frames of their own, numbered as tshark numbers them', () => {
  it('le_test202: 11 records (frames 1, 7, 10 custom blocks), capinfos counts 8 packets', async () => {
    // test202's block sequence (its .expected.txt) has CB, DCB, DCB between packets; tshark 4.0.17
    // shows each as a 'data' frame with no timestamp: frames 1, 7 and 10 of its 11.
    const rel = 'public/pcapng-test-generator_le_test202.pcapng';
    const rows = readTshark(rel)!;
    expect(rows.length).toBe(11);
    for (const n of [1, 7, 10]) {
      expect(rows[n - 1]!['frame.time_epoch'], `tshark frame ${n}`).toBe('');
      expect(rows[n - 1]!['ip.src'] + rows[n - 1]!['ipv6.src']).toBe('');
    }
    const dec = await decodeFile(rel);
    // The reader's summary counts 11 records; capinfos counts the 8 packets among them.
    expect(dec.result.frames).toBe(11);
    expect(dec.frames.length).toBe(11);
    expect(capinfosPackets(rel)).toBe(8);
    expect(dec.frames.filter((f) => f.frame.linkType !== LINKTYPE_CUSTOM_BLOCK).length).toBe(8);
    expect(dec.frames.filter((f) => f.frame.linkType === LINKTYPE_CUSTOM_BLOCK).map((f) => f.frame.number)).toEqual([1, 7, 10]);
    expect(dec.frames.map((f) => f.frame.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // tshark's cap_len of a custom block is its block length less 16 (type, length, PEN, trailing length).
    const blocks = walkPcapng(readFileSync(fixture(rel))).filter((b) => PCAPNG_CUSTOM_BLOCKS.has(b.type));
    expect([1, 7, 10].map((n) => Number(rows[n - 1]!['frame.cap_len']))).toEqual(blocks.map((b) => b.length - 16));
    // All three are non-IP frames of their own kind.
    expect(dec.decoder.stats.toObject()['pcapng-custom-block']).toBe(3);
    expect([1, 7, 10].map((n) => dec.frames[n - 1]!.decoded)).toEqual([Decoded.NonIp, Decoded.NonIp, Decoded.NonIp]);
  });

  it('no other fixture holds a custom block (by the test\'s own block walker)', () => {
    for (const r of index.map((x) => x.file).filter((f) => f.endsWith('.pcapng') && f !== 'public/shb-option-too-long.pcapng')) {
      const n = walkPcapng(readFileSync(fixture(r))).filter((b) => PCAPNG_CUSTOM_BLOCKS.has(b.type)).length;
      expect(n, r).toBe(CUSTOM_BLOCK_FRAMES[r]?.length ?? 0);
    }
  });
});

describe('documented differences, asserted as such', () => {
  it('TCP reserved bits (0xe00) are not kept in Segment.flags: rst-inject-rae frame 2 is 0x0f14 in tshark, 0x114 ours', async () => {
    const rel = 'public/rst-inject-rae.pcap';
    const rows = readTshark(rel)!;
    const dec = await decodeFile(rel);
    const cmp = compareRows(rel, rows, dec.frames);
    expect(cmp.reservedFlagFrames).toEqual([2]);
    expect(rows[1]!['tcp.flags']).toBe('0x0f14');
    expect(dec.frames[1]!.seg!.flags).toBe(0x114); // NS + RST + ACK
    // And no other fixture sets a reserved bit.
    let others = 0;
    for (const r of compared) {
      if (r === rel) continue;
      others += readTshark(r)!.filter((x) => x['tcp.flags'] !== '' && parseInt(x['tcp.flags'], 16) & 0xe00).length;
    }
    expect(others).toBe(0);
  });

  it('a timestamp option of the wrong length (truncated-header frame 1, kind 8 length 8) is flagged, not read', async () => {
    const rel = 'public/truncated-header.pcap';
    const rows = readTshark(rel)!;
    const dec = await decodeFile(rel);
    const cmp = compareRows(rel, rows, dec.frames);
    expect(cmp.malformedTsFrames).toEqual([1]);
    const s = dec.frames[0]!.seg!;
    expect(s.badOptions).toBe(true);
    expect(s.optionMask & OPT_TIMESTAMP).toBe(OPT_TIMESTAMP);
    expect([s.mss, s.tsVal, s.tsEcr]).toEqual([1460, 0, 0]);
    expect(s.optionMask & OPT_SACK_PERM).toBe(OPT_SACK_PERM);
    expect(dec.decoder.badOptionFrames).toBe(1);
    expect(dec.decoder.firstBadOptionFrame).toBe(1);
    // Nowhere else.
    for (const r of compared) {
      if (r === rel || r in NOT_TCP_EXCEPTIONS) continue;
      const d = await decodeFile(r);
      const rr = readTshark(r)!;
      expect(compareRows(r, rr, d.frames).malformedTsFrames, r).toEqual([]);
    }
  });

  it('AH-IPcomp-IPv6: all 15 frames are TCP (7 behind IPComp); the endpoints are the inner IPv6 addresses, not the outer ones in the TSV', async () => {
    const rel = 'public/AH-IPcomp-IPv6.pcap';
    const dec = await decodeFile(rel);
    const tcp = dec.frames.filter((f) => f.decoded === Decoded.Tcp);
    expect(tcp.map((f) => f.frame.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(dec.decoder.stats.toObject()).toEqual({});
    const pairs = new Set(
      tcp.map((f) => {
        const s = f.seg!;
        return `${formatAddress(6, s.src0, s.src1, s.src2, s.src3)} > ${formatAddress(6, s.dst0, s.dst1, s.dst2, s.dst3)}`;
      }),
    );
    expect([...pairs].sort()).toEqual(['2003::8c00:1 > 4000::1', '4000::1 > 2003::8c00:1']);
    const rows = readTshark(rel)!;
    expect(new Set(rows.map((r) => r['ipv6.src']))).toEqual(new Set(['2002::2', '2000::1']));
  });

  it('get-huge-record.pcap: records 1-2 are get.pcap\'s (tshark misreads this file, so get.pcap\'s rows are the oracle)', async () => {
    const rel = 'crafted/get-huge-record.pcap';
    const rows = readTshark('public/get.pcap')!.slice(0, 2);
    const dec = await decodeFile(rel);
    expect(dec.frames.length).toBe(2);
    expect(dec.result.error).not.toBeNull();
    expect(dec.result.error!.frameNumber).toBe(3);
    const cmp = compareRows(rel, rows, dec.frames);
    expect(cmp.mismatches, cmp.mismatches.join('\n')).toEqual([]);
    expect(cmp.tcpCompared).toBe(2);
    // tshark's own view, for the record: 2 frames, the second with the Nokia-misparsed length.
    const t = readTshark(rel)!;
    expect(t.length).toBe(2);
    expect(t[1]!['frame.len']).toBe('2147483647');
  });

  it('the three files tshark accepts and tcpdiag rejects give no frames at all', async () => {
    for (const rel of Object.keys(UNUSABLE).filter((r) => r !== 'crafted/get-huge-record.pcap')) {
      expect(readTshark(rel)!.length, rel).toBeGreaterThan(0);
      const dec = await decodeFile(rel);
      expect(dec.frames.length, rel).toBe(0);
      expect(dec.result.error, rel).not.toBeNull();
      expect(dec.result.format, rel).toBeNull();
    }
  });

  it('the pcapng block walker (oracle.ts) agrees with the generator\'s block sequences', () => {
    // public/pcapng-test-generator_*.expected.txt lists each file's blocks; the walker must see them.
    for (const name of ['le_test010', 'be_test016', 'le_test202']) {
      const base = `public/pcapng-test-generator_${name}.pcapng`;
      const text = readFileSync(fixture(`${base}.expected.txt`), 'utf8');
      const seq = /^Block sequence: (.*)$/m.exec(text)![1]!.split(', ');
      const names: Record<number, string> = { 0x0a0d0d0a: 'SHB', 1: 'IDB', 2: 'PB', 3: 'SPB', 4: 'NRB', 5: 'ISB', 6: 'EPB', 0xbad: 'CB', 0x40000bad: 'DCB' };
      const walked = walkPcapng(readFileSync(fixture(base))).map((b) => names[b.type] ?? `type ${b.type}`);
      expect(walked, base).toEqual(seq);
    }
  });
});
