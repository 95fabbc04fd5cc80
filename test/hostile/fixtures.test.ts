// The hand-made hostile fixtures (fixtures/hostile/, written by scripts/fixtures/make_hostile.py): for
// each kind of damage, where the frame lands (malformed, truncated, ...), the exact fault or warning,
// and that the frames around it still count. See fixtures/hostile/README.md.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { Connection } from '../../src/track/connection.js';
import { trackCapture, type CaptureSummary } from '../../src/track/run.js';
import { checkSummary, faultLine } from './lib/index.mjs';

const DIR = fileURLToPath(new URL('../../fixtures/hostile/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

interface Run {
  s: CaptureSummary;
  conns: Connection[];
}

async function run(path: string, opts: { chunkBytes?: number } = {}): Promise<Run> {
  const conns: Connection[] = [];
  const s = await trackCapture(path, (c) => conns.push(c), opts);
  // The promises every input keeps, whatever it holds.
  const ids = new Set(conns.map((c) => c.id));
  const bytes = readFileSync(path);
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  expect(checkSummary(s, { count: conns.length, dupes: conns.length - ids.size }, { gz, plainLength: gz ? -1 : bytes.length })).toEqual([]);
  return { s, conns };
}

type Counts = Partial<Pick<CaptureSummary, 'packets' | 'tcp' | 'otherIp' | 'nonIp' | 'truncated' | 'malformed'>>;

interface Case {
  file: string;
  counts: Counts;
  error?: { message: RegExp; offset: number; frame: number };
  warning?: RegExp;
}

const ZERO = { otherIp: 0, nonIp: 0, truncated: 0, malformed: 0 };

const CASES: Case[] = [
  // pcap record lengths
  { file: 'pcap-caplen-zero.pcap', counts: { packets: 5, tcp: 3, ...ZERO, truncated: 1, malformed: 1 } },
  {
    file: 'pcap-caplen-over-snaplen.pcap',
    counts: { packets: 3, tcp: 3, ...ZERO },
    warning: /^record holds 58 bytes, more than the file's snaplen 56; read as is \(byte offset 24, frame 1\)$/,
  },
  {
    file: 'pcap-caplen-over-256k.pcap',
    counts: { packets: 2, tcp: 2, ...ZERO },
    error: { message: /^record header claims 262145 captured bytes \(0x00040001\), more than the 262144-byte maximum/, offset: 172, frame: 3 },
  },
  {
    file: 'pcap-caplen-past-eof.pcap',
    counts: { packets: 2, tcp: 2, ...ZERO },
    error: { message: /^the file ends in the middle of a record: 36 of its 1016 bytes are present \(cut short\)$/, offset: 172, frame: 3 },
  },
  // pcapng block lengths
  {
    file: 'pcapng-block-length-zero.pcapng',
    counts: { packets: 1, tcp: 1, ...ZERO },
    error: { message: /^block length 0 is smaller than a block header$/, offset: 140, frame: 2 },
  },
  {
    file: 'pcapng-block-length-unaligned.pcapng',
    counts: { packets: 1, tcp: 1, ...ZERO },
    error: { message: /^block length 90 is not a multiple of 4$/, offset: 140, frame: 2 },
  },
  {
    file: 'pcapng-trailing-length-mismatch.pcapng',
    counts: { packets: 1, tcp: 1, ...ZERO },
    error: { message: /^block trailing length 96 disagrees with its leading length 92$/, offset: 140, frame: 2 },
  },
  {
    file: 'pcapng-epb-smaller-than-header.pcapng',
    counts: { packets: 1, tcp: 1, ...ZERO },
    error: { message: /^packet block of 20 bytes is shorter than its 32-byte header$/, offset: 140, frame: 2 },
  },
  {
    file: 'pcapng-idb-smaller-than-header.pcapng',
    counts: { packets: 0, tcp: 0, ...ZERO },
    error: { message: /^interface description block of 16 bytes is shorter than its 20-byte minimum$/, offset: 28, frame: 1 },
  },
  {
    file: 'pcapng-undeclared-interface.pcapng',
    counts: { packets: 3, tcp: 2, ...ZERO, malformed: 1 },
    warning: /^packet on interface 3, which no interface description block declared \(byte offset 140, frame 2\)$/,
  },
  {
    file: 'pcapng-shb-cut.pcapng',
    counts: { packets: 0, tcp: 0, ...ZERO },
    error: { message: /^the file ends 16 bytes into the pcapng section header block \(cut short\)$/, offset: 0, frame: 1 },
  },
  // A link header cut short: malformed when the wire frame was that short too, truncated when the snaplen cut it.
  { file: 'sll-header-short.pcap', counts: { packets: 4, tcp: 2, ...ZERO, malformed: 1, truncated: 1 } },
  // IPv4
  { file: 'ipv4-ihl-below-5.pcap', counts: { packets: 4, tcp: 2, ...ZERO, malformed: 2 } },
  { file: 'ipv4-total-length-below-header.pcap', counts: { packets: 5, tcp: 2, ...ZERO, malformed: 3 } },
  // IPv6
  { file: 'ipv6-payload-length-past-frame.pcap', counts: { packets: 4, tcp: 2, ...ZERO, malformed: 1, truncated: 1 } },
  { file: 'ipv6-extension-loop.pcap', counts: { packets: 3, tcp: 2, ...ZERO, malformed: 1 } },
  { file: 'ipv6-extension-runoff.pcap', counts: { packets: 4, tcp: 2, ...ZERO, malformed: 2 } },
  // TCP
  { file: 'tcp-data-offset-below-5.pcap', counts: { packets: 4, tcp: 2, ...ZERO, malformed: 2 } },
  { file: 'tcp-data-offset-past-frame.pcap', counts: { packets: 4, tcp: 3, ...ZERO, malformed: 1 } },
  ...['tcp-option-length-zero.pcap', 'tcp-option-length-one.pcap', 'tcp-option-past-header.pcap'].map((file) => ({
    file,
    counts: { packets: 3, tcp: 3, ...ZERO },
    warning: /^1 TCP segments carried malformed options \(first: frame 2\); decoded up to the bad option$/,
  })),
  {
    file: 'tcp-sack-odd-length.pcap',
    counts: { packets: 4, tcp: 4, ...ZERO },
    warning: /^1 TCP segments carried malformed options \(first: frame 4\)/,
  },
  // Time
  { file: 'time-backwards-merged.pcapng', counts: { packets: 9, tcp: 9, ...ZERO } },
  // tshark: frame 4 is stamped 3599.999 s before frame 3, and the frames after it go on from there; the
  // 3 ms of time-backwards-merged are a tap's clock, not out of order: no warning.
  {
    file: 'time-clock-step.pcap',
    counts: { packets: 12, tcp: 12, ...ZERO },
    warning: /^the capture steps back in time by more than 1 s between consecutive frames \(at frame 4, 60\.0 min back\): its records are out of time order .* `reordercap IN OUT` sorts them, or give the pieces to --merge$/,
  },
];

describe('hand-made hostile fixtures', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const { s } = await run(join(DIR, c.file));
      expect(s).toMatchObject(c.counts);
      if (c.error) {
        expect(s.partial).toBe(true);
        expect(s.error).toMatch(c.error.message);
        expect(s.errorOffset).toBe(c.error.offset);
        expect(s.errorFrame).toBe(c.error.frame);
        const line = faultLine(s);
        expect(line).not.toMatch(/\n/);
        expect(line).toContain(`${c.file}: `);
        expect(line).toContain(`byte offset ${c.error.offset}, frame ${c.error.frame}`);
      } else {
        expect(s.error).toBeNull();
        expect(s.partial).toBe(false);
      }
      if (c.warning) expect(s.warnings).toEqual(expect.arrayContaining([expect.stringMatching(c.warning)]));
      else expect(s.warnings).toEqual([]);
    });
  }

  it('every fixture in the folder has a case here', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync(DIR).filter((n) => /\.pcap(ng)?$/.test(n)).sort();
    expect(files).toEqual(CASES.map((c) => c.file).sort());
  });

  it('the fixtures are what make_hostile.py writes', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('python3', [fileURLToPath(new URL('../../scripts/fixtures/make_hostile.py', import.meta.url)), '--check'], { encoding: 'utf8' });
    if (r.error) return; // no python3 here: nothing to compare with
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('bad frames do not stop the connection around them: the handshake still completes', async () => {
    for (const file of ['pcap-caplen-zero.pcap', 'pcapng-undeclared-interface.pcapng', 'tcp-option-length-zero.pcap', 'tcp-data-offset-past-frame.pcap']) {
      const { conns } = await run(join(DIR, file));
      expect(conns, file).toHaveLength(1);
      expect(conns[0]!.synFrame, file).toBe(1);
    }
    const { conns } = await run(join(DIR, 'pcap-caplen-zero.pcap'));
    expect(conns[0]!.synAckFrame).toBe(4);
    expect(conns[0]!.handshakeAckFrame).toBe(5);
  });

  it('a bad option keeps the options before it and flags the segment', async () => {
    // tcp-option-length-one: NOP, then kind 8 with length 1; nothing before it to keep, but the segment is TCP.
    const { conns } = await run(join(DIR, 'tcp-sack-odd-length.pcap'));
    expect(conns[0]!.handshakeAckFrame).toBe(3);
    expect(conns[0]!.client.packets).toBe(3);
  });
});

