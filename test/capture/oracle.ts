// Shared by test/capture and test/decode: where the fixtures are, how to read the tshark/capinfos
// oracle in fixtures/expected/, and a reader sink that copies what it keeps (the reader reuses one
// Frame and its buffer). Nothing here calls the decoder; the pcapng block walker is written from
// the pcapng spec independently of src/capture/pcapng.ts, so it can serve as a second opinion.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCapture, type ReadOptions, type ReadResult } from '../../src/capture/reader.js';
import type { Frame } from '../../src/capture/frame.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const EXPECTED = `${FIXTURES}expected/`;

/** Absolute path of a fixture given as `public/get.pcap`. */
export function fixture(rel: string): string {
  return `${FIXTURES}${rel}`;
}

/** `public/get.pcap` → `public__get.pcap`, the key of its files in expected/. */
export function expectedKey(rel: string): string {
  return rel.replaceAll('/', '__');
}

export interface IndexRow {
  file: string;
  bytes: number;
  tsharkExit: number;
  tsharkRows: number;
  tsharkStderr: boolean;
  capinfosExit: number;
  capinfosStderr: boolean;
}

/** fixtures/expected/INDEX.tsv: one row per capture file the oracle was recorded for. */
export function readIndex(): IndexRow[] {
  const lines = readFileSync(`${EXPECTED}INDEX.tsv`, 'latin1').split('\n').filter((l) => l.length > 0);
  const head = lines[0]!.split('\t');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`INDEX.tsv has no column ${name}`);
    return i;
  };
  const c = {
    file: col('file'), bytes: col('bytes'), tshark_exit: col('tshark_exit'), tshark_rows: col('tshark_rows'),
    tshark_stderr: col('tshark_stderr'), capinfos_exit: col('capinfos_exit'), capinfos_stderr: col('capinfos_stderr'),
  };
  return lines.slice(1).map((l) => {
    const v = l.split('\t');
    return {
      file: v[c.file]!,
      bytes: Number(v[c.bytes]),
      tsharkExit: Number(v[c.tshark_exit]),
      tsharkRows: Number(v[c.tshark_rows]),
      tsharkStderr: v[c.tshark_stderr] === 'yes',
      capinfosExit: Number(v[c.capinfos_exit]),
      capinfosStderr: v[c.capinfos_stderr] === 'yes',
    };
  });
}

export const TSHARK_FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags', 'tcp.len', 'tcp.window_size_value',
  'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr', 'tcp.options.sack_perm',
] as const;
export type TsharkField = (typeof TSHARK_FIELDS)[number];
/** One TSV row: field → cell ('' when tshark printed nothing). */
export type TsharkRow = Record<TsharkField, string>;

