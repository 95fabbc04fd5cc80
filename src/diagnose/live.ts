// `tcpdiag watch`'s live evidence: the connections still open, judged at a window's end as if the
// capture ended there, on copies of their listeners' state, so that the analysis of the finished
// connections (analyze's own, and watch's closing report) is never touched.
//
// An open connection is judged as finish() would judge it at `at`, with allowances for what is still
// on its way: a handshake whose SYN or SYN-ACK was sent less than a grace before `at` is in flight and
// left out (analyze of a capture cut mid-handshake would call it half-open), and a client segment sent
// less than the grace before `at` and not answered yet is not yet counted as dropped. A SYN's answer is
// due by the one rule analyze uses at the capture's end (vantage.ts synAnswerDue, from the listener's
// measured turnaround): a SYN at the end of a window is `unresolved` there just as at the end of a capture.

import { formatAddress, formatEndpoint } from '../decode/address.js';
import { Connection } from '../track/connection.js';
import { serverKeyOf } from '../track/key.js';
import type { LiveConnections, OpenFacts } from '../track/live.js';
import { MAX_LISTENERS, Listener, type ListenerVantages } from './analyzer.js';
import { ListenerBase, type CaptureTimes } from './listener.js';
import type { Finding } from './registry.js';
import { classify, verdictSettlesAfter, type ConnectionFacts } from './signatures.js';
import { synAckAfterAck } from './synack-after-ack.js';
import { Timeline } from './timeline.js';
import { SYN_ANSWER_LATEST_NS, type Vantage, type VantageEstimator } from './vantage.js';
import { MS, S } from '../capture/time-base.js';

/** Until the capture shows the round trip: the client's own shortest retransmission timeout (TCP_RTO_MIN). */
const DEFAULT_GRACE_NS = 200 * MS;
const MIN_GRACE_NS = 5 * MS;
/** The client re-sends an unanswered SYN after 1 s: an answer later than that is no longer awaited. */
const MAX_GRACE_NS = 1 * S;
/** How long the answers on each side may take before a segment without one counts as unanswered. */
export interface Grace {
  /** The server's answer to a client segment (SYN, data): from the SYN → SYN-ACK time. */
  server: number;
  /** The client's answer to a SYN-ACK: from the SYN-ACK → ACK time. */
  client: number;
}

/**
 * A few times the median turnaround the capture shows (microseconds on the capturing host's side, a
 * round trip on the other).
 */
export function answerGrace(turnaround: number): number {
  if (!(turnaround >= 0)) return DEFAULT_GRACE_NS;
  return Math.min(MAX_GRACE_NS, Math.max(MIN_GRACE_NS, 3 * turnaround));
}

/**
 * A handshake still on its way: its latest SYN was sent less than `synDue` ago (its listener's due time,
 * vantage.ts synAnswerDue), or its SYN-ACK less than a grace ago, unanswered.
 */
export function inFlight(c: Connection, at: number, grace: Grace, synDue = grace.server): boolean {
  if (c.handshakeAckFrame !== 0 || c.rstBy !== null || c.synCount === 0) return false;
  return c.synAckCount === 0 ? at - c.lastSynTime < synDue : at - c.lastSynAckTime < grace.client;
}

/**
 * The facts of an open connection at `at` (its record was filled as if it finished then): classify()'s,
 * except that the latest SYN or client segment, sent less than `grace` ago and not answered, is not
 * counted as dropped yet. Sets the record's synAckAfterAck and signatures as Analyzer.add does.
 */
export function openFacts(c: Connection, open: OpenFacts, at: number, grace: Grace, synDue = grace.server): ConnectionFacts {
  // A SYN not answered yet and not yet due: judged as at that SYN, where classify() leaves it out.
  c.finishedAt = c.synCount > 0 && c.synAckCount === 0 && c.rstBy === null && at - c.lastSynTime < synDue ? c.lastSynTime : at;
  c.synAckAfterAck = synAckAfterAck(c);
  const f = classify(c, synDue);
  c.signatures = f.signatures;
  if (f.droppedAfterHandshake > 0 && c.serverAnswerFrame === 0 && at - open.clientLastTime < grace.server) f.droppedAfterHandshake--;
  return f;
}

/** Whether an open connection shows anything a finding could rest on (its listener is then judged with it). */
function evidence(f: ConnectionFacts): boolean {
  return f.signatures.length > 0 || f.ignoredHandshake || f.synDropped || f.halfOpen;
}

