import { CaptureError, type FrameSink } from './frame.js';
import { newFrame } from './frame.js';
import { hex32, u16be, u16le, u32be, u32le } from './bytes.js';
import { MAX_PACKET_BYTES, type RecordParser } from './record-parser.js';
import { MICROSECOND_RESOLUTION, NANOSECOND_RESOLUTION, type TimestampResolution } from './timestamp-resolution.js';

export const PCAP_FILE_HEADER_BYTES = 24;

const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;
// Alexey Kuznetzov's patched libpcap: 8 more bytes per record header.
const MAGIC_MODIFIED = 0xa1b2cd34;

export interface PcapHeader {
  littleEndian: boolean;
  nanoseconds: boolean;
  modified: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linkType: number;
}

/** Reads the 24-byte global header; null when the magic is not classic pcap. */
export function parsePcapHeader(b: Uint8Array): PcapHeader | null {
  const le = u32le(b, 0);
  const be = u32be(b, 0);
  let littleEndian: boolean;
  let magic: number;
  if (le === MAGIC_USEC || le === MAGIC_NSEC || le === MAGIC_MODIFIED) {
    littleEndian = true;
    magic = le;
  } else if (be === MAGIC_USEC || be === MAGIC_NSEC || be === MAGIC_MODIFIED) {
    littleEndian = false;
    magic = be;
  } else {
    return null;
  }
  const u16 = littleEndian ? u16le : u16be;
  const u32 = littleEndian ? u32le : u32be;
  return {
    littleEndian,
    nanoseconds: magic === MAGIC_NSEC,
    modified: magic === MAGIC_MODIFIED,
    versionMajor: u16(b, 4),
    versionMinor: u16(b, 6),
    snaplen: u32(b, 16),
    // The upper bits hold the FCS length flags (LINKTYPE_ spec): keep the type only.
    linkType: u32(b, 20) & 0x0fffffff,
  };
}

export function checkPcapVersion(h: PcapHeader): string | null {
  // libpcap accepts 2.x and the odd 543.0 written by some old tools; nothing else.
  if (h.versionMajor === 2 || (h.versionMajor === 543 && h.versionMinor === 0)) return null;
  return `pcap major version ${h.versionMajor} is not supported (expected 2)`;
}

export class PcapParser implements RecordParser {
  readonly format = 'pcap' as const;
  readonly headerBytes: number;
  readonly linkTypes: number[];
  readonly timestampResolution: TimestampResolution;
  frames = 0;
  private readonly frame = newFrame();
  private readonly le: boolean;
  private readonly nsecScale: number;
  private readonly snapLimit: number;
  private warnedSnaplen = false;

  constructor(
    private readonly header: PcapHeader,
    private readonly sink: FrameSink,
  ) {
    this.le = header.littleEndian;
    this.headerBytes = header.modified ? 24 : 16;
    this.nsecScale = header.nanoseconds ? 1 : 1000;
    // The magic says it for the whole file, packets or none.
    this.timestampResolution = header.nanoseconds ? NANOSECOND_RESOLUTION : MICROSECOND_RESOLUTION;
    sink.onTimestampResolution?.(this.timestampResolution);
    this.linkTypes = [header.linkType];
    this.frame.linkType = header.linkType;
    this.snapLimit = header.snaplen > 0 ? header.snaplen : MAX_PACKET_BYTES;
  }

  recordLength(b: Uint8Array, pos: number, fileOffset: number): number {
    const caplen = this.le ? u32le(b, pos + 8) : u32be(b, pos + 8);
    if (caplen > MAX_PACKET_BYTES) {
      throw new CaptureError(
        `record header claims ${caplen} captured bytes (0x${hex32(caplen)}), more than the ${MAX_PACKET_BYTES}-byte maximum: corrupt record header`,
        fileOffset,
        this.frames + 1,
      );
    }
    return this.headerBytes + caplen;
  }

  record(b: Uint8Array, pos: number, len: number, fileOffset: number): void {
    const f = this.frame;
    const le = this.le;
    const sec = le ? u32le(b, pos) : u32be(b, pos);
    const frac = le ? u32le(b, pos + 4) : u32be(b, pos + 4);
    const caplen = len - this.headerBytes;
    f.number = ++this.frames;
    f.tsSec = sec;
    f.tsNsec = frac * this.nsecScale;
    f.origLen = le ? u32le(b, pos + 12) : u32be(b, pos + 12);
    // Stored only when the chunk changes: a pointer store costs a write barrier, every record (0.5% of the tracker's profile).
    if (f.buf !== b) f.buf = b;
    f.offset = pos + this.headerBytes;
    f.caplen = caplen;
    f.fileOffset = fileOffset;
    if (caplen > this.snapLimit && !this.warnedSnaplen) {
      this.warnedSnaplen = true;
      this.sink.onWarning?.(
        `record holds ${caplen} bytes, more than the file's snaplen ${this.header.snaplen}; read as is`,
        fileOffset,
        f.number,
      );
    }
    this.sink.onFrame(f);
  }
}
