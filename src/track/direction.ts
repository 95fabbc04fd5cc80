import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import { DB, DC, DF, DW, Fl, W } from './layout.js';
import { DirectionRecord } from './record.generated.js';
import type { RecentSegments } from './duplicates.js';
import type { Slots } from './slots.js';

/**
 * 32-bit sequence distance a - b, as a signed number. The per-packet paths write `((a | 0) - b) | 0` in
 * place instead, with b read through the Int32 view: a call V8 does not inline (the functions it would be
 * inlined into are past its budget) boxes every argument above 2^31 - 1 (half of all sequence numbers) as a
 * heap number, and so, measured, did an unsigned number from the Uint32 view in the subtraction: garbage
 * per packet (BENCHMARKS.md, session 9).
 */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

// A handful of holes is all a diagnosis needs; past that, bytes are counted as gaps without tracking.
const MAX_HOLES = 8;

/**
 * What one side of a finished connection sent, in the words tcptrace and
 * Wireshark use. Sequence numbers are raw (32-bit).
 */
export class Direction extends DirectionRecord {
  // The numbers of the slot as they stand (packets, bytes, sequence numbers, counts) are DirectionRecord's,
  // declared by the field table (fields.ts → record.generated.ts); what the record makes of the others is here.
  isnSet = false;
  seqSet = false;
  ackSet = false;
  finSeen = false;
  rstSeen = false;
  /** Bytes never captured: holes in the sequence space that nothing filled. */
  gapBytes = 0;

  /** Copies one direction of a live slot. */
  fill(st: Slots, slot: number, server: boolean): void {
    const d = slot * W.Size + (server ? W.Server : W.Client);
    const f = slot * Fl.Size + (server ? Fl.Server : Fl.Client);
    const c = slot * W.Size + (server ? W.ServerCounters : W.ClientCounters);
    const { I, U, F } = st;
    const bits = I[d + DW.Bits]!;
    // Every field that is a number of the direction's blocks as it stands (fields.ts, record.generated.ts); the rest below.
    this.fillSlot(I, U, F, d, f, c);
    this.isnSet = (bits & DB.IsnSet) !== 0;
    this.seqSet = (bits & DB.SeqSet) !== 0;
    this.ackSet = (bits & DB.AckSet) !== 0;
    this.finSeen = (bits & DB.FinSeen) !== 0;
    this.rstSeen = (bits & DB.RstSeen) !== 0;
    let gap = F[f + DF.LostHoleBytes]!;
    const h = st.holesOf(slot, server);
    if (h) for (let i = 0; i < h.length; i += 2) gap += seqDiff(h[i + 1]!, h[i]!);
    this.gapBytes = gap;
  }
}

/**
 * Accounts one segment to one direction of a live slot. Returns 1 when it is
 * a capture duplicate (the capture's own copy, duplicates.ts: counted apart,
 * never a retransmission), 2 when it re-sends bytes (or a SYN/FIN) already
 * sent, 0 otherwise.
 */
export function addToDirection(st: Slots, slot: number, server: boolean, s: Segment, recent: RecentSegments): number {
  const I = st.I;
  const U = st.U;
  const F = st.F;
  const d = slot * W.Size + (server ? W.Server : W.Client);
  const fd = slot * Fl.Size + (server ? Fl.Server : Fl.Client);
  // The counts of rare events (DC), in a line of their own: touched only when one happens.
  const c = slot * W.Size + (server ? W.ServerCounters : W.ClientCounters);
  I[d + DW.Packets]!++;
  const len = s.payloadLen;
  const f = s.flags;
  if (recent.isCopy(st, slot, server, s)) {
    I[c + DC.Duplicates]!++;
    return 1;
  }
  F[fd + DF.Bytes] += len;
  if (s.window === 0 && !(f & (TCP_RST | TCP_SYN))) I[c + DC.ZeroWindows]!++;
  let bits = I[d + DW.Bits]!;
  if (f & TCP_RST) {
    I[d + DW.Bits] = bits | DB.RstSeen;
    // A RST sent again (the listener's to each segment that meets it): re-sent, never a capture duplicate.
    return bits & DB.RstSeen ? 2 : 0;
  }
  let seqLen = len;
  if (f & TCP_SYN) {
    seqLen++;
    if (!(bits & DB.IsnSet)) {
      U[d + DW.Isn] = s.seq;
      bits |= DB.IsnSet;
    }
  }
  if (f & TCP_FIN) {
    seqLen++;
    if (!(bits & DB.FinSeen)) {
      bits |= DB.FinSeen;
      U[c + DC.FinFrame] = s.frame;
    }
  }
  if (!(bits & DB.SeqSet)) {
    I[d + DW.Bits] = bits | DB.SeqSet;
    U[d + DW.NextSeq] = s.seq + seqLen;
    F[fd + DF.UniqueBytes] += len;
    return 0;
  }
  I[d + DW.Bits] = bits;
  const nextSeq = U[d + DW.NextSeq]!;
  const ahead = ((s.seq | 0) - I[d + DW.NextSeq]!) | 0;
  if (ahead >= 0) {
    // Even a bare ACK ahead of what was seen proves bytes (or a FIN) went by uncaptured.
    if (ahead > 0) addHole(st, slot, server, fd, nextSeq, s.seq);
    if (ahead > 0 || seqLen > 0) F[fd + DF.NextSeqTime] = s.time;
    U[d + DW.NextSeq] = s.seq + seqLen;
    F[fd + DF.UniqueBytes] += len;
    return 0;
  }
  if (seqLen === 0) return 0;
  // Keep-alive: one byte (or none) just below what was sent, carrying nothing new: a byte the peer has
  // ACKed already (snd_una - 1). One the peer has not ACKed (seq = its ACK) is data re-sent: a 1-byte
  // first request retransmitted to a full queue is no keep-alive (kernel-lab synq1).
  const pb = slot * W.Size + (server ? W.Client : W.Server) + DW.Bits;
  if (
    len <= 1 && !(f & (TCP_SYN | TCP_FIN)) && ahead === -1 &&
    (I[pb]! & DB.AckSet) !== 0 && ((I[pb - DW.Bits + DW.HighestAck]! - (s.seq | 0)) | 0) > 0
  ) {
    I[c + DC.KeepAlives]!++;
    return 0;
  }
  const end = (s.seq + seqLen) >>> 0;
  // Bytes never captured before count once, whatever this segment is called.
  const holes = st.holesOf(slot, server);
  if (holes && fillHole(st, holes, fd, s.seq, end)) F[fd + DF.UniqueBytes] += len;
  // Wireshark's rule: behind the highest sequence and within the connection's first RTT of the
  // segment that set it, it is out of order; otherwise a retransmission.
  const reordered = s.time - F[fd + DF.NextSeqTime]! < F[fd + DF.OooThreshold]! && end !== nextSeq;
  const past = ((end | 0) - I[d + DW.NextSeq]!) | 0;
  if (past > 0) {
    F[fd + DF.UniqueBytes] += past;
    U[d + DW.NextSeq] = end;
  }
  if (reordered) {
    I[c + DC.OutOfOrder]!++;
    return 0;
  }
  I[c + DC.Retransmits]!++;
  return 2;
}