/**
 * A deep copy that keeps classes (prototypes), typed arrays, Maps, Sets and shared references; functions
 * are shared. Detector states are plain class instances of numbers, typed arrays and collections; a test
 * (test/watch/live.test.ts) checks that a copy judges as its original on every lab capture.
 */
export function deepCopy<T>(x: T, memo: Map<unknown, unknown> = new Map()): T {
  if (x === null || typeof x !== 'object') return x;
  const seen = memo.get(x);
  if (seen !== undefined) return seen as T;
  let out: unknown;
  if (ArrayBuffer.isView(x)) {
    out = (x as unknown as Float64Array).slice();
  } else if (Array.isArray(x)) {
    const a: unknown[] = new Array(x.length);
    memo.set(x, a);
    for (let i = 0; i < x.length; i++) a[i] = deepCopy(x[i], memo);
    return a as T;
  } else if (x instanceof Map) {
    const m = new Map();
    memo.set(x, m);
    for (const [k, v] of x) m.set(deepCopy(k, memo), deepCopy(v, memo));
    return m as T;
  } else if (x instanceof Set) {
    const s = new Set();
    memo.set(x, s);
    for (const v of x) s.add(deepCopy(v, memo));
    return s as T;
  } else {
    const o = Object.create(Object.getPrototypeOf(x) as object) as Record<string, unknown>;
    memo.set(x, o);
    for (const k of Object.keys(x)) o[k] = deepCopy((x as Record<string, unknown>)[k], memo);
    return o as T;
  }
  memo.set(x, out);
  return out as T;
}

/**
 * The timeline of the listeners judged live: the charts come from the analyzer's own listeners, so a copy's
 * counts would be thrown away. One for all: it keeps nothing.
 */
class NoTimeline extends Timeline {
  override addConnection(): void {}
}
const NO_TIMELINE = new NoTimeline();

/** A listener's state copied to judge with its open connections: with the analyzer's times (not a copy), without a timeline. */
function copyListener(l: Listener, a: JudgedSoFar): Listener {
  return deepCopy(l, new Map<unknown, unknown>([[l.base.timeline, NO_TIMELINE], [l.base.times, a.times]]));
}

/** A listener the analyzer has no finished connection of yet, to judge its open ones: as copyListener's. */
function newListener(a: JudgedSoFar, key: string, address: string): Listener {
  return new Listener(new ListenerBase(key, address, a.times, NO_TIMELINE));
}

/** What watch's analyzer lends the live judgement: its listeners and vantage, read only. */
export interface JudgedSoFar {
  listeners: ReadonlyMap<string, Listener>;
  byHash: ReadonlyMap<number, Listener>;
  vantage: VantageEstimator;
  /** Each listener's vantage and the capture's, the capture's timing read from `estimator`. */
  vantagesOf(estimator: VantageEstimator): ListenerVantages;
  /** Analyzer.synAnswerDue: when a connection's SYN answer is due, by its listener's turnaround (else `capture`'s). */
  synAnswerDue(c: Connection, l: Listener | undefined, capture: VantageEstimator): number;
  wants(c: Connection): boolean;
  /** The run's capture times (Analyzer.times), which the copies share. */
  times: Readonly<CaptureTimes>;
}

/** The listener key (`ip:port`, or `*`) an open connection will be counted under when it finishes. */
export function listenerKeyOf(a: JudgedSoFar, c: Connection): string {
  const known = a.byHash.get(serverKeyOf(c));
  if (known && known.base.serves(c)) return known.base.listener;
  const key = formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort);
  return a.listeners.has(key) || a.listeners.size < MAX_LISTENERS ? key : '*';
}

export interface OpenJudgement {
  /** Findings of the listeners judged with their open connections. */
  findings: Finding[];
  /** Those listeners. */
  listeners: Set<string>;
  /** The grace from the turnarounds with the open connections: the next window's (and this one's again, if far off: window.ts). */
  grace: Grace;
}

/**
 * How long after an open connection's latest packet its facts stop changing with time alone: classify()'s
 * rules (signatures.ts verdictSettlesAfter, which grows with how long its attempts have gone on: a client
 * retrying for 15 s may wait 7.5 s more), and openFacts()'s and inFlight()'s graces and answer due times.
 */
function settlesAfter(c: Connection): number {
  return Math.max(verdictSettlesAfter(c), MAX_GRACE_NS, SYN_ANSWER_LATEST_NS);
}

