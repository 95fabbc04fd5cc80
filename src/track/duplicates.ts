import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import { DB, DW, W } from './layout.js';
import type { Slots } from './slots.js';

/**
 * A capture's own copies of one packet (tcpdump -i any sees it on two interfaces, a mirror port
 * copies it again) come 0.1–2 ms after the original, and not always next to it: other packets,
 * even of the same connection, can fall in between (issue 19 item 5). A real retransmission is
 * never this close: Linux's shortest RTO is 200 ms, and each copy it sends gets a new IP ID.
 */
export const DUPLICATE_WINDOW_S = 0.002;

/**
 * Segments each direction remembers: its last RECENT ones, in a ring beside its slot (Slots.ring).
 * A copy with more than RECENT - 1 segments of its direction between it and its original is missed
 * (counted as a retransmission), never invented. In every capture of fixtures/ and ../shared/captures
 * no copy lies more than 4 segments of its direction after its original (dup-healthy-server,
 * dup-slow-acceptor-abort1-client, wireshark-retrans: 2 562 next to it, 42 four segments on).
 */
export const RECENT = 8;
/** Words of one remembered segment: seq, ack, TSval, length << 9 | flags, id (below), one unused, its time as a double. */
export const RECENT_ENTRY_WORDS = 8;
/** Words of one direction's ring, and of a slot's two. */
export const RECENT_DIRECTION_WORDS = RECENT * RECENT_ENTRY_WORDS;
export const RECENT_SLOT_WORDS = 2 * RECENT_DIRECTION_WORDS;

/**
 * Whether `s` may be a copy of a segment its direction sent before: only a segment that repeats
 * what the direction already sent can be. A copy's original went through addToDirection and
 * ackSeen, so its end is at or behind the direction's next sequence number and its ACK at or behind
 * the direction's highest ACK; a segment with new bytes, or an ACK that acknowledges more, is new.
 * (A RST does not move the sequence numbers, and a direction without them proves nothing: both
 * are looked up.) This spares most segments the look at the ring: in a transfer only pure ACKs that
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
 * Whether `s`, sent on this slot and direction, is a copy of a segment the direction sent within
 * DUPLICATE_WINDOW_S before it; if not, it is remembered for the copies to come (in the slot's ring:
 * no allocation, and no look at anything outside the slot for a segment that cannot be a copy).
 */
export function isCopy(st: Slots, slot: number, server: boolean, s: Segment): boolean {
  // A RST without an IP ID (0: Linux's control socket; IPv6 has none) proves nothing: a listener sends
  // the same RST to each segment that meets it, microseconds apart (kernel.md §2.3, §2.4).
  if (s.flags & TCP_RST && s.ipId <= 0) return false;
  const I = st.I;
  const b = slot * W.Size;
  const d = b + (server ? W.Server : W.Client);
  const n = I[d + DW.Recent]!;
  const R = st.ring;
  const RF = st.ringF;
  const base = slot * RECENT_SLOT_WORDS + (server ? RECENT_DIRECTION_WORDS : 0);
  const id = idOf(I, b, server, s);
  const lenFlags = (s.payloadLen << 9) | s.flags;
  if (n > 0 && mayBeCopy(I, d, s)) {
    const seq = s.seq | 0;
    const end = base + (n < RECENT ? n : RECENT) * RECENT_ENTRY_WORDS;
    for (let e = base; e < end; e += RECENT_ENTRY_WORDS) {
      if (R[e] === seq && R[e + 1] === (s.ack | 0) && R[e + 3] === lenFlags && R[e + 4] === id && R[e + 2] === (s.tsVal | 0)) {
        const dt = s.time - RF[(e >> 1) + 3]!;
        if (dt >= 0 && dt < DUPLICATE_WINDOW_S) return true;
      }
    }
  }
  // The oldest of the ring makes room.
  const e = base + (n & (RECENT - 1)) * RECENT_ENTRY_WORDS;
  R[e] = s.seq;
  R[e + 1] = s.ack;
  R[e + 2] = s.tsVal;
  R[e + 3] = lenFlags;
  R[e + 4] = id;
  RF[(e >> 1) + 3] = s.time;
  // Kept below 2 * RECENT (same ring position): a count that ran past 2^31 would turn negative.
  I[d + DW.Recent] = n + 1 === 2 * RECENT ? RECENT : n + 1;
  return false;
}
