import type { Connection } from '../track/connection.js';
import { MS, S, US } from '../capture/time-base.js';

/** Where one listener's packets were captured: at its host (server), at its clients' (client), between, or both ends on one host. */
export type Vantage = 'server' | 'client' | 'middle' | 'local' | 'unknown';
/** The capture's vantage: one listener's, or `mixed` when its listeners were seen from different sides (a proxy, issue 19 item 4). */
export type CaptureVantage = Vantage | 'mixed';

// Enough handshakes to read the medians from; more would only cost memory.
const MAX_SAMPLES = 4096;
const RETRIED_SAMPLES = 256;
/** Per listener: a proxy's few listeners need far fewer to tell a microsecond turnaround from a round trip. */
export const LISTENER_SAMPLES = 256;
/** A host answers its own SYN or SYN-ACK in well under this; a network round trip rarely does. */
const LOCAL_TURNAROUND_NS = 2 * MS;
/**
 * When a SYN's answer is due (issue 19 item 6): a capture or a window that ends sooner than this after a
 * SYN never showed whether it was answered (`unresolved`, not a drop). A few times the listener's measured
 * SYN → SYN-ACK turnaround: microseconds at the server (4–21 µs in the lab; a SYN dropped 0.35 ms before
 * the end of kernel-lab's ackov1b was counted by the kernel as a ListenOverflow, so never less than
 * SYN_ANSWER_MIN_NS), a round trip elsewhere. Without a measured turnaround, the client's own shortest
 * retransmission timeout (TCP_RTO_MIN); never more than the client's first SYN retransmit (1 s).
 * analyze (Analyzer.add) and watch (live.ts) both use it.
 */
export const SYN_ANSWER_MIN_NS = 100 * US;
export const SYN_ANSWER_FALLBACK_NS = 200 * MS;
/** The longest synAnswerDue() gives: a SYN older than this at the end was due whatever the turnaround. */
export const SYN_ANSWER_LATEST_NS = 1 * S;

export function synAnswerDue(turnaround: number): number {
  if (!(turnaround >= 0)) return SYN_ANSWER_FALLBACK_NS;
  return Math.min(SYN_ANSWER_LATEST_NS, Math.max(SYN_ANSWER_MIN_NS, 3 * turnaround));
}

/**
 * A listener's own timing decides its vantage when it shows a host's turnaround on one side (server or
 * client), whatever the number of handshakes; a `middle` reading (both turnarounds long) is noisier and
 * needs this many handshakes, else the capture's vantage stands for the listener.
 */
const MIN_OWN_MIDDLE = 5;

/**
 * Without a handshake to time (a capture that started after them: issue 19 item 6), each side's turnaround
 * to the other's data decides (Connection.serverAckDelay, clientAckDelay): at the server the server ACKs
 * client data within microseconds while the client's ACK of server data takes a round trip; at the client
 * the other way round. Timing one direction alone would call a client with a sub-millisecond round trip a
 * server, so a connection votes only when both are timed and one is a host's (under LOCAL_TURNAROUND_NS)
 * and the other over 4 times longer, as for the handshake. A side is named only when at least
 * MIN_DATA_VOTES connections vote for it and they are at least DATA_AGREEMENT of the connections timed
 * both ways; else the listener's vantage stays unknown. Neither `middle` nor `local` is read from data:
 * a delayed ACK (40 ms and more) makes both turnarounds long at any vantage.
 */
const MIN_DATA_VOTES = 5;
const DATA_AGREEMENT = 0.9;
/** Connections timed both ways that are kept: the first ones (a listener's vantage does not drift). */
const DATA_SAMPLES = 256;

/** The upper middle of the sorted values (NaN for none). */
function median(a: number[]): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

/** A handshake the medians can time: a SYN, one SYN-ACK after it, the client's ACK (clean when synCount is 1). */
function isTimedHandshake(c: Connection): boolean {
  return c.synCount > 0 && c.synAckCount === 1 && c.handshakeAckFrame !== 0 && !c.synAckBeforeSyn;
}

