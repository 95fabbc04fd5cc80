import { TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';

/** 32-bit sequence distance a - b, as a signed number. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

// A handful of holes is all a diagnosis needs; past that, bytes are counted as gaps without tracking.
const MAX_HOLES = 8;
/** The same packet captured twice (two taps, a bridge and its port) arrives within this. */
const DUPLICATE_WINDOW_S = 0.001;
/** Wireshark's out-of-order window when it has no RTT to go by. */
const OUT_OF_ORDER_WINDOW_S = 0.003;

/**
 * What one side of a connection sent, in the words tcptrace and Wireshark
 * use. Sequence numbers are kept raw (32-bit) and compared with wrap-around.
 */
export class Direction {
  packets = 0;
  /** Payload bytes, retransmissions included. */
  bytes = 0;
  /** Payload bytes, each sequence number once. */
  uniqueBytes = 0;
  isn = 0;
  isnSet = false;
  /** Highest sequence number sent + 1 (SYN and FIN count one). */
  nextSeq = 0;
  seqSet = false;
  highestAck = 0;
  ackSet = false;
  retransmits = 0;
  duplicates = 0;
  outOfOrder = 0;
  zeroWindows = 0;
  keepAlives = 0;
  finSeen = false;
  finFrame = 0;
  rstSeen = false;
  /** Pairs [from, to) of sequence space never captured; null until the first gap. */
  private holes: number[] | null = null;
  /** When nextSeq last moved forward. */
  private nextSeqTime = 0;
  /** The connection's first round trip (Wireshark's ts_first_rtt), set once the handshake completes. */
  oooThreshold = OUT_OF_ORDER_WINDOW_S;
  /** Hole bytes given up on when the hole list was full. */
  private lostHoleBytes = 0;
  private lastIpId = -2;
  private lastSeq = 0;
  private lastLen = -1;
  private lastFlags = 0;
  private lastAck = 0;
  private lastTime = 0;

  /** Bytes never captured: holes in the sequence space that nothing filled. */
  get gapBytes(): number {
    let n = this.lostHoleBytes;
    const h = this.holes;
    if (h) for (let i = 0; i < h.length; i += 2) n += seqDiff(h[i + 1]!, h[i]!);
    return n;
  }

  /**
   * Accounts one segment. Returns 1 when it is a capture duplicate, 2 when it
   * re-sends bytes (or a SYN/FIN) already sent, 0 otherwise.
   */
  add(s: Segment): number {
    this.packets++;
    const len = s.payloadLen;
    const f = s.flags;
    const dup =
      s.seq === this.lastSeq && len === this.lastLen && f === this.lastFlags && s.ack === this.lastAck &&
      (s.ipId === this.lastIpId) && s.time - this.lastTime < DUPLICATE_WINDOW_S && s.time >= this.lastTime;
    this.lastIpId = s.ipId;
    this.lastSeq = s.seq;
    this.lastLen = len;
    this.lastFlags = f;
    this.lastAck = s.ack;
    this.lastTime = s.time;
    if (dup) {
      this.duplicates++;
      return 1;
    }
    this.bytes += len;
    if (s.window === 0 && !(f & (TCP_RST | TCP_SYN))) this.zeroWindows++;
    if (f & TCP_RST) {
      this.rstSeen = true;
      return 0;
    }
    let seqLen = len;
    if (f & TCP_SYN) {
      seqLen++;
      if (!this.isnSet) {
        this.isn = s.seq;
        this.isnSet = true;
      }
    }
    if (f & TCP_FIN) {
      seqLen++;
      if (!this.finSeen) {
        this.finSeen = true;
        this.finFrame = s.frame;
      }
    }
    if (!this.seqSet) {
      this.seqSet = true;
      this.nextSeq = (s.seq + seqLen) >>> 0;
      this.uniqueBytes += len;
      return 0;
    }
    const ahead = seqDiff(s.seq, this.nextSeq);
    if (ahead >= 0) {
      // Even a bare ACK ahead of what was seen proves bytes (or a FIN) went by uncaptured.
      if (ahead > 0) this.addHole(this.nextSeq, s.seq);
      if (ahead > 0 || seqLen > 0) this.nextSeqTime = s.time;
      this.nextSeq = (s.seq + seqLen) >>> 0;
      this.uniqueBytes += len;
      return 0;
    }
    if (seqLen === 0) return 0;
    // Keep-alive: one byte (or none) just below what was sent, carrying nothing new.
    if (len <= 1 && !(f & (TCP_SYN | TCP_FIN)) && ahead === -1) {
      this.keepAlives++;
      return 0;
    }
    const end = (s.seq + seqLen) >>> 0;
    // Bytes never captured before count once, whatever this segment is called.
    if (this.fillHole(s.seq, end)) this.uniqueBytes += len;
    // Wireshark's rule: behind the highest sequence and within the connection's first RTT of the
    // segment that set it, it is out of order; otherwise a retransmission.
    const reordered = s.time - this.nextSeqTime < this.oooThreshold && end !== this.nextSeq;
    if (seqDiff(end, this.nextSeq) > 0) {
      this.uniqueBytes += seqDiff(end, this.nextSeq);
      this.nextSeq = end;
    }
    if (reordered) {
      this.outOfOrder++;
      return 0;
    }
    this.retransmits++;
    return 2;
  }

  /** Back to a new direction's state (every field, in declaration order; a test checks it). */
  reset(): void {
    this.packets = 0;
    this.bytes = 0;
    this.uniqueBytes = 0;
    this.isn = 0;
    this.isnSet = false;
    this.nextSeq = 0;
    this.seqSet = false;
    this.highestAck = 0;
    this.ackSet = false;
    this.retransmits = 0;
    this.duplicates = 0;
    this.outOfOrder = 0;
    this.zeroWindows = 0;
    this.keepAlives = 0;
    this.finSeen = false;
    this.finFrame = 0;
    this.rstSeen = false;
    this.holes = null;
    this.nextSeqTime = 0;
    this.oooThreshold = OUT_OF_ORDER_WINDOW_S;
    this.lostHoleBytes = 0;
    this.lastIpId = -2;
    this.lastSeq = 0;
    this.lastLen = -1;
    this.lastFlags = 0;
    this.lastAck = 0;
    this.lastTime = 0;
  }

  ackSeen(ack: number): void {
    if (!this.ackSet || seqDiff(ack, this.highestAck) > 0) {
      this.highestAck = ack;
      this.ackSet = true;
    }
  }

  private addHole(from: number, to: number): void {
    const h = (this.holes ??= []);
    if (h.length >= MAX_HOLES * 2) {
      this.lostHoleBytes += seqDiff(to, from);
      return;
    }
    h.push(from, to);
  }

  /** Whether [from, to) starts in a hole (never-captured bytes); the part it covers is filled. */
  private fillHole(from: number, to: number): boolean {
    const h = this.holes;
    if (!h) return false;
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
          this.lostHoleBytes += seqDiff(b, end);
          h[i + 1] = from;
        }
        return true;
      }
    }
    return false;
  }
}
