import type { Frame } from '../capture/frame.js';
import { Decoded, type Segment } from './segment.js';
import { decodeLink } from './link.js';
import { DecodeStats } from './stats.js';

/** Frame counts by outcome; they always add up to the frames read. */
export interface DecodeCounts {
  tcp: number;
  otherIp: number;
  nonIp: number;
  truncated: number;
  malformed: number;
}

/**
 * Turns frames into TCP segments, one reused Segment, and keeps the count
 * of everything else. Nothing here copies packet bytes.
 */
export class Decoder {
  readonly counts: DecodeCounts = { tcp: 0, otherIp: 0, nonIp: 0, truncated: 0, malformed: 0 };
  readonly stats = new DecodeStats();
  /** Frames whose TCP options were bad (length 0/1, odd SACK): decoded, but worth a warning. */
  badOptionFrames = 0;
  firstBadOptionFrame = 0;
  /**
   * The run's base whole second: segment times are integer nanoseconds since it (capture/time-base.ts). Whoever runs
   * the decoder sets it before the first frame (track/run.ts: the first frame's second); 0 gives epoch nanoseconds.
   */
  baseSec = 0;

  /** The segment the next decode() fills; a caller that keeps several decoded segments (track/run.ts) points it at the next one. */
  constructor(public segment: Segment) {}

  decode(f: Frame): Decoded {
    const s = this.segment;
    const end = f.offset + f.caplen;
    const wireLen = f.origLen > f.caplen ? f.origLen : f.caplen;
    const r = decodeLink(f.linkType, f.buf, f.offset, end, f.offset + wireLen, s, this.stats);
    const c = this.counts;
    switch (r) {
      case Decoded.Tcp:
        c.tcp++;
        s.frame = f.number;
        s.tsSec = f.tsSec;
        s.tsNsec = f.tsNsec;
        // captureTime (time-base.ts), written out: the per-packet path.
        s.time = (f.tsSec - this.baseSec) * 1e9 + f.tsNsec;
        if (s.badOptions) {
          if (this.badOptionFrames++ === 0) this.firstBadOptionFrame = f.number;
        }
        break;
      case Decoded.OtherIp:
        c.otherIp++;
        break;
      case Decoded.NonIp:
        c.nonIp++;
        break;
      case Decoded.Truncated:
        c.truncated++;
        break;
      default:
        c.malformed++;
        break;
    }
    return r;
  }
}
