import { CaptureError, LINKTYPE_CUSTOM_BLOCK, newFrame, type FrameSink } from './frame.js';
import { hex32, u16be, u16le, u32be, u32le } from './bytes.js';
import { MAX_PACKET_BYTES, type RecordParser } from './record-parser.js';
import { TimestampScale } from './pcapng-timestamp.js';
import { finerResolution, resolutionOfTsresol, type TimestampResolution } from './timestamp-resolution.js';

export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1;
const OBSOLETE_PB = 2;
const SPB = 3;
const EPB = 6;
const CUSTOM_COPYABLE = 0x00000bad;
const CUSTOM_LOCAL = 0x40000bad;
export { LINKTYPE_CUSTOM_BLOCK };
// libpcap refuses blocks over 16 MiB; so do we, or a corrupt length would make us buffer gigabytes.
const MAX_BLOCK_BYTES = 16 * 1024 * 1024;
// Real captures declare a handful of interfaces; a file of nothing but IDBs must not grow the table without end.
const MAX_INTERFACES = 65536;
// Type, length, byte-order magic, versions, section length, trailing length.
const SHB_MIN_BYTES = 28;

interface Interface {
  linkType: number;
  snaplen: number;
  scale: TimestampScale;
  /** A packet with a timestamp came from it: its resolution counts. */
  used: boolean;
}

export class PcapngParser implements RecordParser {
  readonly format = 'pcapng' as const;
  // Type and length; an SHB also needs its byte-order magic to read the length.
  readonly headerBytes = 12;
  readonly linkTypes: number[] = [];
  frames = 0;
  sections = 0;
  /** The finest if_tsresol of the interfaces packets came from, over all sections so far. */
  timestampResolution: TimestampResolution | null = null;
  private le = true;
  private interfaces: Interface[] = [];
  // linkTypes as a set: an IDB flood must not cost a scan of the list per block.
  private readonly seenLinkTypes = new Set<number>();
  private readonly frame = newFrame();
  private readonly ts = new Float64Array(2);
  private lastSec = 0;
  private lastNsec = 0;

  constructor(private readonly sink: FrameSink) {}

  private u32(b: Uint8Array, p: number): number {
    return this.le ? u32le(b, p) : u32be(b, p);
  }

  private u16(b: Uint8Array, p: number): number {
    return this.le ? u16le(b, p) : u16be(b, p);
  }

  recordLength(b: Uint8Array, pos: number, fileOffset: number): number {
    // The SHB type reads the same in both byte orders; its magic says which order follows.
    if (u32le(b, pos) === PCAPNG_SHB_TYPE) {
      const m = u32le(b, pos + 8);
      if (m === BYTE_ORDER_MAGIC) this.le = true;
      else if (u32be(b, pos + 8) === BYTE_ORDER_MAGIC) this.le = false;
      else throw this.error(`section header block has a bad byte-order magic 0x${hex32(m)}`, fileOffset);
    }
    const len = this.u32(b, pos + 4);
    if (len < 12 || len % 4 !== 0) {
      throw this.error(`block length ${len} is ${len < 12 ? 'smaller than a block header' : 'not a multiple of 4'}`, fileOffset);
    }
    if (len > MAX_BLOCK_BYTES) {
      throw this.error(`block length ${len} is larger than the ${MAX_BLOCK_BYTES}-byte maximum: corrupt block`, fileOffset);
    }
    return len;
  }

  record(b: Uint8Array, pos: number, len: number, fileOffset: number): void {
    const type = this.u32(b, pos);
    const trailer = this.u32(b, pos + len - 4);
    if (trailer !== len) {
      throw this.error(`block trailing length ${trailer} disagrees with its leading length ${len}`, fileOffset);
    }
    switch (type) {
      case PCAPNG_SHB_TYPE:
        if (len < SHB_MIN_BYTES) throw this.error(`section header block of ${len} bytes is shorter than its ${SHB_MIN_BYTES}-byte minimum`, fileOffset);
        this.sections++;
        this.interfaces = [];
        return;
      case IDB:
        this.interfaceDescription(b, pos, len, fileOffset);
        return;
      case EPB:
        this.packet(b, pos, len, fileOffset, this.u32(b, pos + 8), 28, true);
        return;
      case OBSOLETE_PB:
        this.packet(b, pos, len, fileOffset, this.u16(b, pos + 8), 28, true);
        return;
      case SPB:
        this.packet(b, pos, len, fileOffset, 0, 12, false);
        return;
      case CUSTOM_COPYABLE:
      case CUSTOM_LOCAL:
        this.customBlock(b, pos, fileOffset);
        return;
      default:
        // Name resolution, statistics, secrets: nothing we need.
        return;
    }
  }

