import { CaptureError, type CaptureFormat, type FrameSink, type TimestampResolution } from './frame.js';
import { hex32, u32be, u32le } from './bytes.js';
import { checkPcapVersion, parsePcapHeader, PcapParser, PCAP_FILE_HEADER_BYTES } from './pcap.js';
import { PcapngParser, PCAPNG_SHB_TYPE } from './pcapng.js';
import type { RecordParser } from './record-parser.js';
import { openSource, type ByteSource } from './source.js';

export interface ReadProgress {
  rawBytes: number;
  totalBytes: number | null;
  frames: number;
}

export interface ReadOptions {
  onProgress?: (p: ReadProgress) => void;
  /** Read size; only tests change it, to put chunk boundaries everywhere. */
  chunkBytes?: number;
  /** Read these bytes instead of opening `path` (the tracker's warm-up capture); `path` only names them. */
  source?: ByteSource;
}

export interface ReadResult {
  format: CaptureFormat | null;
  gzip: boolean;
  linkTypes: number[];
  /** Records Wireshark numbers as frames (packets and pcapng custom blocks): the last frame number. */
  frames: number;
  /** Bytes of capture data consumed (after decompression); up to the fault's offset when reading stopped on one. */
  bytes: number;
  /** The fault that stopped reading, if any. */
  error: CaptureError | null;
  /** pcap: the header's µs or ns; pcapng: the finest if_tsresol of the interfaces that had packets; null: none read. */
  timestampResolution: TimestampResolution | null;
}

function describeMagic(b: Uint8Array): string {
  if (b.length === 0) return 'the file is empty';
  if (b.length >= 4 && u32be(b, 0) === 0x89504e47) return 'not a pcap or pcapng capture (it is a PNG image)';
  if (b.length >= 8 && String.fromCharCode(...b.subarray(0, 5)) === 'snoop') {
    return 'not a pcap or pcapng capture (it is a Solaris snoop file; convert it with editcap -F pcap)';
  }
  if (b.length < 4) return `not a pcap or pcapng capture (only ${b.length} bytes)`;
  // Only the first 24 bytes: `detect` is sure of no more, and the message must not depend on the read size.
  const printable = b.subarray(0, Math.min(b.length, 24)).every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));
  const what = printable ? ', it looks like text' : '';
  return `not a pcap or pcapng capture (magic 0x${hex32(u32be(b, 0))}${what})`;
}

/** Picks the parser from the magic number; `head` holds at least the first 24 bytes, or the whole file. */
function detect(head: Uint8Array, sink: FrameSink): { parser: RecordParser; skip: number } {
  if (head.length >= 4 && u32le(head, 0) === PCAPNG_SHB_TYPE) {
    return { parser: new PcapngParser(sink), skip: 0 };
  }
  if (head.length >= 4) {
    const h = parsePcapHeader(head);
    if (h) {
      if (head.length < PCAP_FILE_HEADER_BYTES) {
        throw new CaptureError(`the file ends inside the ${PCAP_FILE_HEADER_BYTES}-byte pcap file header`, 0, 1);
      }
      const bad = checkPcapVersion(h);
      if (bad) throw new CaptureError(bad, 4, 1);
      return { parser: new PcapParser(h, sink), skip: PCAP_FILE_HEADER_BYTES };
    }
  }
  throw new CaptureError(describeMagic(head), 0, 1);
}

/**
 * A copy of view[from..]: Buffer's slice() would only be another view of the buffer the source reuses.
 * A Buffer like the chunks the sources yield: the parser and the decoders then always see one kind of
 * array, and V8 does not throw away their optimised code at the first record that spans two chunks.
 */
function copyOf(view: Uint8Array, from: number): Uint8Array {
  const out = Buffer.allocUnsafe(view.length - from);
  out.set(view.subarray(from));
  return out;
}

