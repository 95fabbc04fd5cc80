import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import { mix } from './key.js';
import { DB, DF, DW, Fl, W } from './layout.js';
import type { Slots } from './slots.js';
import { MS } from '../capture/time-base.js';

/**
 * A capture's own copies of one packet (tcpdump -i any sees it on two interfaces, a mirror port
 * copies it again) come 0.1–2 ms after the original, and not always next to it: other packets,
 * even of the same connection, can fall in between (issue 19 item 5). A real retransmission is
 * never this close: Linux's shortest RTO is 200 ms, and each copy it sends gets a new IP ID.
 */
const DUPLICATE_WINDOW_NS = 2 * MS;

/**
 * Recent segments pushed out of their direction's last- and previous-segment words (DW.LastSeq.., DW.PrevSeq..)
 * while a copy of them may still come: one entry per hash of (connection, direction, seq, ack, IP ID, length, flags, TSval), two
 * to a bucket; 2^14 entries cover the 2 ms of traffic up to a few million packets a second. A newer
 * segment overwrites the entry of its bucket written longer ago, so a copy can be missed (counted as a retransmission),
 * never invented: an entry matches only when every field and the connection are equal and the copy comes
 * within the window.
 */
const BITS = 14;
const MASK = (1 << BITS) - 1;
/** Words per entry: tag, seq, ack, id, length << 9 | flags, TSval, then the time as a double. */
const STRIDE = 8;

/**
 * Whether `s` may be a copy of a segment its direction sent before: only a segment that repeats
 * what the direction already sent can be. A copy's original went through addToDirection and
 * ackSeen, so its end is at or behind the direction's next sequence number and its ACK at or behind
 * the direction's highest ACK; a segment with new bytes, or an ACK that acknowledges more, is new.
 * (A RST does not move the sequence numbers, and a direction without them proves nothing: both
 * are looked up.) This spares most segments the look at the table: in a transfer only pure ACKs that
 * acknowledge nothing new, and retransmissions, repeat anything.
 */
function mayBeCopy(I: Int32Array, d: number, s: Segment): boolean {
  const bits = I[d + DW.Bits]!;
  const f = s.flags;
  if (f & TCP_RST || !(bits & DB.SeqSet)) return true;
  if (f & TCP_ACK && (!(bits & DB.AckSet) || (((s.ack | 0) - I[d + DW.HighestAck]!) | 0) > 0)) return false;
  const seqLen = s.payloadLen + (f & TCP_SYN ? 1 : 0) + (f & TCP_FIN ? 1 : 0);
  return (((s.seq | 0) + seqLen - I[d + DW.NextSeq]!) | 0) <= 0;
}

/**
 * The number that stands for the IP ID in a remembered segment. IPv4: the IP ID (0–65535), which
 * Linux gives each packet it sends (a per-socket counter): a segment sent again, even with the same
 * numbers, has another one, so equal IP IDs within 2 ms are the capture's copy.
 *
 * IPv6 has no IP ID (-1 from the decoder), and the kernel does send the same segment twice within a
 * millisecond: the ACK to a SYN-ACK the server re-sent after the handshake ACK (tcp_validate_incoming
 * sends a duplicate ACK for a segment before rcv_nxt) has the same seq, ack, TSval (the TS clock ticks
 * per ms) and window as the handshake ACK: public/bug-6269-01.pcap, frames 4 and 6, 93 µs apart. A
 * second identical segment is only sent in answer to something the peer sent (a dup ACK, a challenge
 * ACK, a fast retransmit after dup ACKs; the kernel's own timers — RTO ≥ 200 ms, TLP ≥ 10 ms — are
 * slower than the window), and a window update changes the window. So an IPv6 copy must also have the
 * same window and no packet from the peer captured between it and its original: its number is the
 * window and the peer's packet count (mod 2^16). (A capture of one direction only cannot see the
 * peer: there a re-sent IPv6 ACK reads as a copy, as before.)
 */
function idOf(I: Int32Array, b: number, server: boolean, s: Segment): number {
  if (s.ipId >= 0) return s.ipId;
  const peerPackets = I[b + (server ? W.Client : W.Server) + DW.Packets]!;
  return (s.window & 0xffff) | (peerPackets << 16);
}

/**
 * A kept segment's five words, counted from DW.LastSeq or from DW.PrevSeq: fields.ts lists both groups in
 * this order (test/track/duplicates.test.ts holds them to it), so one reading serves either.
 */