/** What is kept of an open connection between windows, by slot (bits). */
const WANTED = 1;
const EVIDENCE = 2;
/** Judged at least settlesAfter() after its latest packet: judged the same until its next packet. */
const SETTLED = 4;

/** One listener's open connections in one window's judgement. */
interface ListenerOpen {
  /** Open connections fed to its copy (wanted, not in flight), and the sum of their ids. */
  count: number;
  idSum: number;
  /** One of them is not settled, or was not yet seen settled: their facts were worked out again. */
  changed: boolean;
  evidence: boolean;
  /** The copy of its state its open connections go into; null until it is known to be judged. */
  copy: Listener | null;
  /** To be fed after the walk, from the slots noted on the way. */
  feed: boolean;
}

/** A listener's last judgement with its open connections, and what it rested on. */
interface Judged {
  /** The analyzer's finished connections of it then. */
  connections: number;
  count: number;
  idSum: number;
  /** The listener's vantage from the finished connections then (its copy's may differ by the open ones). */
  vantage: Vantage;
  address: string;
  findings: Finding[];
}

/**
 * Judges the open connections at each window's end, remembering between windows what cannot have changed.
 *
 * An open connection judged settlesAfter() or more after its latest packet is judged the same until its next
 * packet: its facts (counts, evidence, listener) are kept by slot, checked by the connection's id and
 * latest frame number, and it is not read again unless its listener is judged. A listener with open
 * evidence is judged on a copy of its state fed all its open connections; if none of them changed, the
 * same ones are open, the analyzer added no finished connection to it and the vantage is the same, its
 * last judgement stands. One walk of the table: listeners judged at the last window that have had
 * finished connections since (so certainly judged again) are fed on the way; the others, found to need
 * it at the walk's end, from the slots it noted.
 */
export class OpenJudge {
  private ids = new Int32Array(0);
  private frames = new Float64Array(0);
  private flags = new Uint8Array(0);
  private keyOf = new Int32Array(0);
  /** The listener keys the slots point into. */
  private readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  /** The slots (wanted, not in flight) of listeners without a copy during the walk, in table order. */
  private order = new Int32Array(0);
  private judged = new Map<string, Judged>();
  private listenerCount = 0;
  private readonly handshake = new Connection();