/** A Buffer, like copyOf. */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Why a capture could not be opened, in the words every command prints (cli/capture-paths.ts checks --merge's files with it). */
export function openFault(err: NodeJS.ErrnoException): string {
  return err.code ? `cannot open: ${err.code === 'ENOENT' ? 'no such file' : err.message}` : err.message;
}

/**
 * Streams a capture (file, `-`, gzip or not) into `sink`, one frame at a
 * time. Never throws for bad capture data: the fault comes back in
 * `error`, and every frame before it has been delivered.
 */
export async function readCapture(path: string, sink: FrameSink, opts: ReadOptions = {}): Promise<ReadResult> {
  const result: ReadResult = { format: null, gzip: false, linkTypes: [], frames: 0, bytes: 0, error: null, timestampResolution: null };
  let parser: RecordParser | null = null;
  // Bytes of an unfinished record (or of the file header) carried to the next chunk.
  let carry: Uint8Array | null = null;
  // File offset of carry[0] (or of the chunk start when carry is null).
  let base = 0;
  let source;
  try {
    source = opts.source ?? (await openSource(path, opts.chunkBytes));
  } catch (e) {
    result.error = new CaptureError(openFault(e as NodeJS.ErrnoException), 0, 1);
    return result;
  }
  result.gzip = source.gzip;
  const report = () =>
    opts.onProgress?.({ rawBytes: source.rawBytesRead(), totalBytes: source.totalBytes, frames: parser?.frames ?? 0 });
  try {
    for await (const chunkIn of source.chunks) {
      let chunk = chunkIn;
      if (carry) {
        if (!parser) {
          chunk = concat(carry, chunk);
          carry = null;
        } else {
          const done = finishCarried(parser, carry, chunk, base);
          if (done < 0) {
            carry = concat(carry, chunk);
            continue;
          }
          base += carry.length + done;
          chunk = chunk.subarray(done);
          carry = null;
        }
      }
      let pos = 0;
      if (!parser) {
        if (chunk.length < PCAP_FILE_HEADER_BYTES) {
          carry = copyOf(chunk, 0); // the source reuses its buffer for the next read
          continue;
        }
        const d = detect(chunk, sink);
        parser = d.parser;
        result.format = parser.format;
        pos = d.skip;
      }
      const end = chunk.length;
      const hb = parser.headerBytes;
      while (end - pos >= hb) {
        const len = parser.recordLength(chunk, pos, base + pos);
        if (end - pos < len) break;
        parser.record(chunk, pos, len, base + pos);
        pos += len;
      }
      if (pos < end) {
        // Copied: the stream may reuse its buffer, and this is the only copy a record ever gets.
        carry = copyOf(chunk, pos);
      }
      base += pos;
      report();
    }
    if (!parser) {
      // Under 24 bytes in all: only a pcapng magic gets past detect(), and no section header is that short.
      const head = carry ?? new Uint8Array(0);
      detect(head, sink);
      throw new CaptureError(`the file ends ${head.length} bytes into the pcapng section header block (cut short)`, 0, 1);
    } else if (carry && carry.length > 0) {
      const hb = parser.headerBytes;
      if (carry.length < hb) {
        throw new CaptureError(`the file ends ${carry.length} bytes into a record header (cut short)`, base, parser.frames + 1);
      }
      const len = parser.recordLength(carry, 0, base);
      throw new CaptureError(
        `the file ends in the middle of a record: ${carry.length} of its ${len} bytes are present (cut short)`,
        base,
        parser.frames + 1,
      );
    }
  } catch (e) {
    if (e instanceof CaptureError) result.error = e;
    else {
      const msg = (e as Error).message ?? String(e);
      const where = parser ? parser.frames + 1 : 1;
      // I/O and zlib errors carry a code (EIO, Z_DATA_ERROR); anything else was thrown by our own code, and saying
      // "read failed" would hide the bug.
      const io = typeof (e as NodeJS.ErrnoException).code === 'string';
      const what = !io ? 'internal error (a bug in tcpdiag)' : source.gzip ? 'gzip data is corrupt or cut short' : 'read failed';
      result.error = new CaptureError(`${what}: ${msg.split('\n')[0]}`, base, where);
    }
  } finally {
    source.close();
  }
  if (parser) {
    result.format = parser.format;
    result.linkTypes = parser.linkTypes.slice();
    result.frames = parser.frames;
    result.timestampResolution = parser.timestampResolution;
  }
  // On a fault, the bytes before it: the same answer however the file was chunked.
  result.bytes = result.error ? result.error.fileOffset : base + (carry?.length ?? 0);
  report();
  return result;
}

/**
 * Completes the record whose first bytes are in `carry` with bytes from
 * `chunk`. Returns how many bytes of `chunk` it used, or -1 when `chunk`
 * does not reach the end of the record either.
 */
function finishCarried(parser: RecordParser, carry: Uint8Array, chunk: Uint8Array, base: number): number {
  const hb = parser.headerBytes;
  let head = carry;
  if (head.length < hb) {
    if (head.length + chunk.length < hb) return -1;
    head = concat(carry, chunk.subarray(0, hb - carry.length));
  }
  const len = parser.recordLength(head, 0, base);
  const need = len - carry.length;
  if (need > chunk.length) return -1;
  const whole = concat(carry, chunk.subarray(0, need));
  parser.record(whole, 0, len, base);
  return need;
}