/** `<key>.tshark.tsv`, or null when tshark printed nothing for the file. */
export function readTshark(rel: string): TsharkRow[] | null {
  const p = `${EXPECTED}${expectedKey(rel)}.tshark.tsv`;
  if (!existsSync(p)) return null;
  const lines = readFileSync(p, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const head = lines[0]!.split('\t');
  const idx = TSHARK_FIELDS.map((f) => {
    const i = head.indexOf(f);
    if (i < 0) throw new Error(`${p}: no column ${f}`);
    return i;
  });
  return lines.slice(1).map((l) => {
    const v = l.split('\t');
    if (v.length !== head.length) throw new Error(`${p}: row with ${v.length} cells, header has ${head.length}: ${l}`);
    const row = {} as TsharkRow;
    TSHARK_FIELDS.forEach((f, k) => {
      row[f] = v[idx[k]!]!;
    });
    return row;
  });
}

export function readExpectedText(rel: string, suffix: string): string | null {
  const p = `${EXPECTED}${expectedKey(rel)}.${suffix}`;
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

/** `Number of packets:` from `<key>.capinfos.txt` (capinfos -M), or null. */
export function capinfosPackets(rel: string): number | null {
  const t = readExpectedText(rel, 'capinfos.txt');
  if (t === null) return null;
  const m = /^Number of packets:\s+(\d+)\s*$/m.exec(t);
  if (!m) throw new Error(`${rel}: capinfos.txt has no "Number of packets" line`);
  return Number(m[1]);
}

/**
 * tshark's `frame.time_epoch` against our seconds + nanoseconds, at the precision tshark printed
 * (all 4.0.17 outputs here have 9 decimals; fewer would be compared as a truncated prefix).
 * Returns null when they agree, else a description. Strings only: no float ever touches a timestamp.
 */
export function compareEpoch(tshark: string, sec: number, nsec: number): string | null {
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(tshark);
  if (!m) return `unparseable time ${JSON.stringify(tshark)}`;
  const frac = m[2] ?? '';
  if (!Number.isInteger(sec) || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) {
    return `ours is not a valid sec/nsec pair: ${sec} / ${nsec}`;
  }
  const ourSec = BigInt(sec).toString();
  const ourFrac = String(nsec).padStart(9, '0');
  const want = frac.length <= 9 ? ourFrac.slice(0, frac.length) : ourFrac.padEnd(frac.length, '0');
  if (m[1] !== ourSec || frac !== want) return `time ${tshark} ≠ ours ${ourSec}.${ourFrac}`;
  return null;
}

export interface CopiedFrame {
  number: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  interfaceId: number;
  caplen: number;
  origLen: number;
  fileOffset: number;
  /** A copy of the captured bytes. */
  data: Buffer;
}

export interface Warning {
  message: string;
  fileOffset: number;
  frameNumber: number;
}

export interface Collected {
  result: ReadResult;
  frames: CopiedFrame[];
  warnings: Warning[];
}

export function copyFrame(f: Frame): CopiedFrame {
  return {
    number: f.number,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    linkType: f.linkType,
    interfaceId: f.interfaceId,
    caplen: f.caplen,
    origLen: f.origLen,
    fileOffset: f.fileOffset,
    data: Buffer.from(f.buf.subarray(f.offset, f.offset + f.caplen)),
  };
}

/** Reads a whole capture with readCapture, copying every frame. `onFrame` sees the live Frame first. */
export async function collect(path: string, opts: ReadOptions = {}, onFrame?: (f: Frame) => void): Promise<Collected> {
  const frames: CopiedFrame[] = [];
  const warnings: Warning[] = [];
  const result = await readCapture(
    path,
    {
      onFrame(f) {
        onFrame?.(f);
        frames.push(copyFrame(f));
      },
      onWarning(message, fileOffset, frameNumber) {
        warnings.push({ message, fileOffset, frameNumber });
      },
    },
    opts,
  );
  return { result, frames, warnings };
}

/** pcapng custom block types (copyable, local): Wireshark numbers each as a frame, and so does the reader. */
export const PCAPNG_CUSTOM_BLOCKS = new Set([0x00000bad, 0x40000bad]);

export interface PcapngBlock {
  type: number;
  offset: number;
  length: number;
  littleEndian: boolean;
  section: number;
}

/**
 * Walks a well-formed pcapng file block by block (straight from the spec: each SHB's byte-order
 * magic sets the order of its section). Throws on anything odd; only meant for good fixtures.
 */
export function walkPcapng(buf: Buffer): PcapngBlock[] {
  const out: PcapngBlock[] = [];
  let pos = 0;
  let le = true;
  let section = -1;
  while (pos < buf.length) {
    if (buf.length - pos < 12) throw new Error(`pcapng walk: ${buf.length - pos} stray bytes at ${pos}`);
    if (buf.readUInt32LE(pos) === 0x0a0d0d0a) {
      const magic = buf.readUInt32LE(pos + 8);
      if (magic === 0x1a2b3c4d) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else throw new Error(`pcapng walk: bad byte-order magic at ${pos}`);
      section++;
    }
    const type = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
    const length = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
    if (length < 12 || length % 4 !== 0 || pos + length > buf.length) throw new Error(`pcapng walk: bad length ${length} at ${pos}`);
    const trailer = le ? buf.readUInt32LE(pos + length - 4) : buf.readUInt32BE(pos + length - 4);
    if (trailer !== length) throw new Error(`pcapng walk: trailer ${trailer} ≠ ${length} at ${pos}`);
    out.push({ type, offset: pos, length, littleEndian: le, section });
    pos += length;
  }
  return out;
}
