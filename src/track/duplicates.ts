import { TCP_RST, type Segment } from '../decode/segment.js';
import { mix } from './key.js';

/**
 * A capture's own copies of one packet (tcpdump -i any sees it on two interfaces, a mirror port
 * copies it again) come 0.1–2 ms after the original, and not always next to it: other packets,
 * even of the same connection, can fall in between (issue 19 item 5). A real retransmission is
 * never this close: Linux's shortest RTO is 200 ms, and each copy it sends gets a new IP ID.
 */
export const DUPLICATE_WINDOW_S = 0.002;

/**
 * Recently seen segments, one entry per hash of (connection slot, direction, IP ID, seq, ack,
 * length, flags, TSval), two to a bucket: 2^14 entries cover the 2 ms of traffic up to a few
 * million packets a second. A newer segment overwrites the older of its bucket, so a copy can
 * be missed (counted as a retransmission, as before), never invented: an entry matches
 * only when every field and the slot are equal and the copy comes within the window.
 */
const BITS = 14;
const MASK = (1 << BITS) - 1;
/** Words per entry: tag, seq, ack, ipId, length << 9 | flags, TSval, then the time as a double. */
const STRIDE = 8;

/**
 * Tells a capture duplicate from a new segment, per tracker. One entry is half a cache line of a
 * fixed buffer (512 KB): no allocation per packet.
 */
export class RecentSegments {
  private readonly I: Int32Array;
  private readonly F: Float64Array;

  constructor() {
    const buf = new ArrayBuffer((MASK + 1) * STRIDE * 4);
    this.I = new Int32Array(buf);
    this.F = new Float64Array(buf);
  }

  /**
   * Whether `s`, sent on this slot and direction, is a copy of a segment seen within
   * DUPLICATE_WINDOW_S before it; otherwise it is remembered for the copies to come.
   */
  isCopy(slot: number, server: boolean, s: Segment): boolean {
    // A RST without an IP ID (0: Linux's control socket; IPv6 has none) proves nothing: a listener sends
    // the same RST to each segment that meets it, microseconds apart (kernel.md §2.3, §2.4).
    if (s.flags & TCP_RST && s.ipId <= 0) return false;
    const tag = (slot << 1 | (server ? 1 : 0)) + 1;
    const lenFlags = (s.payloadLen << 9) | s.flags;
    const h = mix(mix(s.seq ^ Math.imul(tag, 0x9e3779b1)) ^ s.ack ^ Math.imul(s.ipId, 0x85ebca6b) ^ lenFlags) & MASK;
    // Two entries per bucket, in one cache line: a copy is missed only when two other segments of the
    // last 2 ms fell into its bucket.
    const I = this.I;
    const F = this.F;
    const e0 = (h & ~1) * STRIDE;
    for (let e = e0; e <= e0 + STRIDE; e += STRIDE) {
      if (
        I[e] === tag && I[e + 1] === (s.seq | 0) && I[e + 2] === (s.ack | 0) && I[e + 3] === s.ipId && I[e + 4] === lenFlags &&
        I[e + 5] === (s.tsVal | 0)
      ) {
        const dt = s.time - F[(e >> 1) + 3]!;
        if (dt >= 0 && dt < DUPLICATE_WINDOW_S) return true;
      }
    }
    // The older of the two makes room.
    const e = F[(e0 >> 1) + 3]! <= F[(e0 >> 1) + 3 + (STRIDE >> 1)]! ? e0 : e0 + STRIDE;
    I[e] = tag;
    I[e + 1] = s.seq;
    I[e + 2] = s.ack;
    I[e + 3] = s.ipId;
    I[e + 4] = lenFlags;
    I[e + 5] = s.tsVal;
    F[(e >> 1) + 3] = s.time;
    return false;
  }
}
