// `tcpdiag watch`: windows over the same streaming analysis as `analyze`. The tracker finishes
// connections as it goes; each finished connection goes to the one Analyzer (as in analyze). At each
// window's end the connections still open are judged too (live.ts), on copies, so a finding shows up
// in the window its evidence completes in, not when its connections finish.
//
// Counts: what an open connection has shown so far (a SYN, a completed handshake, dropped segments) is
// counted in the window in which it shows, and the rest when it finishes, from its final facts; so the
// windows' counts still add up to analyze's. What the final facts take back (a segment counted as
// dropped that the server answered after all, later than the grace: path or capture loss; 3 windows in
// the lab fixtures, 1-2 segments each) is taken back in the window the connection finishes in, which
// then shows a negative correction. A window forgets its counts once reported; what lives on
// is the Analyzer's own bounded state, one small record per open connection already counted (the
// connection table's cap bounds them), and one per (listener, finding) reported.

import { epochOf, S } from '../capture/time-base.js';
import type { Connection } from '../track/connection.js';
import { LiveTracker, type LiveConnections } from '../track/live.js';
import type { CaptureSummary } from '../track/summary.js';
import type { TrackerOptions } from '../track/tracker.js';
import { Analyzer, type Analysis, type Listener } from './analyzer.js';
import { answerGrace, OpenJudge, type Grace, type OpenJudgement } from './live.js';
import type { Finding } from './registry.js';
import { Fact, type ConnectionFacts } from './signatures.js';

/**
 * The Analyzer of analyze, told the time before each connection goes in: a window closes (and is judged)
 * before the first connection that finished after it is added. It also judges the open connections.
 */
export class WatchedAnalyzer extends Analyzer {
  /** What the open connections showed at the last window's end (live.ts). */
  private readonly openJudge = new OpenJudge();
  beforeAdd: (c: Connection) => void = () => undefined;

  override add(c: Connection): ConnectionFacts {
    this.beforeAdd(c);
    return super.add(c);
  }

  /** Sees the summary before the capture-wide detectors judge it (watch clears the fault its own stop caused). */
  beforeFinish: (summary: CaptureSummary) => void = () => undefined;

  override finish(summary: CaptureSummary): Analysis {
    this.beforeFinish(summary);
    return super.finish(summary);
  }

  /**
   * The findings of listeners with open evidence at `at`, judged on copies (live.ts); `each` sees the open
   * connections that may have changed. `judge` holds what the last window's judgement keeps (a test
   * passes a new one, which remembers nothing, to compare).
   */
  judgeOpen(
    open: LiveConnections,
    at: number,
    grace: Grace,
    each: (c: Connection, f: ConnectionFacts, listener: string) => void,
    judge: OpenJudge = this.openJudge,
  ): OpenJudgement {
    const lend = {
      listeners: this.listeners,
      byHash: this.byHash,
      vantage: this.vantage,
      vantagesOf: (e: typeof this.vantage) => this.vantageNow(e),
      synAnswerDue: (c: Connection, l: Listener | undefined, e: typeof this.vantage) => this.synAnswerDue(c, l, e),
      wants: (c: Connection) => this.wants(c),
      times: this.times,
    };
    return judge.judge(lend, open, at, grace, each);
  }

  /** The grace the turnarounds of the connections finished so far give (live.ts). */
  get grace(): Grace {
    const v = this.vantage.result();
    return { server: answerGrace(v.synToSynAck), client: answerGrace(v.synAckToAck) };
  }
}

/** One listener in one window: what its connections showed in the window (see the file's head). */
export interface ListenerWindow {
  listener: string;
  /** Connections finished in the window (analyze's `connections`). */
  connections: number;
  /** Connections that began with a SYN (new SYNs), counted when the SYN is seen. */
  syns: number;
  /** Handshakes completed (the handshake ACK seen: analyze's `completed`). */
  completed: number;
  /** Connections whose SYNs went unanswered (dropped), and how many SYNs. */
  synDrops: number;
  unansweredSyns: number;
  /** Completed handshakes the server ignored or reset (accept-queue overflow evidence). */
  ignored: number;
  /** Overflow resets (reset-after-handshake) and application resets (reset-by-application). */
  overflowResets: number;
  appResets: number;
  /** SYNs answered by RST (refused). */
  refused: number;
  /** Handshakes left half-open (when they finish). */
  halfOpen: number;
  /** Client segments the server dropped after the handshake plus SYNs dropped: the capture's ListenOverflows estimate. */
  droppedSegments: number;
}