export const enum Seg {
  Seq = 0,
  Ack = 1,
  TsVal = 2,
  LenFlags = 3,
  Id = 4,
}

/** Whether the segment kept at `at` (Seg) has these numbers. */
function keeps(I: Int32Array, at: number, seq: number, ack: number, lenFlags: number, id: number, tsVal: number): boolean {
  return I[at + Seg.Seq] === seq && I[at + Seg.Ack] === ack && I[at + Seg.LenFlags] === lenFlags && I[at + Seg.Id] === id && I[at + Seg.TsVal] === tsVal;
}

/**
 * Tells a capture duplicate from a new segment. Each direction keeps its last two segments in its own words
 * of the slot (the cache line every packet of the direction touches anyway): a copy right after its original,
 * or with one segment of the direction between them, is found there, and most segments cost nothing more.
 * A segment goes into this table, a fixed buffer of 512 KB, only when two more come within the window after
 * it, while a copy of it may still come (a write to a random line of the table: ~9% of the tracker's time
 * when every segment followed within 2 ms went there; BENCHMARKS.md, session 14); the table is looked at
 * only by a segment that may be a copy (mayBeCopy) of a direction that put something there. No allocation
 * per packet.
 */
export class RecentSegments {
  private readonly I: Int32Array;
  private readonly F: Float64Array;
  /**
   * Per bucket, which of its two entries the next spill replaces: the one written longer ago. Choosing by
   * the entries' own times read them first, a cache miss (~200 ns) on ~30% of all packets (BENCHMARKS.md,
   * session 12); this byte per bucket (8 KB) stays in the cache.
   */
  private readonly nextVictim = new Uint8Array((MASK + 1) >> 1);
  /** Segments put into the table, and looks into it (scripts/bench/track-ab.mjs reports them). */
  spills = 0;
  lookups = 0;

  constructor() {
    const buf = new ArrayBuffer((MASK + 1) * STRIDE * 4);
    this.I = new Int32Array(buf);
    this.F = new Float64Array(buf);
  }

  /**
   * Whether `s`, sent on this slot and direction, is a copy of a segment the direction sent within
   * DUPLICATE_WINDOW_NS before it; otherwise it becomes the direction's last segment.
   */
  isCopy(st: Slots, slot: number, server: boolean, s: Segment): boolean {
    // A RST without an IP ID (0: Linux's control socket; IPv6 has none) proves nothing: a listener sends
    // the same RST to each segment that meets it, microseconds apart (kernel.md §2.3, §2.4).
    if (s.flags & TCP_RST && s.ipId <= 0) return false;
    const I = st.I;
    const F = st.F;
    const b = slot * W.Size;
    const d = b + (server ? W.Server : W.Client);
    const fd = slot * Fl.Size + (server ? Fl.Server : Fl.Client);
    const bits = I[d + DW.Bits]!;
    const id = idOf(I, b, server, s);
    const lenFlags = (s.payloadLen << 9) | s.flags;
    const tag = ((I[b + W.Id]! << 1) | (server ? 1 : 0)) + 1;
    const lastTime = F[fd + DF.LastTime]!;
    if (bits & DB.LastSet && mayBeCopy(I, d, s)) {
      const seq = s.seq | 0;
      const ack = s.ack | 0;
      const tsVal = s.tsVal | 0;
      if (keeps(I, d + DW.LastSeq, seq, ack, lenFlags, id, tsVal)) {
        const dt = s.time - lastTime;
        if (dt >= 0 && dt < DUPLICATE_WINDOW_NS) return true;
      }
      if (bits & DB.PrevSet && keeps(I, d + DW.PrevSeq, seq, ack, lenFlags, id, tsVal)) {
        const dt = s.time - (lastTime - I[d + DW.PrevDelta]!);
        if (dt >= 0 && dt < DUPLICATE_WINDOW_NS) return true;
      }
      if (bits & DB.Spilled && this.has(tag, s, lenFlags, id)) return true;
    }
    let nextBits = bits | DB.LastSet;
    if (bits & DB.LastSet) {
      // The last segment stays findable while a copy of it may still come (time may run backwards): as the
      // previous one when this segment follows it within the window (its time kept as a whole number of
      // nanoseconds before the last's), else in the table. The previous one leaves its words either way,
      // into the table if a copy of it may still come: unless this segment is stamped a window or more after
      // it. (One gap the table of session 13 did not have, since it took every segment followed within the
      // window: a copy of the previous one captured after this segment but stamped before it, still within
      // the window, is missed: counted as a retransmission, never the other way. Only stamps out of order in
      // the capture, near the window's edge, make one.) A segment three behind is in the table or gone.
      const dt = s.time - lastTime;
      if (bits & DB.PrevSet) {
        const prevTime = lastTime - I[d + DW.PrevDelta]!;
        if (!(s.time - prevTime >= DUPLICATE_WINDOW_NS)) {
          this.spill(tag, I, d + DW.PrevSeq, prevTime);
          nextBits |= DB.Spilled;
        }
        nextBits &= ~DB.PrevSet;
      }
      if (dt >= 0 && dt < DUPLICATE_WINDOW_NS && (dt | 0) === dt) {
        const from = d + DW.LastSeq;
        const to = d + DW.PrevSeq;
        I[to + Seg.Seq] = I[from + Seg.Seq]!;
        I[to + Seg.Ack] = I[from + Seg.Ack]!;
        I[to + Seg.TsVal] = I[from + Seg.TsVal]!;
        I[to + Seg.LenFlags] = I[from + Seg.LenFlags]!;
        I[to + Seg.Id] = I[from + Seg.Id]!;
        I[d + DW.PrevDelta] = dt;
        nextBits |= DB.PrevSet;
      } else if (!(dt >= DUPLICATE_WINDOW_NS)) {
        this.spill(tag, I, d + DW.LastSeq, lastTime);
        nextBits |= DB.Spilled;
      }
    }
    I[d + DW.Bits] = nextBits;
    I[d + DW.LastSeq] = s.seq;
    I[d + DW.LastAck] = s.ack;
    I[d + DW.LastTsVal] = s.tsVal;
    I[d + DW.LastLenFlags] = lenFlags;
    I[d + DW.LastId] = id;
    F[fd + DF.LastTime] = s.time;
    return false;
  }

