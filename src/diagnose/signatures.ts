import type { Connection } from '../track/connection.js';
import { SYN_ANSWER_LATEST_NS, SYN_ANSWER_MIN_NS } from './vantage.js';
import { MS, S } from '../capture/time-base.js';

/** Per-connection signature ids: stable, shown in `flows` and explained by `tcpdiag explain`. */
export const SIGNATURES = [
  'syn-retransmit',
  'syn-unanswered',
  'refused',
  'synack-retransmit',
  'synack-retransmit-after-ack',
  'handshake-data-ignored',
  'reset-after-handshake',
  'reset-by-application',
  'syncookie',
  'port-reuse',
] as const;
export type SignatureId = (typeof SIGNATURES)[number];

/**
 * ConnectionFacts.bits: bit i is SIGNATURES[i], then the facts a detector may wait for (ListenerDetector.observes).
 * A detector tests a bit where it would search the list: a few nanoseconds against tens, on every connection
 * (BENCHMARKS.md, session 14). test/diagnose/observes.test.ts checks the order against SIGNATURES.
 */
export const enum Fact {
  SynRetransmit = 1 << 0,
  SynUnanswered = 1 << 1,
  Refused = 1 << 2,
  SynAckRetransmit = 1 << 3,
  SynAckRetransmitAfterAck = 1 << 4,
  HandshakeDataIgnored = 1 << 5,
  ResetAfterHandshake = 1 << 6,
  ResetByApplication = 1 << 7,
  Syncookie = 1 << 8,
  PortReuse = 1 << 9,
  /** ConnectionFacts.synDropped. */
  SynDropped = 1 << 10,
  /** ConnectionFacts.ignoredHandshake. */
  IgnoredHandshake = 1 << 11,
  /** ConnectionFacts.halfOpen (singleSynHalfOpen is one of these). */
  HalfOpen = 1 << 12,
  /** ConnectionFacts.unansweredSyns > 0. */
  UnansweredSyns = 1 << 13,
}

/** The kernel's first SYN-ACK retransmit is due 1 s after the SYN-ACK (TCP_TIMEOUT_INIT, kernel.md §3.2). */
const SYNACK_RTO_NS = 1 * S;
/** A little slack on that, for timer granularity and the ≤4.3 200 ms quantum. */
const SYNACK_RTO_SLACK_NS = 500 * MS;
/** The shortest client retransmission timeout Linux uses (TCP_RTO_MIN). */
const CLIENT_RTO_MIN_NS = 200 * MS;
/** An overflow reset answers the handshake ACK or the data right behind it, within these many client segments. */
const RESET_WITHIN_SEGMENTS = 3;
/** ...and well before the earliest request expiry (1 + 2 s with tcp_synack_retries=1, kernel.md §3.2). */
const RESET_WITHIN_NS = 1 * S;

/**
 * Retries back off (doubling, kernel.md §6.1), so the last gap between a connection's attempts is about
 * half the time since its first: a capture that ended sooner than that after the last attempt ended
 * before the client could have tried again. A lone attempt's first retry is due within 1 s (SYN).
 */
const FIRST_RETRY_NS = 1 * S;

/** How long after a connection's latest packet the capture must go on before the client's next attempt was due. */
function nextAttemptDue(c: Connection): number {
  const firstAttempt = c.synCount > 0 ? c.synTime : c.firstTime;
  return Math.max(FIRST_RETRY_NS, (c.lastTime - firstAttempt) / 2);
}

/** An open SYN-ACK never re-sent looks like a syncookie's once it has waited this long (looksLikeSyncookie). */
const SYNCOOKIE_WAIT_NS = SYNACK_RTO_NS + SYNACK_RTO_SLACK_NS;

/**
 * How long after its latest packet classify()'s verdict on a connection can still change with time alone,
 * its record filled as if it finished later (live watch judges open connections at each window's end):
 * every time rule below is measured from one of its packets up to `finishedAt`, and the longest of them is
 * the wait for a next attempt, which grows with how long the attempts have gone on. Past this only a new
 * packet changes the verdict (test/watch/live.test.ts, "a quiet spell").
 */