export type FindingChange = 'started' | 'grew' | 'ended';

export interface WindowEvent {
  type: 'window';
  /** Window number, from 0. */
  index: number;
  /** Epoch seconds of capture time. */
  start: number;
  end: number;
  /** Listeners with something counted in the window, busiest first. */
  listeners: ListenerWindow[];
}

export interface FindingEvent {
  type: 'finding';
  change: FindingChange;
  /** The window in which the change was seen. */
  window: number;
  windowStart: number;
  windowEnd: number;
  id: string;
  severity: string;
  listener: string;
  /** Connections affected so far. */
  connections: number;
  /** Connections added since the last report of this finding. */
  added: number;
  /** When the finding's first affected connection met the trouble (epoch seconds; null when it gives none). */
  began: number | null;
  verdict: string;
}

export interface WindowSink {
  window(w: WindowEvent): void;
  finding(f: FindingEvent): void;
}

/** The counts one connection adds to its listener's window; what an open one has shown is counted once. */
export const COUNTED = ['syns', 'completed', 'synDrops', 'unansweredSyns', 'ignored', 'overflowResets', 'appResets', 'refused', 'droppedSegments'] as const;
export type Counted = Record<(typeof COUNTED)[number], number>;

export function newCounted(): Counted {
  return { syns: 0, completed: 0, synDrops: 0, unansweredSyns: 0, ignored: 0, overflowResets: 0, appResets: 0, refused: 0, droppedSegments: 0 };
}

/** What a connection shows, by its facts (at its finish, or at a window's end while open). */
function countsOf(c: Connection, f: ConnectionFacts, into: Counted): Counted {
  const bits = f.bits;
  into.syns = c.synCount > 0 ? 1 : 0;
  into.completed = c.handshakeAckFrame !== 0 ? 1 : 0;
  into.synDrops = f.synDropped ? 1 : 0;
  into.unansweredSyns = f.synDropped ? f.unansweredSyns : 0;
  into.ignored = f.ignoredHandshake ? 1 : 0;
  into.overflowResets = bits & Fact.ResetAfterHandshake ? 1 : 0;
  into.appResets = bits & Fact.ResetByApplication ? 1 : 0;
  into.refused = bits & Fact.Refused ? 1 : 0;
  into.droppedSegments = f.droppedAfterHandshake + (f.synDropped ? f.unansweredSyns : 0);
  return into;
}

/**
 * Every field of COUNTED, spelled out: a loop over the names costs more than the rest of countOpen. A field
 * added to COUNTED and not here is caught by test/watch/windows.test.ts, which sets each one alone.
 */
export function sameCounts(a: Counted, b: Counted): boolean {
  return (
    a.syns === b.syns && a.completed === b.completed && a.synDrops === b.synDrops && a.unansweredSyns === b.unansweredSyns &&
    a.ignored === b.ignored && a.overflowResets === b.overflowResets && a.appResets === b.appResets && a.refused === b.refused &&
    a.droppedSegments === b.droppedSegments
  );
}

export function isZero(a: Counted): boolean {
  return (
    a.syns === 0 && a.completed === 0 && a.synDrops === 0 && a.unansweredSyns === 0 && a.ignored === 0 && a.overflowResets === 0 &&
    a.appResets === 0 && a.refused === 0 && a.droppedSegments === 0
  );
}

function newCounts(listener: string): ListenerWindow {
  return { listener, connections: 0, halfOpen: 0, ...newCounted() };
}

/** What was last said about one finding of one listener. */
interface Reported {
  connections: number;
  severity: string;
  verdict: string;
  began: number | null;
  /** Growing at the last report (started or grew); an `ended` is owed when it stops. */
  active: boolean;
}

/** A run of empty windows longer than this (a capture whose clock jumps) is skipped as one gap. */
const MAX_EMPTY_WINDOWS = 12;

/**
 * Counts each connection in the open window, and closes windows as capture time passes them
 * (`advance`). On close it judges the open connections and the listeners the window touched, and
 * reports findings that started, grew or ended.
 */
export class Windows {
  private counts = new Map<string, ListenerWindow>();
  /** Listeners touched since their findings were last judged. */
  private touched = new Set<string>();
  private readonly reported = new Map<string, Reported>();
  /** What has been counted of each open connection, by connection id (removed when it finishes). */
  private readonly counted = new Map<number, Counted>();
  private readonly scratch = newCounted();
  private index = 0;
  /**
   * The open window's start, capture time: nanoseconds since the run's base second, the analyzer's
   * times.base (capture/time-base.ts; runPipeline sets it at the first frame). Windows are cut on epoch
   * multiples of the interval and reported in epoch seconds.
   */
  private start = NaN;
  /** The grace the last window's end measured (null: none yet). */
  private grace: Grace | null = null;

