import { epochOf } from '../capture/time-base.js';
import { formatAddress, formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import { serverKeyOf } from '../track/key.js';
import type { CaptureSummary } from '../track/summary.js';
import type { JudgeContext } from './detector.js';
import { CaptureLoss, captureLossCaveat, captureLossNote } from './capture-loss.js';
import { applicationResets } from './detectors/application-resets.js';
import { synFlood } from './detectors/syn-flood.js';
import type { FindingCommon } from './finding.js';
import { ListenerBase, type CaptureTimes } from './listener.js';
import { captureDetectors, listenerDetectors, LISTENER_DETECTORS, type Finding } from './registry.js';
import { SEVERITY_RANK } from './severity.js';
import { classify, Fact, type ConnectionFacts } from './signatures.js';
import { synAckAfterAck } from './synack-after-ack.js';
import { captureVantage, type HandshakeKind, ownVantage, SYN_ANSWER_LATEST_NS, synAnswerDue, VantageEstimator, type CaptureVantage, type Vantage, type VantageReading } from './vantage.js';
import { Timeline, type ListenerTimeline } from './timeline.js';
import { plural } from './plural.js';

// A port scan or a random-port flood creates a listener per port; past this they share one bucket.
export const MAX_LISTENERS = 20_000;

export interface ListenerFilter {
  /** `ip:port` strings to keep. */
  listeners?: string[];
  ports?: number[];
}

export interface VantageReport {
  /** The capture's: `mixed` when its listeners were seen from different sides (each listener's is in `listeners`). */
  vantage: CaptureVantage;
  /** Median SYN → SYN-ACK and SYN-ACK → ACK, nanoseconds (report/model.ts writes them in seconds). */
  synToSynAck: number | null;
  synAckToAck: number | null;
  /** The clean handshakes the medians were read from; without one, the handshakes with a re-sent SYN (timed from the last SYN). */
  handshakes: number;
  /** Which of the two `handshakes` counts. */
  handshakeKind: HandshakeKind;
}

export interface Analysis {
  vantage: VantageReport;
  findings: Finding[];
  /** Connections per outcome, per listener (for the postmortem table). */
  listeners: ListenerOutcome[];
  /** Counts over time for each listener with a finding (for the report's charts). */
  timelines: ListenerTimeline[];
}

export interface ListenerOutcome {
  listener: string;
  /** Where this listener's packets were captured (its own handshake timing; a proxy's front and back ends differ). */
  vantage: Vantage;
  connections: number;
  completed: number;
  overflowed: number;
  refused: number;
  halfOpen: number;
  appResets: number;
}

/** One server ip:port: the shared counts and each detector's own state, in registry order. */
export class Listener {
  readonly states: unknown[] = listenerDetectors.map((d) => d.newState());

  constructor(readonly base: ListenerBase) {}

  add(c: Connection, f: ConnectionFacts): void {
    const bits = f.bits;
    const refused = (bits & Fact.Refused) !== 0;
    this.base.add(c, refused);
    for (let i = 0; i < listenerDetectors.length; i++) {
      const wants = OBSERVES[i]!;
      if (wants === 0 || (bits & wants) !== 0) listenerDetectors[i]!.observe(this.states[i], c, f, this.base);
    }
    this.base.timeline.addConnection(c, f.ignoredHandshake, (bits & (Fact.ResetAfterHandshake | Fact.ResetByApplication)) !== 0, refused, f);
  }

  stateOf<S>(d: { id: string }): S {
    return this.states[INDEX.get(d.id)!] as S;
  }

  judge(vantage: Vantage): Finding[] {
    const ctx: JudgeContext = { vantage, base: this.base, stateOf: (d) => this.stateOf(d) };
    const out: FindingCommon[] = [];
    for (let i = 0; i < listenerDetectors.length; i++) {
      const f = listenerDetectors[i]!.judge(this.states[i], ctx);
      if (f) out.push({ ...f, vantage });
    }
    return out as Finding[];
  }
}

const INDEX = new Map<string, number>(LISTENER_DETECTORS.map((d, i) => [d.id, i]));
/** Each detector's ListenerDetector.observes, 0 for every connection. */
const OBSERVES = Int32Array.from(listenerDetectors, (d) => d.observes ?? 0);

/** connections → signatures → per-listener findings. Feed it finished connections as they come. */
export class Analyzer {
  // Protected: watch's WatchedAnalyzer judges copies of them with the connections still open (diagnose/live.ts).
  protected readonly listeners = new Map<string, Listener>();
  protected readonly byHash = new Map<number, Listener>();
  protected readonly vantage = new VantageEstimator();
  private readonly keepListeners: Set<string> | null;
  private readonly keepPorts: Set<number> | null;
  /** The listener (`ip:port`, or `*`) the last add() counted its connection in: watch's windows count per listener. */
  lastListener = '';
  /** Packets the capture holds twice (track/duplicates.ts): said once per capture, never counted as drops. */
  private captureDuplicates = 0;
  /** Connections tagged with a VLAN on one direction only, kept whole by the tracker. */
  private oneSidedVlan = 0;
  /** Segments ACKed that the capture never recorded: said per capture, never counted as drops. */
  private readonly captureLoss = new CaptureLoss();
  /**
   * The run's capture times (listener.ts CaptureTimes), set before the first connection (runPipeline, from
   * RunOptions.onTimeBase and onTimestampDigits); by default epoch seconds and microseconds.
   */
  readonly times: CaptureTimes = { base: 0, digits: 6 };

  constructor(filter: ListenerFilter = {}) {
    this.keepListeners = filter.listeners?.length ? new Set(filter.listeners) : null;
    this.keepPorts = filter.ports?.length ? new Set(filter.ports) : null;
  }

  /** Whether a connection's server passes --listener/--port. */
  wants(c: Connection): boolean {
    if (this.keepPorts && !this.keepPorts.has(c.sPort)) return false;
    if (this.keepListeners && !this.keepListeners.has(formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort))) return false;
    return true;
  }

  /** Classifies one connection (filling `c.signatures`) and adds it to its listener. */
  add(c: Connection): ConnectionFacts {
    const l = this.listenerOf(c);
    // The tracker records the SYN-ACK copies after the ACK; which ignored it is judged here, before the signatures.
    c.synAckAfterAck = synAckAfterAck(c);
    const facts = classify(c, this.synAnswerDue(c, l));
    c.signatures = facts.signatures;
    this.captureDuplicates += c.client.duplicates + c.server.duplicates;
    if (c.vlanOneSided) this.oneSidedVlan++;
    this.captureLoss.observe(c);
    this.vantage.add(c);
    l.add(c, facts);
    this.lastListener = l.base.listener;
    return facts;
  }

  /** The listener a connection goes to (made on its first connection). */
  private listenerOf(c: Connection): Listener {
    // Most connections go to a listener seen before: find it by number, without building its name.
    const hash = serverKeyOf(c);
    const known = this.byHash.get(hash);
    if (known && known.base.serves(c)) return known;
    let key = formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort);
    let l = this.listeners.get(key);
    if (!l) {
      if (this.listeners.size >= MAX_LISTENERS) key = '*';
      l = this.listeners.get(key);
      if (!l) {
        l = new Listener(new ListenerBase(key, formatAddress(c.ipVersion, c.s0, c.s1, c.s2, c.s3), this.times, new Timeline(this.times)));
        this.listeners.set(key, l);
      }
    }
    if (!known && key !== '*') {
      l.base.identify(c);
      this.byHash.set(hash, l);
    }
    return l;
  }

  /**
   * When the answer to this connection's last SYN was due (vantage.ts synAnswerDue): from its listener's
   * measured SYN → SYN-ACK turnaround, else the capture's, else the fallback. Worked out only for a
   * connection whose SYNs went unanswered and that finished within the longest due time of its last SYN.
   */
  synAnswerDue(c: Connection, l: Listener | undefined, capture = this.vantage): number {
    if (c.synAckCount > 0 || c.synCount === 0 || !(c.finishedAt - c.lastSynTime < SYN_ANSWER_LATEST_NS)) return SYN_ANSWER_LATEST_NS;
    const own = l ? l.base.vantage.turnaround() : NaN;
    return synAnswerDue(Number.isNaN(own) ? capture.turnaround() : own);
  }

  /**
   * Each listener's vantage as the timings so far show it (issue 19 item 4), and the capture's: from
   * `estimator` (watch's copy with the open connections) for the capture, each listener's own estimator.
   */
  protected vantageNow(estimator = this.vantage): ListenerVantages {
    return new ListenerVantages(estimator.result(), this.listeners.values());
  }

  /**
   * The per-listener findings of these listeners as finish() would judge them now, from the connections
   * finished so far (`tcpdiag watch` asks once per window, for the listeners that window touched).
   */
  judgeNow(listeners: Iterable<string>): Finding[] {
    const vantages = this.vantageNow();
    const findings: Finding[] = [];
    for (const key of listeners) {
      const l = this.listeners.get(key);
      if (l) findings.push(...l.judge(vantages.of(l)));
    }
    return findings;
  }

  finish(summary: CaptureSummary): Analysis {
    const vantages = this.vantageNow();
    const v = vantages.whole;
    const loss = this.captureLoss.result();
    summary.captureLoss = loss;
    for (const w of this.captureNotes()) summary.warnings.push(w);
    const lossNote = captureLossNote(loss);
    if (lossNote) summary.warnings.push(lossNote);
    const findings: Finding[] = [];
    for (const l of this.listeners.values()) findings.push(...l.judge(vantages.of(l)));
    if (loss.connections > 0) for (const f of findings) f.caveats.push(captureLossCaveat(loss));
    for (const d of captureDetectors) {
      const f = d.judge(summary);
      if (f) findings.push(f as Finding);
    }
    findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.connections - a.connections || a.listener.localeCompare(b.listener));
    // The table counts as overflowed only the connections an accept-queue-overflow finding attributes.
    const overflowed = new Map(findings.filter((f) => f.id === 'accept-queue-overflow').map((f) => [f.listener, f.connections]));
    const listeners = [...this.listeners.values()]
      .sort((a, b) => b.base.connections - a.base.connections)
      .map((l) => outcome(l, vantages.of(l), overflowed.get(l.base.listener) ?? 0));
    const withFindings = new Set(findings.map((f) => f.listener));
    const timelines = [...this.listeners.values()]
      .map((l) => l.base)
      .filter((b) => withFindings.has(b.listener))
      .map((b) => b.timeline.result(b.listener, firstTime(summary, epochOf(this.times.base, b.firstTime)), lastTime(summary, epochOf(this.times.base, b.lastTime))));
    return {
      timelines,
      vantage: {
        vantage: vantages.capture,
        synToSynAck: Number.isNaN(v.synToSynAck) ? null : v.synToSynAck,
        synAckToAck: Number.isNaN(v.synAckToAck) ? null : v.synAckToAck,
        handshakes: v.handshakes,
        handshakeKind: v.handshakeKind,
      },
      findings,
      listeners,
    };
  }

  /** What the capture itself did to the packets, said in its summary (issue 19 item 5). */
  private captureNotes(): string[] {
    const notes: string[] = [];
    if (this.captureDuplicates > 0) {
      const n = this.captureDuplicates;
      notes.push(
        `${n} ${n === 1 ? 'packet was' : 'packets were'} captured twice (capture duplicates: the same IP ID, sequence, ACK, length and flags within 2 ms, as tcpdump -i any or a mirror port records them); ${n === 1 ? 'it is' : 'they are'} not counted as retransmissions or drops`,
      );
    }
    if (this.oneSidedVlan > 0) {
      const n = this.oneSidedVlan;
      notes.push(
        `${plural(n, 'connection')} carried a VLAN tag in one direction only (a tag added or stripped on one side of the capture point): each direction was matched by addresses, ports and sequence numbers and kept as one connection`,
      );
    }
    return notes;
  }
}