describe('time running backwards', () => {
  it('merged taps with a 3 ms clock difference: one connection, handshake, data and close all seen', async () => {
    const { s, conns } = await run(join(DIR, 'time-backwards-merged.pcapng'));
    expect(s.connections).toBe(1);
    const c = conns[0]!;
    expect(c.history).toBe('ShADadFf');
    expect([c.synFrame, c.synAckFrame, c.handshakeAckFrame]).toEqual([1, 2, 3]);
    // The SYN-ACK is stamped 2 ms before the SYN it answers; nothing goes negative where it must not.
    expect(c.synAckTime).toBeLessThan(c.synTime);
    expect(c.duration).toBeGreaterThanOrEqual(0);
    expect(c.clientFirstDataFrame).toBe(4);
    expect(c.serverFirstDataFrame).toBe(6);
    expect(c.firstFin).toBe('client');
    // The earliest and latest frame, as capinfos gives them (First packet 23:59:59.998, Last 00:00:00.006): the SYN-ACK, not the first frame.
    expect(s.firstTime).toEqual({ sec: 1704067199, nsec: 998_000_000 });
    expect(s.lastTime).toEqual({ sec: 1704067200, nsec: 6_000_000 });
  });

  it('a clock step back by an hour splits nothing: A carries on across it, B opens after it', async () => {
    const { s, conns } = await run(join(DIR, 'time-clock-step.pcap'));
    expect(s.connections).toBe(2);
    // capinfos: First packet 2023-12-31 23:01:40.003 (after the step), Last 2024-01-01 00:01:40.002, 3599.999 s.
    expect([s.firstTime, s.lastTime]).toEqual([{ sec: 1704063700, nsec: 3_000_000 }, { sec: 1704067300, nsec: 2_000_000 }]);
    const a = conns.find((c) => c.cPort === 40000)!;
    const b = conns.find((c) => c.cPort === 40001)!;
    expect(a.history).toBe('ShADaFf');
    expect([a.firstFrame, a.lastFrame, a.handshakeAckFrame, a.clientFirstDataFrame, a.finFrame]).toEqual([1, 12, 3, 4, 10]);
    expect(a.reusesEarlier).toBe(false);
    expect(b.history).toBe('ShAR');
    expect([b.synFrame, b.handshakeAckFrame, b.rstFrame]).toEqual([6, 8, 9]);
    for (const c of conns) expect(c.duration).toBeGreaterThanOrEqual(0);
  });

  it('a capture whose halves were swapped says so: where, and how far back', async () => {
    // tshark -T fields -e frame.number -e frame.time_epoch: frame 219 (…060.875202386) is 18.097631796 s before
    // frame 218 (…078.972834182), and the frames after it go on from there.
    const { s } = await run(join(FIXTURES, 'lab-nsec/accept-overflow-abort1/server-out-of-order.pcap.gz'));
    expect(s.packets).toBe(437);
    expect(s.warnings).toEqual([expect.stringMatching(/^the capture steps back in time by more than 1 s between consecutive frames \(at frame 219, 18\.1 s back\)/)]);
    const inOrder = await run(join(FIXTURES, 'lab-nsec/accept-overflow-abort1/server.pcap.gz'));
    expect(inOrder.s.warnings).toEqual([]);
  });

  it('a lone frame stamped far from both neighbours is a bad timestamp, not a capture out of order', async () => {
    // tshark: pcapng-example's frame 2 is 2894531997.938836488, frames 1 and 3 1422527998.578…: 46.6 years
    // (of 365.25 days) ahead of both; tls_DER-incomplete-header's frame 2 is 761195582.033594, frames 1 and 3
    // 1429518024.029…: 21.2 years behind.
    const ahead = await run(join(FIXTURES, 'public/pcapng-example.pcapng'));
    expect(ahead.s.warnings.filter((w) => /stamped|steps back/.test(w))).toEqual([
      'frame 2 is stamped 46.6 years after the frames on either side of it: a bad timestamp, not records out of order; its times are used as stamped',
    ]);
    const behind = await run(join(FIXTURES, 'public/tls_DER-incomplete-header.pcap'));
    expect(behind.s.warnings.filter((w) => /stamped|steps back/.test(w))).toEqual([
      'frame 2 is stamped 21.2 years before the frames on either side of it: a bad timestamp, not records out of order; its times are used as stamped',
    ]);
  });

  it('the order of equal-time and backwards frames does not depend on chunking', async () => {
    for (const file of ['time-backwards-merged.pcapng', 'time-clock-step.pcap']) {
      const a = await run(join(DIR, file));
      const b = await run(join(DIR, file), { chunkBytes: 7 });
      expect({ ...b.s, path: '' }).toEqual({ ...a.s, path: '' });
      expect(b.conns.map((c) => c.history)).toEqual(a.conns.map((c) => c.history));
    }
  });
});

