import type { CaptureFormat } from './frame.js';
import type { TimestampResolution } from './timestamp-resolution.js';

/**
 * A capture format as a sequence of self-delimiting records. The reader owns
 * the chunking; a parser only answers "how long is the record here" and
 * "handle this complete record".
 */
export interface RecordParser {
  readonly format: CaptureFormat;
  /** Bytes of a record that must be present before recordLength can answer. */
  readonly headerBytes: number;
  /** Total length of the record at `pos`; throws CaptureError when the length is impossible. */
  recordLength(buf: Uint8Array, pos: number, fileOffset: number): number;
  /** Handles one complete record. */
  record(buf: Uint8Array, pos: number, len: number, fileOffset: number): void;
  /** Link types seen so far, in order of first appearance. */
  readonly linkTypes: number[];
  /** Packet records handed out so far (the last frame number). */
  readonly frames: number;
  /** The finest timestamp resolution of the packets read so far (pcap: the header's); null before any. */
  readonly timestampResolution: TimestampResolution | null;
}

/** Largest packet we accept, as libpcap does for most link types (MAXIMUM_SNAPLEN). */
export const MAX_PACKET_BYTES = 262144;