  /**
   * Wireshark gives custom blocks a frame number of their own; handing them
   * on (empty) keeps every later frame number equal to Wireshark's.
   */
  private customBlock(b: Uint8Array, pos: number, fileOffset: number): void {
    const f = this.frame;
    f.number = ++this.frames;
    f.fileOffset = fileOffset;
    f.interfaceId = 0;
    if (f.buf !== b) f.buf = b;
    f.offset = pos;
    f.caplen = 0;
    f.origLen = 0;
    f.tsSec = this.lastSec;
    f.tsNsec = this.lastNsec;
    f.linkType = LINKTYPE_CUSTOM_BLOCK;
    this.sink.onFrame(f);
  }

  private interfaceDescription(b: Uint8Array, pos: number, len: number, fileOffset: number): void {
    if (len < 20) throw this.error(`interface description block of ${len} bytes is shorter than its 20-byte minimum`, fileOffset);
    if (this.interfaces.length >= MAX_INTERFACES) {
      throw this.error(`more than ${MAX_INTERFACES} interface description blocks in one section: corrupt or hostile file`, fileOffset);
    }
    const linkType = this.u16(b, pos + 8);
    const snaplen = this.u32(b, pos + 12);
    let tsresol = 6;
    let offsetSec = 0;
    const end = pos + len - 4;
    let p = pos + 16;
    while (p + 4 <= end) {
      const code = this.u16(b, p);
      const olen = this.u16(b, p + 2);
      if (code === 0) break;
      if (p + 4 + olen > end) {
        this.sink.onWarning?.(`interface ${this.interfaces.length}: option ${code} of ${olen} bytes runs past its block; options ignored`, fileOffset, this.frames);
        break;
      }
      if (code === 9 && olen >= 1) tsresol = b[p + 4]!;
      else if (code === 14 && olen >= 8) {
        const hi = this.u32(b, p + 4 + (this.le ? 4 : 0));
        const lo = this.u32(b, p + 4 + (this.le ? 0 : 4));
        offsetSec = (hi | 0) * 4294967296 + lo;
      }
      p += 4 + ((olen + 3) & ~3);
    }
    if ((tsresol & 0x7f) > 63 || (!(tsresol & 0x80) && tsresol > 18)) {
      this.sink.onWarning?.(`interface ${this.interfaces.length}: if_tsresol 0x${tsresol.toString(16)} is out of range; microseconds assumed`, fileOffset, this.frames);
      tsresol = 6;
    }
    this.interfaces.push({ linkType, snaplen, scale: new TimestampScale(tsresol, offsetSec), used: false });
    if (!this.seenLinkTypes.has(linkType)) {
      this.seenLinkTypes.add(linkType);
      this.linkTypes.push(linkType);
    }
  }

  private packet(
    b: Uint8Array,
    pos: number,
    len: number,
    fileOffset: number,
    ifaceId: number,
    headerLen: number,
    hasTimestamp: boolean,
  ): void {
    // Checked before the frame gets its number: a block that throws was never read, so it must not count.
    const room = len - headerLen - 4;
    if (room < 0) throw this.error(`packet block of ${len} bytes is shorter than its ${headerLen + 4}-byte header`, fileOffset);
    const caplen = hasTimestamp ? this.u32(b, pos + 20) : 0;
    if (caplen > room) throw this.error(`packet block says ${caplen} captured bytes but holds only ${room}`, fileOffset);
    const f = this.frame;
    f.number = ++this.frames;
    f.fileOffset = fileOffset;
    f.interfaceId = ifaceId;
    if (f.buf !== b) f.buf = b;
    f.offset = pos + headerLen;
    const iface = this.interfaces[ifaceId];
    if (hasTimestamp) {
      f.caplen = caplen;
      f.origLen = this.u32(b, pos + 24);
      if (iface) {
        if (!iface.used) this.useInterface(iface);
        iface.scale.convert(this.u32(b, pos + 12), this.u32(b, pos + 16), this.ts);
        this.lastSec = this.ts[0]!;
        this.lastNsec = this.ts[1]!;
      }
    } else {
      // Simple Packet Block: no timestamp, so it inherits the previous one (time never jumps to 1970).
      f.origLen = this.u32(b, pos + 8);
      const snap = iface && iface.snaplen > 0 ? iface.snaplen : MAX_PACKET_BYTES;
      f.caplen = Math.min(f.origLen, snap, room);
    }
    f.tsSec = this.lastSec;
    f.tsNsec = this.lastNsec;
    if (!iface) {
      // Counted and handed on so the totals still add up; the decoder calls it malformed.
      f.linkType = -1;
      this.sink.onWarning?.(`packet on interface ${ifaceId}, which no interface description block declared`, fileOffset, f.number);
    } else {
      f.linkType = iface.linkType;
    }
    this.sink.onFrame(f);
  }

  /** The first packet of an interface: its resolution may be finer than those seen so far. */
  private useInterface(iface: Interface): void {
    iface.used = true;
    const r = finerResolution(this.timestampResolution, resolutionOfTsresol(iface.scale.tsresol));
    if (r === this.timestampResolution) return;
    this.timestampResolution = r;
    this.sink.onTimestampResolution?.(r);
  }

  private error(message: string, fileOffset: number, frame = this.frames + 1): CaptureError {
    return new CaptureError(message, fileOffset, frame);
  }
}