/**
 * Where the `seen`-th sample goes once the reservoir is full (kept when below its size): reservoir sampling
 * keeps the medians honest over a long capture, deterministic so that one capture always gives one report.
 */
function reservoirSlot(seen: number): number {
  return (Math.imul(seen, 2654435761) >>> 0) % seen;
}

export interface VantageReading {
  vantage: Vantage;
  /** Median SYN → SYN-ACK and SYN-ACK → ACK over the clean handshakes, nanoseconds (NaN without one). */
  synToSynAck: number;
  synAckToAck: number;
  handshakes: number;
  /** Which handshakes the medians are of: `clean` ones (one SYN), else those with a re-sent SYN, timed from the last SYN. */
  handshakeKind: HandshakeKind;
}

/** See VantageReading.handshakeKind. */
export type HandshakeKind = 'clean' | 'resent-syn';

/**
 * Where the capture was taken, from handshake timing (kernel.md §10): at the
 * server SYN→SYN-ACK takes microseconds and SYN-ACK→ACK a round trip; at the
 * client the other way round; in the middle both take part of the trip. Without a handshake, each side's
 * turnaround to the other's data (MIN_DATA_VOTES).
 * One estimator reads the whole capture; each listener has its own (listener.ts), since a proxy's
 * capture sees its front listener from the server side and its back ends from the client side.
 */
export class VantageEstimator {
  private synToSynAck: number[] = [];
  private synAckToAck: number[] = [];
  private seen = 0;
  /**
   * Handshakes whose SYN was re-sent (one SYN-ACK, to the last SYN, then the ACK), read only when there is
   * no clean one: a listener whose every client retried (a SYN flood's victim, a lossy path) still shows
   * which side answers in microseconds. The first RETRIED_SAMPLES of them.
   */
  private retriedToSynAck: number[] = [];
  private retriedToAck: number[] = [];
  /** Connections timed both ways, read only without a handshake: each side's turnaround to the other's data. */
  private dataTimed = 0;
  private serverVotes = 0;
  private clientVotes = 0;
  /** Connections, and those between two addresses of one host (the same address, or loopback). */
  private connections = 0;
  private onHost = 0;

  /**
   * The median SYN → SYN-ACK as last worked out (NaN: not yet), and the samples it was worked out from: it
   * is worked out again once the samples have grown by an eighth (every one of the first 16), not per sample,
   * so a capture's end, where unanswered and clean handshakes alternate, sorts no list per connection.
   */
  private turnaroundNow = NaN;
  private turnaroundFrom = 0;
  /** Whether turnaroundNow is of the clean handshakes: the first clean one replaces a median of retried ones. */
  private turnaroundClean = false;

  constructor(private readonly maxSamples = MAX_SAMPLES) {}

  /** The median SYN → SYN-ACK of the clean handshakes so far (else of those with a re-sent SYN; NaN without one). */
  turnaround(): number {
    const clean = this.seen > 0;
    const n = clean ? this.seen : this.retriedToSynAck.length;
    if (n > 0 && (Number.isNaN(this.turnaroundNow) || clean !== this.turnaroundClean || n - this.turnaroundFrom > Math.max(0, (this.turnaroundFrom - 16) >> 3))) {
      this.turnaroundNow = median(clean ? this.synToSynAck : this.retriedToSynAck);
      this.turnaroundFrom = n;
      this.turnaroundClean = clean;
    }
    return this.turnaroundNow;
  }