describe('gzip', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tcpdiag-hostile-gz-'));
  const plain = readFileSync(join(FIXTURES, 'lab', 'accept-overflow-abort0-server.pcap'));
  const gz = gzipSync(plain, { level: 9 });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a cut .gz keeps every frame zlib could decompress, however it is read', async () => {
    for (const frac of [0.1, 0.5, 0.9, 0.99]) {
      const cut = gz.subarray(0, Math.floor(gz.length * frac));
      // What a lenient inflater gets out of the cut stream: the frames in it must all count.
      const avail = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH });
      const path = join(tmp, `cut-${frac}.pcap.gz`);
      writeFileSync(path, cut);
      const plainPath = join(tmp, `cut-${frac}.pcap`);
      writeFileSync(plainPath, avail);
      const ref = await run(plainPath);
      for (const chunkBytes of [undefined, 64, 4096]) {
        const { s } = await run(path, { chunkBytes });
        expect(s.error, `${frac} ${chunkBytes}`).toMatch(/^gzip data is corrupt or cut short: unexpected end of file$/);
        expect(s.packets, `${frac} ${chunkBytes}`).toBe(ref.s.packets);
        expect(s.errorOffset, `${frac} ${chunkBytes}`).toBe(ref.s.errorOffset ?? avail.length);
      }
    }
  });

  it('a .gz whose first read is one byte is still recognised', async () => {
    const path = join(FIXTURES, 'crafted', 'get.pcap.gz');
    const a = await run(path);
    const b = await run(path, { chunkBytes: 1 });
    expect(a.s.gzip).toBe(true);
    expect({ ...b.s, path: '' }).toEqual({ ...a.s, path: '' });
  });
});
