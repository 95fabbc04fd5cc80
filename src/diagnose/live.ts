// `tcpdiag watch`'s live evidence: the connections still open, judged at a window's end as if the
// capture ended there, on copies of their listeners' state, so that the analysis of the finished
// connections (analyze's own, and watch's closing report) is never touched.
//
// An open connection is judged as finish() would judge it at `at`, with allowances for what is still
// on its way: a handshake whose SYN or SYN-ACK was sent less than a grace before `at` is in flight and
// left out (analyze of a capture cut mid-handshake would call it half-open), and a client segment sent
// less than the grace before `at` and not answered yet is not yet counted as dropped (classify() gives
// a finished connection 0.1 ms; an open one may still be answered within a turnaround).

import { formatAddress, formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import { endpointKey } from '../track/key.js';
import type { LiveConnections, OpenFacts } from '../track/live.js';
import { MAX_LISTENERS, Listener } from './analyzer.js';
import { ListenerBase } from './listener.js';
import type { Finding } from './registry.js';
import { classify, type ConnectionFacts } from './signatures.js';
import { synAckAfterAck } from './synack-after-ack.js';
import { Timeline } from './timeline.js';
import type { Vantage, VantageEstimator } from './vantage.js';

/** Until the capture shows the round trip: the client's own shortest retransmission timeout (TCP_RTO_MIN). */
const DEFAULT_GRACE_S = 0.2;
const MIN_GRACE_S = 0.005;
/** The client re-sends an unanswered SYN after 1 s: an answer later than that is no longer awaited. */
const MAX_GRACE_S = 1;
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
  if (!(turnaround >= 0)) return DEFAULT_GRACE_S;
  return Math.min(MAX_GRACE_S, Math.max(MIN_GRACE_S, 3 * turnaround));
}

/** A handshake still on its way: its latest SYN or SYN-ACK was sent less than a grace ago, unanswered. */
export function inFlight(c: Connection, at: number, grace: Grace): boolean {
  if (c.handshakeAckFrame !== 0 || c.rstBy !== null || c.synCount === 0) return false;
  return c.synAckCount === 0 ? at - c.lastSynTime < grace.server : at - c.lastSynAckTime < grace.client;
}

/**
 * The facts of an open connection at `at` (its record was filled as if it finished then): classify()'s,
 * except that the latest SYN or client segment, sent less than `grace` ago and not answered, is not
 * counted as dropped yet. Sets the record's synAckAfterAck and signatures as Analyzer.add does.
 */
export function openFacts(c: Connection, open: OpenFacts, at: number, grace: Grace): ConnectionFacts {
  // A SYN not answered yet and not yet due: judged as at that SYN, where classify() leaves it out.
  c.finishedAt = c.synCount > 0 && c.synAckCount === 0 && c.rstBy === null && at - c.lastSynTime < grace.server ? c.lastSynTime : at;
  c.synAckAfterAck = synAckAfterAck(c);
  const f = classify(c);
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

/** A listener's state copied to judge with its open connections; its timeline (charts only) is left out. */
function copyListener(l: Listener): Listener {
  return deepCopy(l, new Map<unknown, unknown>([[l.base.timeline, new Timeline()]]));
}

/** What watch's analyzer lends the live judgement: its listeners and vantage, read only. */
export interface JudgedSoFar {
  listeners: ReadonlyMap<string, Listener>;
  byHash: ReadonlyMap<number, Listener>;
  vantage: VantageEstimator;
  vantageOf(estimator: VantageEstimator): { vantage: Vantage; synToSynAck: number; synAckToAck: number };
  wants(c: Connection): boolean;
}

/** The listener key (`ip:port`, or `*`) an open connection will be counted under when it finishes. */
export function listenerKeyOf(a: JudgedSoFar, c: Connection): string {
  const known = a.byHash.get(endpointKey(c.s0, c.s1, c.s2, c.s3, c.sPort));
  if (known && known.base.serves(c)) return known.base.listener;
  const key = formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort);
  return a.listeners.has(key) || a.listeners.size < MAX_LISTENERS ? key : '*';
}

export interface OpenJudgement {
  /** Findings of the listeners judged with their open connections. */
  findings: Finding[];
  /** Those listeners. */
  listeners: Set<string>;
  /** The grace from the turnarounds with the open connections: the next window's. */
  grace: Grace;
}

/**
 * Judges the open connections at `at`. `each` sees every open connection the analyzer wants, with its
 * facts and listener key (watch counts them). Listeners with an open connection that shows evidence are
 * copied, fed all their open connections, and judged; the analyzer itself is not changed.
 */
export function judgeOpen(
  a: JudgedSoFar,
  open: LiveConnections,
  at: number,
  grace: Grace,
  each: (c: Connection, f: ConnectionFacts, listener: string) => void,
): OpenJudgement {
  const vantage = deepCopy(a.vantage);
  const marked = new Set<string>();
  // First pass: facts, counts, the vantage with the open handshakes, and which listeners show evidence.
  open.forEach(at, (c, o) => {
    if (!a.wants(c)) return;
    const f = openFacts(c, o, at, grace);
    const key = listenerKeyOf(a, c);
    each(c, f, key);
    if (inFlight(c, at, grace)) return;
    vantage.add(c);
    if (evidence(f)) marked.add(key);
  });
  const findings: Finding[] = [];
  const v = a.vantageOf(vantage);
  const next = { server: answerGrace(v.synToSynAck), client: answerGrace(v.synAckToAck) };
  if (marked.size === 0) return { findings, listeners: marked, grace: next };
  // Second pass: copies of the marked listeners, fed every open connection of theirs.
  const copies = new Map<string, Listener>();
  open.forEach(at, (c, o) => {
    if (!a.wants(c) || inFlight(c, at, grace)) return;
    const key = listenerKeyOf(a, c);
    if (!marked.has(key)) return;
    let l = copies.get(key);
    if (!l) {
      const known = a.listeners.get(key);
      l = known ? copyListener(known) : new Listener(new ListenerBase(key, formatAddress(c.ipVersion, c.s0, c.s1, c.s2, c.s3)));
      copies.set(key, l);
    }
    l.add(c, openFacts(c, o, at, grace));
  });
  for (const l of copies.values()) findings.push(...l.judge(v.vantage));
  return { findings, listeners: marked, grace: next };
}