  /** The bucket's number: its two entries start at word bucket * 2 * STRIDE. */
  private bucket(tag: number, seq: number, ack: number, id: number, lenFlags: number): number {
    return (mix(mix(seq ^ Math.imul(tag, 0x9e3779b1)) ^ ack ^ Math.imul(id, 0x85ebca6b) ^ lenFlags) & MASK) >> 1;
  }

  /** Whether the table holds `s` for this tag within the window before it. */
  private has(tag: number, s: Segment, lenFlags: number, id: number): boolean {
    this.lookups++;
    const I = this.I;
    const seq = s.seq | 0;
    const ack = s.ack | 0;
    const e0 = this.bucket(tag, seq, ack, id, lenFlags) * 2 * STRIDE;
    // Two entries per bucket, in one cache line: a copy is missed only when two other segments pushed out
    // of their directions in the last 2 ms fell into its bucket.
    for (let e = e0; e <= e0 + STRIDE; e += STRIDE) {
      if (I[e] === tag && I[e + 1] === seq && I[e + 2] === ack && I[e + 3] === id && I[e + 4] === lenFlags && I[e + 5] === (s.tsVal | 0)) {
        const dt = s.time - this.F[(e >> 1) + 3]!;
        if (dt >= 0 && dt < DUPLICATE_WINDOW_NS) return true;
      }
    }
    return false;
  }

  /**
   * Puts a direction's segment that a copy may still follow (its words at `at` of the slots' SI, Seg) into the
   * table; the entry of its bucket written longer ago makes room.
   */
  private spill(tag: number, SI: Int32Array, at: number, time: number): void {
    this.spills++;
    const seq = SI[at + Seg.Seq]!;
    const ack = SI[at + Seg.Ack]!;
    const id = SI[at + Seg.Id]!;
    const lenFlags = SI[at + Seg.LenFlags]!;
    const bucket = this.bucket(tag, seq, ack, id, lenFlags);
    const I = this.I;
    const victim = this.nextVictim[bucket]!;
    this.nextVictim[bucket] = victim ^ 1;
    const e = (bucket * 2 + victim) * STRIDE;
    I[e] = tag;
    I[e + 1] = seq;
    I[e + 2] = ack;
    I[e + 3] = id;
    I[e + 4] = lenFlags;
    I[e + 5] = SI[at + Seg.TsVal]!;
    this.F[(e >> 1) + 3] = time;
  }
}