export function verdictSettlesAfter(c: Connection): number {
  return Math.max(SYNCOOKIE_WAIT_NS, SYN_ANSWER_LATEST_NS, CLIENT_RTO_MIN_NS, nextAttemptDue(c));
}

/** Derived facts that both the signatures and the listener findings use. */
export interface ConnectionFacts {
  signatures: readonly SignatureId[];
  /** The signatures and the facts below as Fact bits. */
  bits: number;
  /** The server ignored a completed handshake (ACK and/or data dropped) or reset it: accept-queue overflow evidence. */
  ignoredHandshake: boolean;
  /** SYNs the server did not answer (captured, no SYN-ACK for them). */
  unansweredSyns: number;
  /** Client segments the server dropped after the handshake (the kernel's ListenOverflows for this connection). */
  droppedAfterHandshake: number;
  /** The connection got through in the end (data ACKed, or the server spoke). */
  recovered: boolean;
  /** Only SYNs from the client, no handshake ACK and no RST: a handshake left half-open. */
  halfOpen: boolean;
  /** Half-open after a single SYN that was never retried: what a spoofed source sends (real clients retry). */
  singleSynHalfOpen: boolean;
  /** SYNs of this connection went unanswered (not refused): dropped somewhere. */
  synDropped: boolean;
  /**
   * Not recovered, yet not failed either: the capture ended (cut, rotated, stopped) while the client
   * was still trying, before its next retry was due and with nothing closed or reset (issue 19 item 6).
   */
  unresolved: boolean;
}

/**
 * Signatures as bits while a connection is classified; the list for each set
 * of bits is made once and shared by every connection with that set (a few
 * dozen sets in a capture, nobody changes a connection's list). The list comes
 * out in SIGNATURES order, which is the order classify() finds them in.
 */
class SignatureList {
  /** Bit i: SIGNATURES[i] (the Fact bits of the signatures). */
  bits = 0;

  clear(): void {
    this.bits = 0;
  }

  push(id: SignatureId): void {
    this.bits |= 1 << SIGNATURES.indexOf(id);
  }

  list(): SignatureId[] {
    let out = LISTS[this.bits];
    if (out === undefined) {
      out = [];
      for (let i = 0; i < SIGNATURES.length; i++) if (this.bits & (1 << i)) out.push(SIGNATURES[i]!);
      LISTS[this.bits] = out;
    }
    return out;
  }
}

const LISTS: (SignatureId[] | undefined)[] = new Array(1 << SIGNATURES.length);

/** classify()'s scratch list: it runs to the end without calling out, so one serves every call. */
const found = new SignatureList();

/**
 * Whether the SYN-ACK carries the syncookie fingerprint (kernel.md §5, issue 19 item 7): no request sock
 * held it, so it is never re-sent although the handshake stayed open past the kernel's SYN-ACK timer
 * (or re-sent with a frozen TSval). Options alone are no fingerprint: a server that simply offers only
 * MSS (public/example2.pcap) answers like a cookie to a SYN without timestamps, and completes at once.
 */
function looksLikeSyncookie(c: Connection): boolean {
  if (c.synAckCount === 0 || !c.synAckOptions) return false;
  if (c.synAckRetransmits > 0) {
    // A re-sent SYN-ACK comes from a request sock, not a cookie; unless its TSval is frozen (cookie TSvals are).
    return c.synAckSameTsVal;
  }
  const openUntil = c.serverAnswerFrame !== 0 ? c.serverAnswerTime : c.finishedAt;
  const waited = openUntil - c.synAckTime;
  const ackMissing = c.handshakeAckFrame === 0 || c.clientRetransBeforeAnswer > 0 || c.clientSegsBeforeAnswer > 2;
  return ackMissing && waited > SYNCOOKIE_WAIT_NS && c.rstBy !== 'client';
}