/** How far a segment's numbers may lie from what its connection sent so far and still be its own. */
const SEQUENCE_FIT = 1 << 24;

/**
 * Whether a segment's numbers belong to a live slot's connection: its ACK near what the other side
 * sent, or its sequence number near what its own side sent (either unknown: nothing says no). For
 * segments the tuple alone cannot place, such as those of a direction whose VLAN tag differs.
 */
export function fitsSequence(st: Slots, slot: number, fromClient: boolean, s: Segment): boolean {
  const b = slot * W.Size;
  const own = b + (fromClient ? W.Client : W.Server);
  const peer = b + (fromClient ? W.Server : W.Client);
  const I = st.I;
  const U = st.U;
  let known = false;
  if (s.flags & TCP_ACK && I[peer + DW.Bits]! & DB.SeqSet) {
    known = true;
    const d = seqDiff(s.ack, U[peer + DW.NextSeq]!);
    if (d > -SEQUENCE_FIT && d < SEQUENCE_FIT) return true;
  }
  if (I[own + DW.Bits]! & DB.SeqSet) {
    known = true;
    const d = seqDiff(s.seq, U[own + DW.NextSeq]!);
    if (d > -SEQUENCE_FIT && d < SEQUENCE_FIT) return true;
  }
  return !known;
}

/** The highest ACK a direction has sent (the segment's: a number above 2^31 passed alone would be boxed). */
export function ackSeen(st: Slots, slot: number, server: boolean, s: Segment): void {
  const d = slot * W.Size + (server ? W.Server : W.Client);
  const bits = st.I[d + DW.Bits]!;
  const ack = s.ack;
  if (!(bits & DB.AckSet) || (((ack | 0) - st.I[d + DW.HighestAck]!) | 0) > 0) {
    st.U[d + DW.HighestAck] = ack;
    st.I[d + DW.Bits] = bits | DB.AckSet;
  }
}

function addHole(st: Slots, slot: number, server: boolean, fd: number, from: number, to: number): void {
  const h = st.newHoles(slot, server);
  if (h.length >= MAX_HOLES * 2) {
    st.F[fd + DF.LostHoleBytes] += seqDiff(to, from);
    return;
  }
  h.push(from, to);
}

/** Whether [from, to) starts in a hole (never-captured bytes); the part it covers is filled. */
function fillHole(st: Slots, h: number[], fd: number, from: number, to: number): boolean {
  for (let i = 0; i < h.length; i += 2) {
    const a = h[i]!;
    const b = h[i + 1]!;
    if (seqDiff(from, a) >= 0 && seqDiff(from, b) < 0) {
      const end = seqDiff(to, b) > 0 ? b : to;
      if (from === a && end === b) h.splice(i, 2);
      else if (from === a) h[i] = end;
      else if (end === b) h[i + 1] = from;
      else if (h.length < MAX_HOLES * 2) {
        h[i + 1] = from;
        h.push(end, b);
      } else {
        st.F[fd + DF.LostHoleBytes] += seqDiff(b, end);
        h[i + 1] = from;
      }
      return true;
    }
  }
  return false;
}
