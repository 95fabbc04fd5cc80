// The listener's accept queue was full: completed handshakes ignored or reset, SYNs dropped (kernel.md §1–§4).

import type { Connection } from '../../track/connection.js';
import { port, whereOf, type JudgeContext, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import {
  ABORT_0,
  ABORT_1,
  COOKIE_OVERFLOW,
  HOST_STEP,
  NETSTAT_STEP,
  NSTAT_STEP,
  OLD_SYN_QUEUE,
  QUEUE_MODEL,
  QUEUES_STEP,
  SS_STEP,
  SYN_AT_FULL_QUEUES,
  SYNACK_TIMING,
  VANTAGE,
} from '../explain/fragments.js';
import { plural } from '../plural.js';
import { lossPerAttempt, PathLoss, RunTally, SourceTally, type PathLossTest } from '../differential.js';
import type { Alternative, Confidence, FindingCommon, LatencySummary } from '../finding.js';
import { firstAnswerDelay, type ListenerBase } from '../listener.js';
import { acceptQueueEstimate, baselineOf, episodesOfSpans, latencyHistogram, latencySummary, peakPerSecond } from '../overflow.js';
import { MIN_SYN_QUEUE_CONNECTIONS, QueueOccupancy, type SynQueueDrops } from '../queue-occupancy.js';
import { Samples } from '../samples.js';
import { Fact, type ConnectionFacts } from '../signatures.js';
import type { Vantage } from '../vantage.js';
import { isFlood, synFlood } from './syn-flood.js';
import { S } from '../../capture/time-base.js';
import { measuredNanos } from '../duration.js';

/** Most samples a listener keeps of each kind (the first ones). */
export const MAX_SAMPLES = 200_000;
/** Most healthy connections' first-answer delays a listener keeps for its baseline (the first ones). */
export const MAX_BASELINE_SAMPLES = 4096;
/**
 * A full queue's drops end together when the acceptor drains it (kernel.md §10.1): connections whose
 * unanswered runs were answered within this window of each other were held by the same stall.
 */
const DRAIN_WINDOW_NS = 1 * S;
/**
 * Connections whose handshake the capture missed and whose first data the server left unanswered (≥ 2
 * retransmissions) that it takes to count them: one alone can be an established connection's loss.
 */
const MIN_MID_STREAM = 2;

export interface AcceptQueueOverflowFinding extends FindingCommon<'accept-queue-overflow'> {
  abortOnOverflow: '0' | '1' | 'unknown';
  droppedSegments: number;
  resets: number;
  synDrops: number;
  ignoredHandshakes: number;
  recovered: number;
  failed: number;
  addedLatency: LatencySummary | null;
  /** Histogram of the added latency of recovered connections: counts[i] fall in [edges[i], edges[i+1]) nanoseconds (seconds in the report: report/model.ts), the last bin is open-ended. */
  latencyHistogram: { edges: number[]; counts: number[] } | null;
  acceptQueueEstimate: number | null;
  peakHandshakesPerSecond: number;
}

export class AcceptQueueState {
  ignoredHandshakes = 0;
  /** Ignored with more than one lost segment could explain: ≥ 2 unanswered retransmissions, a re-sent SYN-ACK or a reset. */
  strongIgnored = 0;
  synAckAfterAckConns = 0;
  cookieIgnoredConns = 0;
  /** Data ignored with neither a re-sent SYN-ACK nor a syncookie to explain it. */
  dataOnlyIgnoredConns = 0;
  resetConns = 0;
  /**
   * Connections whose handshake the capture missed (it started later, issue 19 item 6): those whose first
   * captured data the server left unanswered through ≥ 2 retransmissions, and those it served at once.
   */
  midStreamIgnored = 0;
  midStreamServed = 0;
  /** Of dataOnlyIgnoredConns, those whose handshake the capture missed. */
  midStreamDataIgnoredConns = 0;
  /** Client segments counted as dropped on the dataOnlyIgnoredConns (their handshake captured). */
  dataOnlyDropped = 0;
  /** Handshakes captured complete that carried client data: what path loss of one data segment could hit. */
  dataHandshakes = 0;
  /**
   * Ignored handshakes whose only sign is one unanswered data retransmission, answered at the next (no
   * re-sent SYN-ACK, no syncookie, no reset): what one lost segment shows on a connection the queue never
   * held. The segments counted on them, and the other ignored handshakes (held) that the server answered.
   */
  weakIgnoredConns = 0;
  weakDropped = 0;
  heldIgnoredConns = 0;
  heldAnswered = 0;
  /** Of heldAnswered, the data-only ones (left out whole when tcp_abort_on_overflow=1 is proven). */
  heldAnsweredDataOnly = 0;
  /** SYNs the clients sent to the listener, retransmissions included: what path loss had to hit. */
  synsSent = 0;
  droppedAfterHandshake = 0;
  /** SYNs left unanswered (not refused), and the connections they belong to. */
  unansweredSyns = 0;
  synDropConns = 0;
  affectedRecovered = 0;
  affectedFailed = 0;
  /** Neither: still trying when the capture ended (signatures.ts `unresolved`). */
  affectedUnresolved = 0;
  /** Single-SYN half-open connections left unanswered: failed connects, or a flood's spoofed SYNs (decided at the end). */
  halfOpenDropped = 0;
  /** ...of which the capture ended before the client's next SYN was due: unresolved, not failed. */
  halfOpenUnresolved = 0;
  syncookieConns = 0;
  firstAffected = Infinity;
  lastAffected = -Infinity;
  readonly addedLatency = new Samples(MAX_SAMPLES);
  readonly baseline = new Samples(MAX_BASELINE_SAMPLES);
  /** When each affected connection first met the full queue. */
  readonly events = new Samples(MAX_SAMPLES);
  readonly halfOpenDropTimes = new Samples(MAX_SAMPLES);
  /** Handshakes completed: time, and 1 when the server ignored or reset it (else 0). */
  readonly handshakeTimes = new Samples(MAX_SAMPLES);
  readonly handshakeOverflowed = new Samples(MAX_SAMPLES);
  readonly evidence = new EvidencePicker();
  /** The path's loss rate, measured on the server's data (never passes the listen queue). */
  readonly pathLoss = new PathLoss();
  /** Runs of unanswered handshake-phase attempts of the suspect connections. */
  readonly runs = new RunTally();
  /** Which sources had SYNs dropped, which were answered. */
  readonly sources = new SourceTally();
  /** What the SYN and accept queues held when SYNs were dropped (queue-occupancy.ts). */
  readonly occupancy = new QueueOccupancy();
  /** When each connection whose SYNs went unanswered was finally answered. */
  readonly runAnswers = new Samples(4096);

  /** When each affected connection last met the full queue (its episode's end). */
  readonly eventEnds = new Samples(MAX_SAMPLES);
  readonly halfOpenDropEnds = new Samples(MAX_SAMPLES);

  event(time: number, end = time): void {
    if (time < this.firstAffected) this.firstAffected = time;
    if (end > this.lastAffected) this.lastAffected = end;
    if (this.events.push(time)) this.eventEnds.push(end);
  }
}

/** The strongest signs first: a reset or a re-sent SYN-ACK, then data retransmitted unanswered (the more, the surer). */
function score(c: Connection, f: ConnectionFacts): number {
  const bits = f.bits;
  return (
    (bits & Fact.ResetAfterHandshake ? 6 : 0) +
    (bits & Fact.SynAckRetransmitAfterAck ? 6 : 0) +
    (bits & Fact.HandshakeDataIgnored ? 4 + Math.min(c.clientRetransBeforeAnswer, 5) : 0) +
    (f.synDropped ? 1 : 0)
  );
}

/** What the evidence of one listener shows, and how sure it is (kernel.md §10.1). */
export interface OverflowJudgement {
  shown: boolean;
  confidence: Confidence;
  alternatives: Alternative[];
  /** SYN drops are a filter's (one source never answered while others were): they are not the queue's. */
  filtered: boolean;
  loss: PathLossTest;
  /** Connections whose unanswered runs were answered within one drain window. */
  drainedTogether: number;
}

/** The most connections answered within DRAIN_WINDOW_NS of each other. */
function drainedTogether(times: Samples): number {
  const t = times.sorted();
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! > DRAIN_WINDOW_NS) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * The dropped SYNs that met a full SYN queue (from two connections on, as syn-queue-overflow counts them):
 * not this queue's, whether or not that finding is made (the accept queue had room then).
 */
export function synQueueShare(s: AcceptQueueState): SynQueueDrops {
  const sq = s.occupancy.synQueueDrops();
  return sq.connections >= MIN_SYN_QUEUE_CONNECTIONS ? sq : { synDrops: 0, held: 0, connections: 0, otherConnections: 0 };
}

/** Whether the listener's record shows an accept-queue overflow, weighed by where the capture was taken and the look-alikes. */
export function judgeOverflow(s: AcceptQueueState, base: ListenerBase, vantage: Vantage, flood: boolean): OverflowJudgement {
  const atServer = vantage === 'server' || vantage === 'local';
  const loss = s.runs.test(s.pathLoss, base.connections);
  const filtered = s.sources.filtered();
  const together = drainedTogether(s.runAnswers);
  const no = (alternatives: Alternative[] = []): OverflowJudgement => ({ shown: false, confidence: 'possible', alternatives, filtered, loss, drainedTogether: together });
  const yes = (confidence: Confidence, alternatives: Alternative[] = []): OverflowJudgement => ({ shown: true, confidence, alternatives, filtered, loss, drainedTogether: together });
  // The abort=1 reset answers the handshake ACK itself: no path loss or filter sends it.
  if (s.resetConns > 0) return yes('certain');
  // "While it completed others": a listener that ignored its only handshake may just have lost the ACK.
  // A capture that missed the handshakes shows the others as connections the server served at once.
  const others = base.completed - s.ignoredHandshakes > 0 || s.midStreamServed > 0;
  // SYNs left unanswered while the listener answered others, from more than one connection, and not a filter's
  // nor a full SYN queue's (syn-queue-overflow).
  const sq = synQueueShare(s);
  // A connection whose first SYNs met the full SYN queue and later ones the full accept queue counts here too (synq0).
  const synDrops = !flood && !filtered && Math.max(s.synDropConns - sq.connections, sq.otherConnections) >= 2 && base.answered > 0;
  // Data ignored on connections whose handshake was not captured counts only from two such connections on.
  const ignored = s.ignoredHandshakes - s.midStreamIgnored + (s.midStreamIgnored >= MIN_MID_STREAM ? s.midStreamIgnored : 0);
  if (atServer) {
    if (others && ignored >= 1) return yes('certain');
    return synDrops ? yes('certain') : no();
  }
  // At the client or in the middle every drop can be path loss after the capture point: only runs the
  // measured loss rate cannot explain count (kernel.md §10.1).
  if (!(others && ignored > 0) && !synDrops) return no();
  if (!loss.excluded) return no();
  // Ignored handshakes (SYN answered, ACK and data not) or runs that all ended when the acceptor drained:
  // neither a filter nor the path does that.
  if ((others && s.strongIgnored >= 2) || together >= 2) return yes('certain');
  return yes('likely', [
    { cause: 'filter', why: 'A firewall or rate limit in front of the server drops SYNs the same way; a client-side capture cannot see which. The server-side capture or the counters settle it.' },
  ]);
}

/** Whether the listener's record shows an accept-queue overflow, weighed by where the capture was taken. */
export function overflowShown(s: AcceptQueueState, base: ListenerBase, vantage: Vantage, flood: boolean): boolean {
  return judgeOverflow(s, base, vantage, flood).shown;
}

function advice(at: Where, peak?: number, syncookies = false): string[] {
  const burst = peak === undefined ? '(tcpdiag analyze reports the peak handshakes per second)' : `(${peak} handshakes in one second here)`;
  const fix = [
    `Raise the accept queue: it is min(listen() backlog, net.core.somaxconn). Raise both together, e.g. \`sysctl -w net.core.somaxconn=4096\` (persist it in /etc/sysctl.d/) and pass a backlog of at least the peak burst ${burst} to listen() or the server's setting (nginx \`listen ${at.port} backlog=4096\`, HAProxy \`backlog\`, Java \`ServerSocket(port, backlog)\`, Go uses somaxconn).`,
    'Accept faster: look for an event loop or acceptor thread that blocks (slow handlers, locks, GC pauses, too few workers); the queue only fills when accept() falls behind.',
    'Keep net.ipv4.tcp_abort_on_overflow=0 in production: it turns a short stall into connection resets. Set it to 1 only briefly, as a debugging aid, to make silent overflows visible as resets.',
  ];
  if (syncookies || peak === undefined) {
    fix.push(`${peak === undefined ? 'If syncookies were sent with no flood' : 'Syncookies were sent with no flood'}: a small backlog also caps the SYN queue (same min(backlog, somaxconn) limit), so raising the backlog stops them too.`);
  }
  return fix;
}

/**
 * The segments the full queue dropped, as far as this capture can count them (issue 19 item 1). At the
 * server every unanswered segment reached the host. Elsewhere path loss took some of them before the
 * server: unanswered SYNs (the SYN or its SYN-ACK lost, at the measured rate per attempt) and the client
 * segments counted after the handshake (lost on the way in, about half that rate) are discounted by what
 * the loss measured on the server's data explains. With tcp_abort_on_overflow=1 proven by resets, a
 * handshake whose data merely went unanswered, with no reset and no syncookie, met no full queue (the
 * kernel would have reset it, kernel.md §2.3): the path lost its segments.
 */
function dropEstimate(
  s: AcceptQueueState,
  vantage: Vantage,
  abort: string,
): { syns: number; afterHandshake: number; pathExplained: number; dataOnlyIsLoss: boolean; why: string; low: number; high: number } {
  const unanswered = s.unansweredSyns - synQueueShare(s).synDrops;
  if (vantage === 'server' || vantage === 'local') {
    const all = unanswered + s.droppedAfterHandshake;
    return { syns: unanswered, afterHandshake: s.droppedAfterHandshake, pathExplained: 0, dataOnlyIsLoss: false, why: '', low: all, high: all };
  }
  const dataOnlyIsLoss = abort === '1' && s.dataOnlyDropped > 0;
  if (vantage === 'client') return clientDropEstimate(s, unanswered, dataOnlyIsLoss);
  const rate = s.pathLoss.measured();
  const synLoss = Math.min(unanswered, Math.round(rate * s.synsSent));
  const counted = s.droppedAfterHandshake - (dataOnlyIsLoss ? s.dataOnlyDropped : 0);
  const inLoss = Math.min(counted, Math.round((rate / 2) * counted));
  const why: string[] = [];
  if (synLoss > 0) why.push(`${plural(synLoss, 'SYN')} at ${(rate * 100).toFixed(1)}% per attempt`);
  if (inLoss > 0) why.push(`${plural(inLoss, 'client segment')} at ${((rate / 2) * 100).toFixed(1)}% one way`);
  if (dataOnlyIsLoss) why.push(`${plural(s.dataOnlyDropped, 'segment')} of ${plural(s.dataOnlyIgnoredConns, 'handshake')} left unanswered without a reset although tcp_abort_on_overflow=1`);
  // The range: nothing lost on the path, to the loss rate's cautious upper bound (PathLoss.rate()).
  const upper = s.pathLoss.rate();
  const high = unanswered + counted;
  const low = high - Math.min(unanswered, Math.round(upper * s.synsSent)) - Math.min(counted, Math.round((upper / 2) * counted));
  return {
    low,
    high,
    syns: unanswered - synLoss,
    afterHandshake: counted - inLoss,
    pathExplained: synLoss + inLoss + (dataOnlyIsLoss ? s.dataOnlyDropped : 0),
    dataOnlyIsLoss,
    why: why.join('; '),
  };
}

/** A connection the full queue met: a handshake it ignored, or SYNs it dropped (not a lone SYN left half-open). */
export function overflowMet(f: ConnectionFacts): boolean {
  return f.ignoredHandshake || (f.synDropped && !f.singleSynHalfOpen);
}

/**
 * Which of its listener's first-answer delays a connection gives, from whether the full queue met it
 * (`met`: overflowMet) and its delay (`delay`: listener.ts firstAnswerDelay), which observe() has at hand:
 * one the full queue met and that recovered, the overflow's added latency; a healthy completed one, the
 * baseline it is measured above; null for the others and without a delay.
 */
export function delaySampleOf(c: Connection, f: ConnectionFacts, met: boolean, delay: number): 'latency' | 'baseline' | null {
  if (met ? !f.recovered : c.handshakeAckFrame === 0 || f.halfOpen) return null;
  return Number.isNaN(delay) ? null : met ? 'latency' : 'baseline';
}

/**
 * What path loss explains of the unanswered segments a client-side capture shows (issue 19 item 1), from
 * the loss rate into the server that this capture measures (PathLoss.oneWayAtClient(), p), each way alike
 * unless the path says otherwise (kernel.md §10.1):
 * - an unanswered SYN: the SYN or its SYN-ACK lost, 1 − (1 − p)² per attempt;
 * - a handshake the queue never held looks ignored when its one data segment (or the ACK of it) was lost
 *   once: of the weak ones (one unanswered retransmission, answered at the next), as many as the
 *   handshakes the queue did not hold give at that rate are the path's, with all their segments (the bare
 *   handshake ACK too: it reached a socket);
 * - on the held ones each counted segment was lost on the way in at p, and a lost answer (the ACK of the
 *   data, on the way out) adds one more unanswered retransmission.
 */
function clientDropEstimate(
  s: AcceptQueueState,
  unanswered: number,
  dataOnlyIsLoss: boolean,
): { syns: number; afterHandshake: number; pathExplained: number; dataOnlyIsLoss: boolean; why: string; low: number; high: number } {
  const counted = s.droppedAfterHandshake - (dataOnlyIsLoss ? s.dataOnlyDropped : 0);
  // With abort=1 proven the weak ones are among the data-only handshakes already left out.
  const weakDropped = dataOnlyIsLoss ? 0 : s.weakDropped;
  const weakConns = dataOnlyIsLoss ? 0 : s.weakIgnoredConns;
  const unheld = Math.max(0, s.dataHandshakes - s.heldIgnoredConns - (dataOnlyIsLoss ? s.weakIgnoredConns : 0));
  const heldAnswered = s.heldAnswered - (dataOnlyIsLoss ? s.heldAnsweredDataOnly : 0);
  const explained = (p: number): { syn: number; weak: number; held: number } => {
    const attempt = lossPerAttempt(p);
    const weakShare = weakConns === 0 ? 0 : Math.min(1, (unheld * attempt * (1 - attempt)) / weakConns);
    const heldCounted = counted - weakDropped;
    return {
      syn: Math.min(unanswered, Math.round(attempt * s.synsSent)),
      weak: Math.round(weakShare * weakDropped),
      held: Math.min(heldCounted, Math.round(p * heldCounted + p * heldAnswered)),
    };
  };
  const p = s.pathLoss.oneWayAtClient();
  const e = explained(p);
  const why: string[] = [];
  if (e.syn > 0) why.push(`${plural(e.syn, 'SYN')} at ${(lossPerAttempt(p) * 100).toFixed(1)}% per attempt`);
  if (e.weak > 0) why.push(`${plural(e.weak, 'segment')} of ${plural(weakConns, 'handshake')} answered at the first retransmission, as one lost segment leaves them`);
  if (e.held > 0) why.push(`${plural(e.held, 'client segment')} at ${(p * 100).toFixed(1)}% one way`);
  if (dataOnlyIsLoss) why.push(`${plural(s.dataOnlyDropped, 'segment')} of ${plural(s.dataOnlyIgnoredConns, 'handshake')} left unanswered without a reset although tcp_abort_on_overflow=1`);
  // The range: nothing lost on the path, to the loss rate's cautious upper bound.
  const high = unanswered + counted;
  const u = explained(s.pathLoss.oneWayAtClientBound());
  const low = Math.min(high - u.syn - u.weak - u.held, high - e.syn - e.weak - e.held);
  return {
    low,
    high,
    syns: unanswered - e.syn,
    afterHandshake: counted - e.weak - e.held,
    pathExplained: e.syn + e.weak + e.held + (dataOnlyIsLoss ? s.dataOnlyDropped : 0),
    dataOnlyIsLoss,
    why: why.join('; '),
  };
}

function judge(s: AcceptQueueState, { base, vantage, stateOf }: JudgeContext): AcceptQueueOverflowFinding | null {
  const flood = isFlood(stateOf(synFlood));
  const j = judgeOverflow(s, base, vantage, flood);
  if (!j.shown) return null;
  const abort: AcceptQueueOverflowFinding['abortOnOverflow'] = s.resetConns > 0 ? '1' : s.synAckAfterAckConns > 0 ? '0' : 'unknown';
  const est = dropEstimate(s, vantage, abort);
  const synDrops = flood || j.filtered ? 0 : est.syns;
  // Without a flood, SYNs that were never answered are connects the full queue made fail.
  const failed = s.affectedFailed + (flood ? 0 : s.halfOpenDropped);
  const unresolved = s.affectedUnresolved + (flood ? 0 : s.halfOpenUnresolved);
  const affected = s.affectedRecovered + failed + unresolved;
  const dropped = est.afterHandshake + synDrops;
  // Each list sorted once: a listener keeps up to 200 000 handshakes.
  const baseDelay = baselineOf(s.baseline);
  const latency = latencySummary(s.addedLatency, baseDelay);
  const handshakesSorted = s.handshakeTimes.sorted();
  const queue = acceptQueueEstimate(s.handshakeTimes, s.handshakeOverflowed, handshakesSorted);
  const peak = peakPerSecond(handshakesSorted);
  const p = port(base.listener);
  const how: string[] = [];
  if (s.synAckAfterAckConns > 0) how.push(`ignored ${s.synAckAfterAckConns} completed handshakes and re-sent their SYN-ACKs`);
  if (s.cookieIgnoredConns > 0) how.push(`silently dropped the ACK and data of ${s.cookieIgnoredConns} syncookie handshakes`);
  if (s.resetConns > 0) how.push(`reset ${s.resetConns} connections right after their handshake`);
  if (s.dataOnlyIgnoredConns > 0 && !est.dataOnlyIsLoss) how.push(`left the data of ${s.dataOnlyIgnoredConns} more handshakes unanswered`);
  if (s.midStreamDataIgnoredConns > 0) how.push(`left the first data of ${s.midStreamDataIgnoredConns} connections opened before the capture started unanswered`);
  if (synDrops > 0) how.push(`dropped ${synDrops} SYNs`);
  const figures: [string, string][] = [
    ['connections affected', `${affected} of ${base.connections}`],
    ['dropped segments (≈ TcpExtListenOverflows)', String(dropped)],
    ['SYNs dropped', String(synDrops)],
    ['handshakes ignored', String(s.ignoredHandshakes - s.resetConns)],
    ['resets after handshake', String(s.resetConns)],
    ['tcp_abort_on_overflow', abort !== 'unknown' ? abort : s.cookieIgnoredConns > 0 && s.dataOnlyIgnoredConns === 0
      ? 'unknown (only syncookie handshakes were dropped, which the kernel drops silently under either setting)'
      : 'unknown (no SYN-ACK was re-sent after an ACK and nothing was reset: only SYNs, data or syncookie handshakes were dropped, which the kernel does silently under either setting)'],
    ['recovered / failed', `${s.affectedRecovered} / ${failed}`],
  ];
  if (unresolved > 0) figures.push(['unresolved when the capture ended (still retrying)', String(unresolved)]);
  if (est.pathExplained > 0) {
    figures.push(['of the unanswered segments, path loss explains', `${est.pathExplained} (not counted as dropped: ${est.why})`]);
    figures.push(['dropped segments, range for the path loss', `${est.low}–${est.high} (path loss from the upper bound of its rate to none)`]);
  }
  if (latency) {
    // Measured between packets: with the digits the capture has, as the report's other measured spans.
    const text = [latency.p50, latency.p90, latency.max].map((ns) => measuredNanos(ns, base.times.digits)).join(' / ');
    figures.push(['latency added (p50 / p90 / max)', text]);
  }
  if (queue !== null) figures.push(['accept queue held (estimate)', `${queue} connections (listen backlog ≈ ${queue - 1}; the kernel holds backlog + 1)`]);
  figures.push(['peak handshakes per second', String(peak)]);
  const caveats: string[] = [];
  if (s.midStreamDataIgnoredConns > 0) {
    caveats.push(`The capture started after the handshakes of ${s.midStreamDataIgnoredConns} of these connections: their client data, retransmitted with no answer until the server took them all within seconds of each other, is what a full accept queue does to data behind an unaccepted handshake (tcp_abort_on_overflow=0); the handshakes themselves are not in the capture.`);
  }
  if (vantage !== 'server' && vantage !== 'local') {
    const l = j.loss;
    figures.push(['path loss (server data re-sent)', `${(l.measuredRate * 100).toFixed(1)}% of ${l.segments} segments`]);
    if (l.run > 0) figures.push(['unanswered runs path loss cannot explain', `${l.improbable} connections with ≥ ${l.run} attempts unanswered (path loss would give ${l.expected < 0.001 ? '< 0.001' : l.expected.toFixed(3)})`]);
    if (j.drainedTogether >= 2) figures.push(['answered together (within 1 s, the acceptor draining)', `${j.drainedTogether} connections`]);
    caveats.push(`Captured at the ${vantage} side: a drop seen here could also be loss after the capture point; the verdict rests on runs of unanswered attempts that the path loss measured in this capture (${(l.lossRate * 100).toFixed(1)}% per segment at most) cannot explain${s.resetConns ? ' and on the overflow resets' : ''}. Confirm with the counters above.`);
  }
  const filter = s.resetConns > 0
    ? `tcp.srcport==${p} && tcp.flags.reset==1 && tcp.flags.ack==0`
    : s.synAckAfterAckConns > 0
      ? `tcp.srcport==${p} && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.analysis.retransmission`
      : `tcp.dstport==${p} && tcp.analysis.retransmission`;
  return {
    id: 'accept-queue-overflow',
    // ERROR only when the evidence excludes the look-alikes; otherwise a warning that says what would settle it.
    severity: j.confidence === 'certain' ? 'error' : 'warning',
    listener: base.listener,
    connections: affected,
    verdict: `${j.confidence === 'certain' ? '' : 'Likely: '}The accept queue of ${base.listener} overflowed: the listener ${how.join(', ')} while it completed others — the application is not calling accept() fast enough for the connection rate (backlog too small or the acceptor stalled).`,
    figures,
    firstTime: s.firstAffected,
    lastTime: s.lastAffected,
    episodes: flood
      ? episodesOfSpans(s.events.view(), s.eventEnds.view())
      : episodesOfSpans(s.events.view(), s.eventEnds.view(), s.halfOpenDropTimes.view(), s.halfOpenDropEnds.view()),
    evidence: { connections: s.evidence.list, filter },
    fix: advice(whereOf(base.listener), peak, s.syncookieConns > 0),
    confirm: [
      `ss -lnt 'sport = :${p}'   # Recv-Q = connections waiting for accept(); Send-Q = the queue limit; Recv-Q = Send-Q + 1 means full`,
      'nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent   # overflow counters (per dropped segment, not per connection)',
      'netstat -s | grep -i listen   # "times the listen queue of a socket overflowed"',
    ],
    explain: 'tcpdiag explain accept-queue-overflow',
    caveats,
    confidence: j.confidence,
    alternatives: j.alternatives,
    abortOnOverflow: abort,
    droppedSegments: dropped,
    resets: s.resetConns,
    synDrops,
    ignoredHandshakes: s.ignoredHandshakes,
    recovered: s.affectedRecovered,
    failed,
    addedLatency: latency,
    latencyHistogram: latencyHistogram(s.addedLatency, baseDelay),
    acceptQueueEstimate: queue,
    peakHandshakesPerSecond: peak,
  };
}

export const acceptQueueOverflow: ListenerDetector<'accept-queue-overflow', AcceptQueueState, AcceptQueueOverflowFinding> = {
  scope: 'listener',
  id: 'accept-queue-overflow',
  severity: 'error',
  advice: (at) => advice(at),
  newState: () => new AcceptQueueState(),

  observe(s: AcceptQueueState, c: Connection, f: ConnectionFacts, base: ListenerBase): void {
    const bits = f.bits;
    s.pathLoss.observe(c);
    s.occupancy.observe(c, f);
    s.synsSent += c.synCount;
    s.sources.observe(c, f.synDropped);
    // Unanswered attempts in a row: the SYNs, then the ACK and the data the server ignored.
    const ignoredRun = f.ignoredHandshake ? Math.max(1, c.clientRetransBeforeAnswer + 1, c.synAckAfterAck) : 0;
    s.runs.add(f.unansweredSyns + ignoredRun);
    if (f.synDropped && c.synAckCount > 0) s.runAnswers.push(c.synAckTime);
    else if (f.ignoredHandshake && c.serverAnswerFrame !== 0) s.runAnswers.push(c.serverAnswerTime);
    if (c.handshakeAckFrame !== 0 && s.handshakeTimes.push(c.handshakeAckTime)) s.handshakeOverflowed.push(f.ignoredHandshake ? 1 : 0);
    if (bits & Fact.Syncookie) s.syncookieConns++;
    if (f.synDropped) {
      s.unansweredSyns += f.unansweredSyns;
      s.synDropConns++;
    }
    const midStream = c.synCount === 0 && c.synAckCount === 0;
    if (midStream && !f.ignoredHandshake && (c.serverDataAckFrame !== 0 || c.serverFirstDataFrame !== 0) && c.clientRetransBeforeAnswer === 0) s.midStreamServed++;
    if (c.handshakeAckFrame !== 0 && c.clientFirstDataFrame !== 0) s.dataHandshakes++;
    if (f.ignoredHandshake && c.handshakeAckFrame !== 0 && !(bits & Fact.ResetAfterHandshake)) {
      const weak = c.clientRetransBeforeAnswer === 1 && c.synAckAfterAck === 0 && c.serverAnswerFrame !== 0 && !(bits & Fact.Syncookie);
      if (weak) {
        s.weakIgnoredConns++;
        s.weakDropped += f.droppedAfterHandshake;
      } else {
        s.heldIgnoredConns++;
        if (c.serverAnswerFrame !== 0) {
          s.heldAnswered++;
          const dataOnly = (bits & Fact.HandshakeDataIgnored) !== 0 && c.synAckAfterAck === 0 && !(bits & Fact.Syncookie);
          if (dataOnly) s.heldAnsweredDataOnly++;
        }
      }
    }
    if (f.ignoredHandshake) {
      s.ignoredHandshakes++;
      if (midStream && c.clientRetransBeforeAnswer >= 2) s.midStreamIgnored++;
      // One unanswered retransmission can be a lost segment; more, a reset, or a re-sent SYN-ACK cannot.
      if (c.clientRetransBeforeAnswer >= 2 || c.synAckAfterAck > 0 || (bits & Fact.ResetAfterHandshake) !== 0) s.strongIgnored++;
      if (bits & Fact.SynAckRetransmitAfterAck) s.synAckAfterAckConns++;
      if ((bits & Fact.HandshakeDataIgnored) !== 0 && c.synAckAfterAck === 0) {
        if (bits & Fact.Syncookie) s.cookieIgnoredConns++;
        else if (midStream) s.midStreamDataIgnoredConns++;
        else {
          s.dataOnlyIgnoredConns++;
          s.dataOnlyDropped += f.droppedAfterHandshake;
        }
      }
      if (bits & Fact.ResetAfterHandshake) s.resetConns++;
      s.droppedAfterHandshake += f.droppedAfterHandshake;
      // One event per affected connection, at the first moment it met the full queue.
      // ...and until the last segment it dropped: the one before the answer, or the end of a failed connection.
      s.event(f.synDropped ? c.synTime : c.handshakeAckFrame !== 0 ? c.handshakeAckTime : c.firstTime, c.serverAnswerFrame !== 0 ? c.serverAnswerTime : c.lastTime);
    } else if (f.synDropped && f.singleSynHalfOpen) {
      // Never answered at all: an overflow victim, unless these are a flood's spoofed SYNs (decided at the end).
      if (f.unresolved) s.halfOpenUnresolved++;
      else s.halfOpenDropped++;
      if (s.halfOpenDropTimes.push(c.synTime)) s.halfOpenDropEnds.push(c.lastSynTime);
    } else if (f.synDropped) {
      s.event(c.synTime, c.synAckCount > 0 ? c.synAckTime : c.lastSynTime);
    }
    const met = overflowMet(f);
    if (met) {
      s.evidence.offer(score(c, f), c, f.signatures, base.times.digits);
      if (f.recovered) s.affectedRecovered++;
      else if (f.unresolved) s.affectedUnresolved++;
      else s.affectedFailed++;
    }
    const delay = firstAnswerDelay(c);
    const sample = delaySampleOf(c, f, met, delay);
    if (sample === 'latency') s.addedLatency.push(delay);
    else if (sample === 'baseline') s.baseline.push(delay);
  },

  judge,

  explain: {
    kind: 'finding',
    title: 'Accept queue overflow',
    summary: 'The listener\'s accept queue was full: completed handshakes were ignored or reset and new SYNs dropped, because the application did not accept() fast enough.',
    wire: {
      pattern: [
        'Several connections to one server port show one or more of these signatures in the same period:\n' +
          '- synack-retransmit-after-ack: the handshake ACK is ignored, SYN-ACK copies follow at 1, 3, 7 s, and the client\'s data is not ACKed (tcp_abort_on_overflow=0).\n' +
          '- reset-after-handshake: a bare RST answers the handshake ACK (tcp_abort_on_overflow=1).\n' +
          '- handshake-data-ignored: a cookie-opened connection whose data is met with silence.\n' +
          '- syn-retransmit or syn-unanswered: SYNs dropped while the queue is full (≥ 4.10).',
        'Connections that do get through show a delay of a few seconds, ending when the application accepts.',
      ],
      server: 'ACKs and data arrive and are not answered, or are answered by a bare RST. SYNs go unanswered in bursts, while other SYNs to the same port are answered.',
      client: 'connect() succeeds but the first request hangs (abort=0) or fails with ECONNRESET (abort=1). New connections time out or take 1, 3, 7 s or more.',
    },
    kernel: [QUEUE_MODEL, ABORT_0, ABORT_1, COOKIE_OVERFLOW, SYN_AT_FULL_QUEUES, SYNACK_TIMING, OLD_SYN_QUEUE],
    lookAlikes: [
      'Path loss of the handshake ACK (handshake-loss) affects random connections and recovers at the next retransmission. Overflow affects many connections to the same listener at once, and their data stays un-ACKed until the application accepts.',
      'A SYN flood fills the SYN queue (cookies, or TCPReqQFullDrop) with handshakes that are never completed. In an overflow the handshakes do complete, and the accept queue is what is full.',
      'TCP_DEFER_ACCEPT drops bare ACKs but ACKs the first data at once (§2.6).',
      'ListenDrops alone, or "SYNs to LISTEN sockets dropped", is not proof of SYN-queue overflow; it rises with every listener drop (§11 pitfall 4).',
      VANTAGE,
    ],
    confirm: [SS_STEP, NSTAT_STEP, NETSTAT_STEP, HOST_STEP, QUEUES_STEP],
    fixNotes: [
      'Raising only one of backlog and somaxconn changes nothing: the kernel uses the smaller for both queues (§1.1, ≥ 4.4). Calling listen() again on a listening socket also updates the limit (§1.1); afterwards `ss -lnt \'sport = :PORT\'` shows the new Send-Q.',
      'With tcp_abort_on_overflow=0 a short burst costs the client a retransmission but the connection survives once there is room (§2.2); with 1 it is lost. It has no effect on connections opened by a syncookie (§2.5).',
    ],
    kernels: [
      'Queue sizes: §1.1 for ≥ 4.4 (SYN queue `>=` up to 6.12, `>` from 6.13 and in stable backports); §1.2 for ≤ 4.3. somaxconn default 4096 from 5.4, 128 before.',
      'Behaviour at a full queue: 4.19 and 6.18 source; lab 6.18.44 (§2). SYN drop at a full accept queue: unconditional from 4.10 (and 3.16.81, 4.4.y); partial before (§4).',
      'SYN-ACK schedule: ≥ 3.1, exact since 4.4 (§3.2).',
    ],
    sources: ['§1', '§2', '§3', '§4', '§8', '§10', '§11'],
    related: ['synack-retransmit-after-ack', 'reset-after-handshake', 'handshake-data-ignored', 'syn-retransmit', 'syn-flood'],
  },
};