/**
 * SYN-ACK copies the server sent within one round trip of its first SYN-ACK (issue 19 item 7): no timer
 * sent them (the first re-send is due SYNACK_RTO_NS later, kernel.md §3.2); the server answered a copy or
 * a re-send of the SYN that was already on its way (Linux re-sends the SYN-ACK for each retransmitted SYN
 * that reaches the request sock), so nothing of the handshake was lost (public/bug-6269-01.pcap: a
 * second SYN-ACK 0.2 ms after the first, for the SYN re-sent 1 s after the first). The round trip is
 * the last SYN before the answer to the handshake ACK, at either vantage; without that ACK it is not
 * measured and no copy is called spurious. Only the copies whose times the tracker kept are looked at.
 */
export function spuriousSynAckCopies(c: Connection): number {
  if (c.synAckCount < 2 || c.handshakeAckFrame === 0 || c.synCount === 0) return 0;
  const window = Math.min(c.handshakeAckTime - c.lastSynTime, SYNACK_RTO_NS);
  if (!(window > 0)) return 0;
  const times = c.synAckTimes;
  let n = 0;
  for (let i = 1; i < times.length; i++) if (times[i]! - c.synAckTime < window) n++;
  return n;
}

/**
 * The signatures of one finished connection, from its record alone. They
 * state what the wire shows; how much each weighs (vantage point, other
 * connections) is the listener findings' business. `synAnswerDue`: how long after its last SYN an
 * unanswered connection's answer was due (vantage.ts synAnswerDue(), from its listener's measured
 * turnaround); a capture (a file rotated by tcpdump -C/-G, a cut, --until) or a watch window that ended
 * sooner never showed whether it was answered: not a dropped SYN.
 */