/**
 * Where each listener was seen from (issue 19 item 4). A proxy's capture sees its front listener from the
 * server side (its SYN-ACKs leave microseconds after the SYNs) and its own connections to the back ends
 * from the client side (its ACKs leave microseconds after the SYN-ACKs): one vantage for the capture would
 * read the back end's path loss as the back end's overflow, with no client-side caveat. So each listener's
 * own handshake timing decides; without one (no clean handshake), the addresses do (a listener whose only
 * client is the address of a listener seen from the server side is a back end seen from that host, and
 * the other way round); else the capture's vantage, or `unknown` when the capture is `mixed`.
 */
export class ListenerVantages {
  readonly capture: CaptureVantage;
  /** Each listener's vantage from its own timing or the addresses (null: neither tells). */
  private readonly told = new Map<Listener, Vantage | null>();
  /** Server addresses of listeners seen from the server side; client addresses of those seen from the client side. */
  private readonly servedHere = new Set<string>();
  private readonly connectingHere = new Set<string>();

  constructor(
    readonly whole: VantageReading,
    listeners: Iterable<Listener>,
  ) {
    const all = [...listeners];
    for (const l of all) {
      const v = ownVantage(l.base.vantage.result());
      this.told.set(l, v);
      if (v === 'server') {
        const a = l.base.addressKey;
        if (a !== null) this.servedHere.add(a);
      } else if (v === 'client') {
        const a = l.base.clientAddressKey;
        if (a !== null) this.connectingHere.add(a);
      }
    }
    for (const l of all) if (this.told.get(l) === null) this.told.set(l, this.byAddress(l));
    this.capture = captureVantage(whole, this.told.values());
  }