  /**
   * Judges the open connections at `at`. `each` sees every open connection the analyzer wants whose facts
   * may have changed since the last window, with its facts and listener key (watch counts them). Listeners
   * with an open connection that shows evidence are judged on copies; the analyzer itself is not changed.
   */
  judge(
    a: JudgedSoFar,
    open: LiveConnections,
    at: number,
    grace: Grace,
    each: (c: Connection, f: ConnectionFacts, listener: string) => void,
  ): OpenJudgement {
    this.fit(open.capacity);
    // A connection's listener key is fixed until the listener table fills (past MAX_LISTENERS new ones go to `*`).
    if (a.listeners.size !== this.listenerCount) {
      if (a.listeners.size >= MAX_LISTENERS) this.ids.fill(-1);
      this.listenerCount = a.listeners.size;
    }
    const vantage = deepCopy(a.vantage);
    // In the order of their first connection in the table (the order their findings are reported in).
    const seen = new Map<string, ListenerOpen>();
    const byIndex: (ListenerOpen | undefined)[] = [];
    const listenerOf = (index: number): ListenerOpen => {
      let l = byIndex[index];
      if (!l) {
        const key = this.keys[index]!;
        const before = this.judged.get(key);
        const known = a.listeners.get(key);
        let copy: Listener | null = null;
        if (before && (known?.base.connections ?? 0) !== before.connections) {
          copy = known ? copyListener(known, a) : newListener(a, key, before.address);
        }
        l = { count: 0, idSum: 0, changed: false, evidence: false, copy, feed: false };
        seen.set(key, l);
        byIndex[index] = l;
      }
      return l;
    };
    const { ids, frames, flags, keyOf, order, keys } = this;
    let noted = 0;
    for (const slot of open.slotsOldestFirst()) {
      const id = open.idOf(slot);
      const frame = open.lastFrameOf(slot);
      let bits = flags[slot]!;
      let l: ListenerOpen;
      if (ids[slot] === id && frames[slot] === frame && (bits & SETTLED) !== 0) {
        if ((bits & WANTED) === 0) continue;
        const key = keys[keyOf[slot]!]!;
        l = listenerOf(keyOf[slot]!);
        if (l.copy) {
          const c = open.fill(slot, at);
          l.copy.add(c, openFacts(c, open.facts, at, grace, a.synAnswerDue(c, a.listeners.get(key), vantage)));
          vantage.add(c);
        } else {
          vantage.add(open.fillHandshake(slot, this.handshake));
          order[noted++] = slot;
        }
      } else {
        const c = open.fill(slot, at);
        ids[slot] = id;
        frames[slot] = frame;
        // Whether the analyzer wants it depends on its server alone: settled for good.
        if (!a.wants(c)) {
          flags[slot] = SETTLED;
          continue;
        }
        const key = listenerKeyOf(a, c);
        const synDue = a.synAnswerDue(c, a.listeners.get(key), vantage);
        const f = openFacts(c, open.facts, at, grace, synDue);
        each(c, f, key);
        if (inFlight(c, at, grace, synDue)) {
          flags[slot] = WANTED;
          continue;
        }
        bits = WANTED | (evidence(f) ? EVIDENCE : 0) | (at - open.lastTimeOf(slot) >= settlesAfter(c) ? SETTLED : 0);
        flags[slot] = bits;
        const index = this.indexOf(key);
        keyOf[slot] = index;
        l = listenerOf(index);
        l.changed = true;
        vantage.add(c);
        if (l.copy) l.copy.add(c, f);
        else order[noted++] = slot;
      }
      l.count++;
      l.idSum += id;
      if ((bits & EVIDENCE) !== 0) l.evidence = true;
    }
    const vs = a.vantagesOf(vantage);
    const next = { server: answerGrace(vs.whole.synToSynAck), client: answerGrace(vs.whole.synAckToAck) };
    // What a listener's vantage is from its finished connections (a new listener: the capture's, as ListenerVantages.of gives it).
    const basis = (known: Listener | undefined): Vantage => (known ? vs.of(known) : vs.capture === 'mixed' ? 'unknown' : vs.capture);
    const marked = new Set<string>();
    let feed = false;
    for (const [key, l] of seen) {
      if (!l.evidence) continue;
      marked.add(key);
      if (l.copy) continue;
      const before = this.judged.get(key);
      const known = a.listeners.get(key);
      const same =
        before !== undefined && !l.changed && before.count === l.count && before.idSum === l.idSum &&
        before.connections === (known?.base.connections ?? 0) && before.vantage === basis(known);
      if (same) continue;
      l.feed = feed = true;
      if (known) l.copy = copyListener(known, a);
    }
    // The listeners found to need judging at the walk's end: fed from the slots noted, in table order.
    for (let i = 0; feed && i < noted; i++) {
      const slot = order[i]!;
      const key = keys[keyOf[slot]!]!;
      const l = seen.get(key)!;
      if (!l.feed) continue;
      const c = open.fill(slot, at);
      l.copy ??= newListener(a, key, formatAddress(c.ipVersion, c.s0, c.s1, c.s2, c.s3));
      l.copy.add(c, openFacts(c, open.facts, at, grace, a.synAnswerDue(c, a.listeners.get(key), vantage)));
    }
    const findings: Finding[] = [];
    const judged = new Map<string, Judged>();
    for (const key of marked) {
      const l = seen.get(key)!;
      let j = this.judged.get(key)!;
      if (l.copy) {
        const known = a.listeners.get(key);
        j = {
          connections: known?.base.connections ?? 0, count: l.count, idSum: l.idSum, vantage: basis(known),
          address: l.copy.base.address, findings: l.copy.judge(vs.of(l.copy)),
        };
      }
      judged.set(key, j);
      findings.push(...j.findings);
    }
    this.judged = judged;
    return { findings, listeners: marked, grace: next };
  }

  private indexOf(key: string): number {
    let i = this.keyIndex.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.keys.push(key);
      this.keyIndex.set(key, i);
    }
    return i;
  }

  /** Room for every slot the table can hold. */
  private fit(capacity: number): void {
    if (this.ids.length >= capacity) return;
    const ids = new Int32Array(capacity).fill(-1);
    ids.set(this.ids);
    const frames = new Float64Array(capacity);
    frames.set(this.frames);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    const keyOf = new Int32Array(capacity);
    keyOf.set(this.keyOf);
    this.ids = ids;
    this.frames = frames;
    this.flags = flags;
    this.keyOf = keyOf;
    this.order = new Int32Array(capacity);
  }
}