export function classify(c: Connection, synAnswerDue = SYN_ANSWER_MIN_NS): ConnectionFacts {
  const sig = found;
  sig.clear();
  const synAnswered = c.synAckCount > 0;
  let unansweredSyns = 0;
  // A SYN the host answered with a RST or with a bare ACK (TIME_WAIT) was not dropped.
  if (c.synCount > 0 && !c.synAnsweredByAck) {
    if (synAnswered) unansweredSyns = c.synRetransBeforeAnswer;
    else if (!c.rstAnswersSyn && c.rstBy !== 'server') {
      // A server RST with no SYN-ACK answered the SYN (a refusal, whatever its ack): not a drop (bug-3844).
      // The capture (or --until) ended before the last SYN's answer was due: an unseen answer, not a drop.
      const answerNotDue = !c.evicted && c.finishedAt - c.lastSynTime < synAnswerDue;
      // The client reset its own SYN before the server's answer was due (a scanner, connect() abandoned):
      // the last SYN was not left unanswered by the server (syn-then-rst).
      const clientGaveUp = c.rstBy === 'client' && c.rstTime - c.lastSynTime < SYNACK_RTO_NS;
      unansweredSyns = c.synCount - (answerNotDue || clientGaveUp ? 1 : 0);
    }
  }
  if (c.synRetransBeforeAnswer > 0) sig.push('syn-retransmit');
  if (c.rstAnswersSyn || (!synAnswered && c.rstBy === 'server' && c.synCount > 0)) sig.push('refused');
  else if (!synAnswered && unansweredSyns > 0) sig.push('syn-unanswered');
  const afterAck = c.synAckAfterAck;
  // A copy within one round trip of the first SYN-ACK answered a SYN copy: not a SYN-ACK lost on the path.
  if (c.synAckRetransmits - afterAck > 0 && c.synAckRetransmits - afterAck - spuriousSynAckCopies(c) > 0) sig.push('synack-retransmit');
  if (afterAck > 0) sig.push('synack-retransmit-after-ack');

  const serverRst = c.rstBy === 'server';
  const bareRstAtClientAck = serverRst && !c.rstHasAck && c.rstSeqVsPeerAck === 0 && !c.rstAfterServerData;
  // The overflow reset comes at once (tcp_abort_on_overflow=1); the listener's RST after a request expired
  // (kernel.md §3.4) comes seconds later, after re-sent SYN-ACKs: keep that one apart.
  const resetAfterHandshake =
    bareRstAtClientAck && c.handshakeAckFrame !== 0 && c.clientSegsBeforeAnswer <= RESET_WITHIN_SEGMENTS &&
    c.serverAnswerFrame === c.rstFrame && c.synAckAfterAck === 0 && c.rstTime - c.handshakeAckTime < RESET_WITHIN_NS;

  // Measured from the first captured data: data lost before the capture point was never there to ignore.
  const dataWait = c.clientFirstDataFrame === 0 ? NaN : (c.serverAnswerFrame !== 0 ? c.serverAnswerTime : c.finishedAt) - c.clientFirstDataTime;
  const dataIgnored =
    c.clientFirstDataFrame !== 0 &&
    c.clientRetransBeforeAnswer > 0 &&
    dataWait >= CLIENT_RTO_MIN_NS &&
    !resetAfterHandshake;
  if (dataIgnored) sig.push('handshake-data-ignored');
  if (resetAfterHandshake) sig.push('reset-after-handshake');
  else if (serverRst && c.rstAfterServerData && c.rstHasAck) sig.push('reset-by-application');
  if (looksLikeSyncookie(c)) sig.push('syncookie');
  if (c.reusesEarlier) sig.push('port-reuse');

  // TCP_DEFER_ACCEPT (kernel.md §2.6) also re-sends the SYN-ACK after a bare ACK, but ACKs the first data
  // at once: not a full queue.
  const deferAccept =
    afterAck > 0 && !dataIgnored && c.clientFirstDataFrame !== 0 && c.serverDataAckFrame !== 0 &&
    c.serverDataAckTime - c.clientFirstDataTime < CLIENT_RTO_MIN_NS && c.lastSynAckTime < c.clientFirstDataTime;
  const ignoredHandshake = (afterAck > 0 && !deferAccept) || dataIgnored || resetAfterHandshake;
  let droppedAfterHandshake = 0;
  if (ignoredHandshake) {
    // Every client segment from the handshake ACK to the server's first answer was dropped, except the one
    // that finally found room (the answer is an ACK); a reset answers the segment that overflowed.
    const n = c.clientSegsBeforeAnswer;
    // An overflow reset answers the one segment that overflowed: the kernel removes the request with it, so
    // the client data already in flight behind the ACK meets the bare listener (a second RST, no
    // ListenOverflows; kernel.md §2.3, §2.4). Any other answer (an ACK once there was room, or the
    // listener's RST after the request expired) answers one that got through to a socket.
    droppedAfterHandshake = resetAfterHandshake ? 1 : c.serverAnswerFrame !== 0 ? Math.max(0, n - 1) : n;
  }
  // Without client data (a server-speaks-first protocol) only an answer from the server shows recovery:
  // an expired request goes silent (kernel.md §2.2).
  const recovered =
    c.serverDataAckFrame !== 0 || c.serverFirstDataFrame !== 0 || (c.handshakeAckFrame !== 0 && c.clientFirstDataFrame === 0 && c.serverAnswerFrame !== 0 && !serverRst);
  const halfOpen = c.synCount > 0 && c.handshakeAckFrame === 0 && c.rstBy === null && c.client.packets - c.client.duplicates === c.synCount;
  const unresolved =
    !recovered && c.rstBy === null && !c.client.finSeen && !c.server.finSeen && !c.evicted && c.finishedAt - c.lastTime < nextAttemptDue(c);
  const synDropped = unansweredSyns > 0 && !c.rstAnswersSyn;
  const bits =
    sig.bits | (synDropped ? Fact.SynDropped : 0) | (ignoredHandshake ? Fact.IgnoredHandshake : 0) | (halfOpen ? Fact.HalfOpen : 0) |
    (unansweredSyns > 0 ? Fact.UnansweredSyns : 0);
  return {
    signatures: sig.list(),
    bits,
    ignoredHandshake,
    unansweredSyns,
    droppedAfterHandshake,
    recovered,
    halfOpen,
    singleSynHalfOpen: halfOpen && c.synCount === 1,
    synDropped,
    unresolved,
  };
}