  add(c: Connection): void {
    this.connections++;
    if (sameHost(c)) this.onHost++;
    const sa = c.serverAckDelay;
    const ca = c.clientAckDelay;
    if (this.dataTimed < DATA_SAMPLES && sa >= 0 && ca >= 0) {
      this.dataTimed++;
      if (sa < LOCAL_TURNAROUND_NS && ca > 4 * sa) this.serverVotes++;
      else if (ca < LOCAL_TURNAROUND_NS && sa > 4 * ca) this.clientVotes++;
    }
    // Only clean handshakes: one SYN, one SYN-ACK, the ACK.
    if (!isTimedHandshake(c)) return;
    if (c.synCount > 1) {
      if (this.seen === 0 && this.retriedToSynAck.length < RETRIED_SAMPLES && c.synAckTime > c.lastSynTime) {
        this.retriedToSynAck.push(c.synAckTime - c.lastSynTime);
        this.retriedToAck.push(c.handshakeAckTime - c.synAckTime);
      }
      return;
    }
    this.seen++;
    const a = c.synAckTime - c.synTime;
    const b = c.handshakeAckTime - c.synAckTime;
    if (this.synToSynAck.length < this.maxSamples) {
      this.synToSynAck.push(a);
      this.synAckToAck.push(b);
    } else {
      const j = reservoirSlot(this.seen);
      if (j < this.maxSamples) {
        this.synToSynAck[j] = a;
        this.synAckToAck[j] = b;
      }
    }
  }

  /** The medians' reading as it stands; `local` when both turnarounds are a host's (both ends captured on one host). */
  result(): VantageReading {
    const clean = this.synToSynAck.length > 0;
    const a = median(clean ? this.synToSynAck : this.retriedToSynAck);
    const b = median(clean ? this.synAckToAck : this.retriedToAck);
    let vantage: Vantage = 'unknown';
    if (!Number.isNaN(a)) {
      if (a < LOCAL_TURNAROUND_NS && b > 4 * a) vantage = 'server';
      else if (b < LOCAL_TURNAROUND_NS && a > 4 * b) vantage = 'client';
      // Both turnarounds local: the capture saw both ends on one host (loopback). Only when the timing
      // could not tell server from client: a client in a data centre has sub-ms RTTs too.
      else if (a < LOCAL_TURNAROUND_NS && b < LOCAL_TURNAROUND_NS) vantage = 'local';
      else vantage = 'middle';
    } else if (this.connections > 0 && this.onHost === this.connections) {
      // No handshake to time, but every connection ran between addresses of one host: the capture saw both ends.
      vantage = 'local';
    } else vantage = this.dataVantage();
    return { vantage, synToSynAck: a, synAckToAck: b, handshakes: clean ? this.seen : this.retriedToSynAck.length, handshakeKind: clean || this.retriedToSynAck.length === 0 ? 'clean' : 'resent-syn' };
  }

  /** The side the data turnarounds name when enough connections agree (see MIN_DATA_VOTES), else unknown. */
  private dataVantage(): Vantage {
    const needed = Math.max(MIN_DATA_VOTES, DATA_AGREEMENT * this.dataTimed);
    if (this.serverVotes >= needed) return 'server';
    if (this.clientVotes >= needed) return 'client';
    return 'unknown';
  }
}

/** A listener's own reading is its vantage: a host's turnaround on one side, or a `middle` read from enough handshakes. */
export function ownVantage(r: VantageReading): Vantage | null {
  if (r.vantage === 'unknown') return null;
  if (r.vantage === 'middle' && r.handshakes < MIN_OWN_MIDDLE) return null;
  return r.vantage;
}

/**
 * The capture's vantage from its listeners' own: `mixed` when some were seen from the server side and
 * others from the client side (a proxy, a host that serves and also connects out); else the capture-wide reading.
 */
export function captureVantage(whole: VantageReading, own: Iterable<Vantage | null>): CaptureVantage {
  let server = false;
  let client = false;
  for (const v of own) {
    if (v === 'server') server = true;
    else if (v === 'client') client = true;
  }
  return server && client ? 'mixed' : whole.vantage;
}

/** Both ends on one host: the same address, or loopback (127.0.0.0/8 as ::ffff:127.x.y.z, ::1). */
function sameHost(c: Connection): boolean {
  if (c.c0 === c.s0 && c.c1 === c.s1 && c.c2 === c.s2 && c.c3 === c.s3) return true;
  const loop = (a0: number, a1: number, a2: number, a3: number) =>
    a0 === 0 && a1 === 0 && ((a2 === 0xffff && a3 >>> 24 === 127) || (a2 === 0 && a3 === 1));
  return loop(c.c0, c.c1, c.c2, c.c3) && loop(c.s0, c.s1, c.s2, c.s3);
}