  /** The window's length, nanoseconds. */
  private readonly interval: number;

  /** `intervalSeconds`: the window's length as the user gives it (watch --interval), in seconds. */
  constructor(
    private readonly analyzer: WatchedAnalyzer,
    private readonly intervalSeconds: number,
    private readonly sink: WindowSink,
  ) {
    this.interval = intervalSeconds * S;
  }

  /** The tracker's open connections, judged at each window's end (without: finished connections only). */
  private open: LiveConnections | null = null;
  private followed: LiveTracker | null = null;

  /**
   * run.ts's `newTracker` for the pipeline these windows follow: a LiveTracker that closes the windows
   * before the first packet past each end, whose open connections are judged at each end.
   */
  readonly newTracker = (emit: (c: Connection) => void, opts: TrackerOptions): LiveTracker => {
    const t = new LiveTracker(emit, opts);
    this.open = t.live;
    this.followed = t;
    t.stopAt(-Infinity, (now) => this.advance(now));
    return t;
  };

  /** The tracker made by newTracker (null before). */
  get tracker(): LiveTracker | null {
    return this.followed;
  }

  /** The open window's start (capture time), NaN before the first connection or tick. */
  get windowStart(): number {
    return this.start;
  }

  /**
   * The start of the window holding capture time `now`: a multiple of the interval in epoch seconds. The
   * base's whole multiples of the interval are set aside (an epoch second in nanoseconds is past 2^53):
   * what is left of the base, `rest` seconds, and `now` are small, and the cut exact.
   */
  private windowAt(now: number): number {
    const base = this.analyzer.times.base;
    const rest = base - Math.floor(base / this.intervalSeconds) * this.intervalSeconds;
    return Math.floor((rest * S + now) / this.interval) * this.interval - rest * S;
  }

  /** The open window's end: the capture time at which it closes (Infinity before the first). */
  get nextEnd(): number {
    return Number.isNaN(this.start) ? Infinity : this.start + this.interval;
  }

  /** Capture time has reached `now`: closes every window that ends at or before it. Returns the next end. */
  advance(now: number): number {
    if (!Number.isFinite(now)) return this.nextEnd;
    if (Number.isNaN(this.start)) {
      this.start = this.windowAt(now);
      return this.nextEnd;
    }
    let closed = 0;
    while (now >= this.start + this.interval) {
      this.close();
      if (++closed >= MAX_EMPTY_WINDOWS && now >= this.start + this.interval) {
        // Skip the rest of an empty stretch in one step.
        this.start = this.windowAt(now);
        break;
      }
    }
    return this.nextEnd;
  }

  private windowOf(listener: string): ListenerWindow {
    let w = this.counts.get(listener);
    if (!w) {
      w = newCounts(listener);
      this.counts.set(listener, w);
    }
    return w;
  }

  /** Adds to the window what `now` shows beyond what was counted before (`before`, updated). */
  private addNew(w: ListenerWindow, now: Counted, before: Counted | undefined): void {
    for (const k of COUNTED) w[k] += now[k] - (before ? before[k] : 0);
  }

  /** One connection the analyzer has just added (runPipeline's `each`): its final facts. */
  count(c: Connection, f: ConnectionFacts): void {
    const key = this.analyzer.lastListener;
    const w = this.windowOf(key);
    this.touched.add(key);
    w.connections++;
    if (f.halfOpen) w.halfOpen++;
    const before = this.counted.get(c.id);
    this.addNew(w, countsOf(c, f, this.scratch), before);
    if (before) this.counted.delete(c.id);
  }

  /** One open connection at a window's end (most show what they showed at the last end: compared field by field). */
  private countOpen(c: Connection, f: ConnectionFacts, key: string): void {
    const now = countsOf(c, f, this.scratch);
    const before = this.counted.get(c.id);
    if (before ? sameCounts(now, before) : isZero(now)) return;
    const w = this.windowOf(key);
    this.touched.add(key);
    this.addNew(w, now, before);
    if (before) Object.assign(before, now);
    else this.counted.set(c.id, { ...now });
  }

