import type { Connection } from '../track/connection.js';
import { EvidencePicker } from './evidence.js';
import { NumberSet, Samples } from './samples.js';
import { Timeline } from './timeline.js';
import type { ConnectionFacts } from './signatures.js';

// A flood of spoofed sources must not make the source set the memory problem it measures.
const MAX_SOURCES = 100_000;
const MAX_SAMPLES = 200_000;

/**
 * Everything the findings need about one server ip:port, accumulated one
 * finished connection at a time (nothing per connection is kept beyond a
 * few numbers and the evidence candidates).
 */
export class ListenerStats {
  connections = 0;
  answered = 0;
  completed = 0;
  refused = 0;
  // Accept-queue overflow.
  ignoredHandshakes = 0;
  strongIgnored = 0;
  synAckAfterAckConns = 0;
  dataIgnoredConns = 0;
  cookieIgnoredConns = 0;
  /** Data ignored with neither a re-sent SYN-ACK nor a syncookie to explain it. */
  dataOnlyIgnoredConns = 0;
  resetConns = 0;
  droppedAfterHandshake = 0;
  unansweredSyns = 0;
  /** Every SYN left unanswered, half-open flood SYNs included (TcpExtTCPReqQFullDrop when cookies are off). */
  allUnansweredSyns = 0;
  synDropConns = 0;
  affectedRecovered = 0;
  affectedFailed = 0;
  readonly addedLatency = new Samples(MAX_SAMPLES);
  readonly baseline = new Samples(4096);
  /** When each affected connection first met the full queue. */
  readonly events = new Samples(MAX_SAMPLES);
  /** Handshakes completed: time, and 1 when the server ignored or reset it (else 0). */
  readonly handshakeTimes = new Samples(MAX_SAMPLES);
  readonly handshakeOverflowed = new Samples(MAX_SAMPLES);
  // SYN flood.
  halfOpen = 0;
  /** Half-open after a single SYN that was never retried: the flood pattern. */
  halfOpenOneSyn = 0;
  halfOpenCookies = 0;
  halfOpenSynDrops = 0;
  /** Single-SYN half-open connections left unanswered: failed connects, or a flood's spoofed SYNs. */
  halfOpenDropped = 0;
  readonly halfOpenDropTimes = new Samples(MAX_SAMPLES);
  /** Distinct half-open sources: the IPv4 address itself, a seeded hash of an IPv6 one. */
  readonly sources = new NumberSet(MAX_SOURCES);
  sourcesCapped = false;
  syncookieConns = 0;
  // Others.
  appResets = 0;
  handshakeLossConns = 0;
  portReuse = 0;
  firstTime = Infinity;
  lastTime = -Infinity;
  firstAffected = Infinity;
  lastAffected = -Infinity;

  readonly timeline = new Timeline();
  readonly overflowEvidence = new EvidencePicker();
  readonly refusedEvidence = new EvidencePicker();
  readonly floodEvidence = new EvidencePicker(3);
  readonly appResetEvidence = new EvidencePicker();
  readonly lossEvidence = new EvidencePicker();
  readonly reuseEvidence = new EvidencePicker(3);
  readonly unansweredEvidence = new EvidencePicker();

  constructor(
    readonly listener: string,
    readonly address: string,
  ) {}

  // The server endpoint in numbers, to recognise its connections without formatting their address.
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;
  private port = -1;

  identify(c: Connection): void {
    this.w0 = c.s0;
    this.w1 = c.s1;
    this.w2 = c.s2;
    this.w3 = c.s3;
    this.port = c.sPort;
  }

  serves(c: Connection): boolean {
    return c.sPort === this.port && c.s3 === this.w3 && c.s2 === this.w2 && c.s1 === this.w1 && c.s0 === this.w0;
  }