  /** A listener's vantage (of a listener of the analyzer, or of watch's copy of one: its own timing is read again). */
  of(l: Listener): Vantage {
    const told = this.told.has(l) ? this.told.get(l)! : (ownVantage(l.base.vantage.result()) ?? this.byAddress(l));
    if (told !== null) return told;
    return this.capture === 'mixed' ? 'unknown' : this.capture;
  }

  /** What the addresses say of a listener without its own timing: a back end of a host seen serving, or the other way round. */
  private byAddress(l: Listener): Vantage | null {
    const clients = l.base.clientAddressKey;
    if (clients !== null && this.servedHere.has(clients)) return 'client';
    const address = l.base.addressKey;
    if (address !== null && this.connectingHere.has(address)) return 'server';
    return null;
  }
}

/** The listener table's row: connections per outcome. */
function outcome(l: Listener, vantage: Vantage, overflowed: number): ListenerOutcome {
  const b = l.base;
  return {
    listener: b.listener,
    vantage,
    connections: b.connections,
    completed: b.completed,
    overflowed,
    refused: b.refused,
    halfOpen: l.stateOf<ReturnType<typeof synFlood.newState>>(synFlood).halfOpen,
    appResets: l.stateOf<ReturnType<typeof applicationResets.newState>>(applicationResets).resets,
  };
}

/** The capture's own first time in epoch seconds (so charts of all listeners share an axis), else the listener's. */
function firstTime(s: CaptureSummary, fallback: number): number {
  return s.firstTime ? s.firstTime.sec + s.firstTime.nsec / 1e9 : fallback;
}

function lastTime(s: CaptureSummary, fallback: number): number {
  return s.lastTime ? s.lastTime.sec + s.lastTime.nsec / 1e9 : fallback;
}