  /** Closes the open window (the end of input closes the last one, however short). */
  close(): void {
    // Without any packet, a window at the epoch's start.
    if (Number.isNaN(this.start)) this.start = -this.analyzer.times.base * S;
    const start = this.start;
    const end = start + this.interval;
    let live: OpenJudgement | null = null;
    if (this.open && this.open.size > 0) {
      const each = (c: Connection, f: ConnectionFacts, key: string) => this.countOpen(c, f, key);
      const grace = this.grace ?? this.analyzer.grace;
      live = this.analyzer.judgeOpen(this.open, end, grace, each);
      // The grace at `end` is the turnarounds seen by `end`, open connections included, but the walk measures
      // them as it judges with the last end's. When they give a grace far from it (the first window, judged
      // with the 0.2 s default while its open handshakes already show a 33 µs turnaround: stalled-synack1/
      // server reported its overflow a window late), judge again with it. Counts are by difference, so
      // counting twice is exact; within a factor of 2 (the median drifting) one walk is enough, the grace
      // being itself a few turnarounds of slack.
      if (farGrace(grace, live.grace)) live = this.analyzer.judgeOpen(this.open, end, live.grace, each);
      this.grace = live.grace;
    }
    const listeners = [...this.counts.values()].sort((a, b) => b.connections - a.connections || b.syns - a.syns || a.listener.localeCompare(b.listener));
    this.counts = new Map();
    const base = this.analyzer.times.base;
    this.sink.window({ type: 'window', index: this.index, start: epochOf(base, start), end: epochOf(base, end), listeners });
    this.judge(epochOf(base, start), epochOf(base, end), live);
    this.index++;
    this.start = end;
  }

  /** Reports what changed in the findings of the listeners judged now: touched, or with open evidence. `start`, `end`: epoch seconds. */
  private judge(start: number, end: number, live: OpenJudgement | null): void {
    const now = new Map<string, Finding>();
    const judged = new Set(this.touched);
    if (live) {
      for (const f of live.findings) now.set(`${f.listener}\u0000${f.id}`, f);
      for (const l of live.listeners) judged.add(l);
    }
    const rest = [...this.touched].filter((l) => !live?.listeners.has(l));
    if (rest.length > 0) {
      for (const f of this.analyzer.judgeNow(rest)) now.set(`${f.listener}\u0000${f.id}`, f);
    }
    for (const [key, f] of now) {
      const before = this.reported.get(key);
      if (!before) {
        this.reported.set(key, { connections: f.connections, severity: f.severity, verdict: f.verdict, began: beganOf(f, this.analyzer.times.base), active: true });
        this.emit('started', f, f.connections, start, end);
      } else if (f.connections > before.connections) {
        this.emit('grew', f, f.connections - before.connections, start, end);
        before.connections = f.connections;
        before.verdict = f.verdict;
        before.active = true;
      } else if (before.active) {
        before.active = false;
        this.emit('ended', f, 0, start, end);
      }
    }
    // Findings of listeners not judged now did not grow: those still active have ended. Those judged away
    // (a verdict withdrawn as more connections came) have ended too.
    for (const [key, r] of this.reported) {
      if (now.has(key) || !r.active) continue;
      const listener = key.slice(0, key.indexOf('\u0000'));
      if (judged.has(listener)) {
        this.reported.delete(key);
      } else {
        r.active = false;
      }
      const id = key.slice(key.indexOf('\u0000') + 1);
      this.sink.finding({
        type: 'finding', change: 'ended', window: this.index, windowStart: start, windowEnd: end,
        id, severity: r.severity, listener, connections: r.connections, added: 0, began: r.began, verdict: r.verdict,
      });
    }
    this.touched.clear();
  }

  private emit(change: FindingChange, f: Finding, added: number, start: number, end: number): void {
    this.sink.finding({
      type: 'finding', change, window: this.index, windowStart: start, windowEnd: end,
      id: f.id, severity: f.severity, listener: f.listener, connections: f.connections, added, began: beganOf(f, this.analyzer.times.base), verdict: f.verdict,
    });
  }
}

/** Whether two graces differ by more than a factor of 2 on either side. */
function farGrace(a: Grace, b: Grace): boolean {
  const far = (x: number, y: number) => x > 2 * y || y > 2 * x;
  return far(a.server, b.server) || far(a.client, b.client);
}

/** Epoch seconds of the finding's first time (a float: watch prints it to the millisecond). */
function beganOf(f: Finding, base: number): number | null {
  return Number.isFinite(f.firstTime) ? epochOf(base, f.firstTime) : null;
}