  add(c: Connection, f: ConnectionFacts): void {
    const sig = f.signatures;
    this.connections++;
    if (c.firstTime < this.firstTime) this.firstTime = c.firstTime;
    if (c.lastTime > this.lastTime) this.lastTime = c.lastTime;
    if (c.synAckCount > 0) this.answered++;
    if (c.handshakeAckFrame !== 0) {
      this.completed++;
      if (this.handshakeTimes.push(c.handshakeAckTime)) this.handshakeOverflowed.push(f.ignoredHandshake ? 1 : 0);
    }
    if (sig.includes('syncookie')) this.syncookieConns++;
    if (sig.includes('refused')) {
      this.refused++;
      this.refusedEvidence.offer(1, c, sig);
    }
    if (sig.includes('reset-by-application')) {
      this.appResets++;
      this.appResetEvidence.offer(1, c, sig);
    }
    if (sig.includes('port-reuse')) {
      this.portReuse++;
      this.reuseEvidence.offer(1, c, sig);
    }

    const halfOpen = c.synCount > 0 && c.handshakeAckFrame === 0 && c.rstBy === null && c.client.packets - c.client.duplicates === c.synCount;
    // One SYN, never retried, never completed: what a spoofed source sends. Real clients retry theirs.
    const spoofLike = halfOpen && c.synCount === 1;
    if (spoofLike) this.halfOpenOneSyn++;
    if (halfOpen) {
      this.halfOpen++;
      if (sig.includes('syncookie')) this.halfOpenCookies++;
      this.halfOpenSynDrops += f.unansweredSyns;
      if (!(c.ipVersion === 4 ? this.sources.add(c.c3) : this.sources.add128(c.c0, c.c1, c.c2, c.c3))) this.sourcesCapped = true;
      this.floodEvidence.offer(c.synAckCount > 0 ? 2 : 1, c, sig);
    }
    if (sig.includes('syn-unanswered')) this.unansweredEvidence.offer(c.synCount, c, sig);

    const synDropped = f.unansweredSyns > 0 && !sig.includes('refused');
    this.allUnansweredSyns += f.unansweredSyns;
    if (synDropped) {
      this.unansweredSyns += f.unansweredSyns;
      this.synDropConns++;
    }
    if (f.ignoredHandshake) {
      this.ignoredHandshakes++;
      // One unanswered retransmission can be a lost segment; more, a reset, or a re-sent SYN-ACK cannot.
      if (c.clientRetransBeforeAnswer >= 2 || c.synAckAfterAck > 0 || sig.includes('reset-after-handshake')) this.strongIgnored++;
      if (sig.includes('synack-retransmit-after-ack')) this.synAckAfterAckConns++;
      if (sig.includes('handshake-data-ignored')) this.dataIgnoredConns++;
      if (sig.includes('handshake-data-ignored') && c.synAckAfterAck === 0) {
        if (sig.includes('syncookie')) this.cookieIgnoredConns++;
        else this.dataOnlyIgnoredConns++;
      }
      if (sig.includes('reset-after-handshake')) this.resetConns++;
      this.droppedAfterHandshake += f.droppedAfterHandshake;
    }
    // One event per affected connection, at the first moment it met the full queue.
    if (f.ignoredHandshake) {
      this.event(synDropped ? c.synTime : c.handshakeAckTime);
    } else if (synDropped && spoofLike) {
      // Never answered at all: an overflow victim, unless these are a flood's spoofed SYNs (decided at the end).
      this.halfOpenDropped++;
      this.halfOpenDropTimes.push(c.synTime);
    } else if (synDropped) {
      this.event(c.synTime);
    }
    if (f.ignoredHandshake || (synDropped && !spoofLike)) {
      const score =
        (sig.includes('reset-after-handshake') ? 6 : 0) +
        (sig.includes('synack-retransmit-after-ack') ? 6 : 0) +
        (sig.includes('handshake-data-ignored') ? 4 + Math.min(c.clientRetransBeforeAnswer, 5) : 0) +
        (synDropped ? 1 : 0);
      this.overflowEvidence.offer(score, c, sig);
      if (f.recovered) this.affectedRecovered++;
      else this.affectedFailed++;
      const d = firstAnswerDelay(c);
      if (f.recovered && !Number.isNaN(d)) this.addedLatency.push(d);
    } else if (c.handshakeAckFrame !== 0 && !halfOpen) {
      const d = firstAnswerDelay(c);
      if (!Number.isNaN(d)) this.baseline.push(d);
    }
    this.timeline.addConnection(c, f.ignoredHandshake, sig.includes('reset-after-handshake') || sig.includes('reset-by-application'), sig.includes('refused'));
    if (!f.ignoredHandshake && (sig.includes('synack-retransmit') || (sig.includes('syn-retransmit') && c.synAckCount > 0))) {
      this.handshakeLossConns++;
      this.lossEvidence.offer(1, c, sig);
    }
  }

  private event(time: number): void {
    if (time < this.firstAffected) this.firstAffected = time;
    if (time > this.lastAffected) this.lastAffected = time;
    this.events.push(time);
  }
}

/** Time from the first SYN to the server's first answer after the handshake (data ACK, data or RST). */
export function firstAnswerDelay(c: Connection): number {
  if (c.synFrame === 0 || c.synAckFrame === 0) return NaN;
  const answer = c.serverAnswerFrame !== 0 ? c.serverAnswerTime : NaN;
  return answer - c.synTime;
}
