/**
 * One captured record as the reader hands it out. The reader reuses a single
 * Frame object and `buf` is its read chunk: a consumer copies what it keeps
 * before returning, and never holds on to `buf`.
 */
export interface Frame {
  /** 1-based, counting every packet record exactly as Wireshark numbers frames. */
  number: number;
  /** Seconds since the epoch (integer) and nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** pcap LINKTYPE_ value of the interface the frame came from; -1 when unknown. */
  linkType: number;
  interfaceId: number;
  buf: Uint8Array;
  /** Offset of the first captured byte in `buf`. */
  offset: number;
  caplen: number;
  origLen: number;
  /** Byte offset of the record (its header) in the decompressed capture. */
  fileOffset: number;
}

/**
 * Frame.linkType of a pcapng custom block: a record Wireshark numbers as a frame but that holds no packet.
 * Negative, so it can never clash with a real LINKTYPE_ value; it lives here, beside Frame, because the
 * decoder needs it and must not depend on one file format's reader.
 */
export const LINKTYPE_CUSTOM_BLOCK = -2;

export type CaptureFormat = 'pcap' | 'pcapng';

export type { TimestampResolution } from './timestamp-resolution.js';
import type { TimestampResolution } from './timestamp-resolution.js';

export interface FrameSink {
  onFrame(frame: Frame): void;
  /** A recoverable oddity (a bad option, a record longer than the snaplen); reading goes on. */
  onWarning?(message: string, fileOffset: number, frameNumber: number): void;
  /**
   * The capture's timestamp resolution became known or finer (before the frame that uses it): a pcap's
   * from its header; a pcapng's the finest of the interfaces whose packets were read so far.
   */
  onTimestampResolution?(resolution: TimestampResolution): void;
}

export function newFrame(): Frame {
  return {
    number: 0,
    tsSec: 0,
    tsNsec: 0,
    linkType: -1,
    interfaceId: 0,
    buf: new Uint8Array(0),
    offset: 0,
    caplen: 0,
    origLen: 0,
    fileOffset: 0,
  };
}

/** A fault that stops reading: everything before it still counts. */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly fileOffset: number,
    /** The frame number the faulty record would have had. */
    readonly frameNumber: number,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

