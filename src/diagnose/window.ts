// `tcpdiag watch`: windows over the same streaming analysis as `analyze`. The tracker finishes
// connections as it goes; each finished connection goes to the one Analyzer (as in analyze) and is
// counted once, in the window open when it arrives. So the windows' counts add up to analyze's by
// construction. A window forgets its counts once reported; what lives on is the Analyzer's own
// bounded state and one small record per (listener, finding) reported.

import type { Connection } from '../track/connection.js';
import type { CaptureSummary } from '../track/summary.js';
import { Analyzer, type Analysis } from './analyzer.js';
import type { Finding } from './registry.js';
import type { ConnectionFacts } from './signatures.js';

/**
 * The Analyzer of analyze, told the time before each connection goes in: a window closes (and is judged)
 * before the first connection that finished after it is added.
 */
export class WatchedAnalyzer extends Analyzer {
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
}

/** One listener's connections finished in one window. */
export interface ListenerWindow {
  listener: string;
  /** Connections finished in the window (analyze's `connections`). */
  connections: number;
  /** Of them, those that began with a SYN (new SYNs). */
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
  /** Handshakes left half-open. */
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
  /** Listeners with a connection finished in the window, busiest first. */
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
  verdict: string;
}

export interface WindowSink {
  window(w: WindowEvent): void;
  finding(f: FindingEvent): void;
}

function newCounts(listener: string): ListenerWindow {
  return {
    listener,
    connections: 0,
    syns: 0,
    completed: 0,
    synDrops: 0,
    unansweredSyns: 0,
    ignored: 0,
    overflowResets: 0,
    appResets: 0,
    refused: 0,
    halfOpen: 0,
    droppedSegments: 0,
  };
}

/** What was last said about one finding of one listener. */
interface Reported {
  connections: number;
  severity: string;
  verdict: string;
  /** Growing at the last report (started or grew); an `ended` is owed when it stops. */
  active: boolean;
}

/** A run of empty windows longer than this (a capture whose clock jumps) is skipped as one gap. */
const MAX_EMPTY_WINDOWS = 12;

/**
 * Counts each finished connection in the open window, and closes windows as
 * capture time passes them (`advance`). On close it judges the listeners the
 * window touched and reports findings that started, grew or ended.
 */
export class Windows {
  private counts = new Map<string, ListenerWindow>();
  /** Listeners touched since their findings were last judged. */
  private touched = new Set<string>();
  private readonly reported = new Map<string, Reported>();
  private index = 0;
  private start = NaN;

  constructor(
    private readonly analyzer: Analyzer,
    private readonly interval: number,
    private readonly sink: WindowSink,
  ) {}

  /** The open window's start (epoch seconds), NaN before the first connection or tick. */
  get windowStart(): number {
    return this.start;
  }

  /** Capture time has reached `now`: closes every window that ends at or before it. */
  advance(now: number): void {
    if (!Number.isFinite(now)) return;
    if (Number.isNaN(this.start)) {
      this.start = Math.floor(now / this.interval) * this.interval;
      return;
    }
    let closed = 0;
    while (now >= this.start + this.interval) {
      this.close();
      if (++closed >= MAX_EMPTY_WINDOWS && now >= this.start + this.interval) {
        // Skip the rest of an empty stretch in one step.
        this.start = Math.floor(now / this.interval) * this.interval;
        break;
      }
    }
  }

  /** One connection the analyzer has just added (runPipeline's `each`). */
  count(c: Connection, f: ConnectionFacts): void {
    const key = this.analyzer.lastListener;
    let w = this.counts.get(key);
    if (!w) {
      w = newCounts(key);
      this.counts.set(key, w);
    }
    this.touched.add(key);
    const sig = f.signatures;
    w.connections++;
    if (c.synCount > 0) w.syns++;
    if (c.handshakeAckFrame !== 0) w.completed++;
    if (f.synDropped) {
      w.synDrops++;
      w.unansweredSyns += f.unansweredSyns;
    }
    if (f.ignoredHandshake) w.ignored++;
    if (sig.includes('reset-after-handshake')) w.overflowResets++;
    if (sig.includes('reset-by-application')) w.appResets++;
    if (sig.includes('refused')) w.refused++;
    if (f.halfOpen) w.halfOpen++;
    w.droppedSegments += f.droppedAfterHandshake + (f.synDropped ? f.unansweredSyns : 0);
  }

  /** Closes the open window (the end of input closes the last one, however short). */
  close(): void {
    if (Number.isNaN(this.start)) this.start = 0;
    const start = this.start;
    const end = start + this.interval;
    const listeners = [...this.counts.values()].sort((a, b) => b.connections - a.connections || a.listener.localeCompare(b.listener));
    this.counts = new Map();
    this.sink.window({ type: 'window', index: this.index, start, end, listeners });
    this.judge(start, end);
    this.index++;
    this.start = end;
  }

  /** Reports what changed in the findings of the listeners this window touched. */
  private judge(start: number, end: number): void {
    const now = new Map<string, Finding>();
    if (this.touched.size > 0) {
      for (const f of this.analyzer.judgeNow(this.touched)) now.set(`${f.listener}\u0000${f.id}`, f);
    }
    for (const [key, f] of now) {
      const before = this.reported.get(key);
      if (!before) {
        this.reported.set(key, { connections: f.connections, severity: f.severity, verdict: f.verdict, active: true });
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
    // Findings of untouched listeners did not grow: those still active have ended. Those judged away
    // (a verdict withdrawn as more connections came) have ended too.
    for (const [key, r] of this.reported) {
      if (now.has(key) || !r.active) continue;
      const listener = key.slice(0, key.indexOf('\u0000'));
      if (this.touched.has(listener) && !now.has(key)) {
        this.reported.delete(key);
      } else {
        r.active = false;
      }
      const id = key.slice(key.indexOf('\u0000') + 1);
      this.sink.finding({
        type: 'finding', change: 'ended', window: this.index, windowStart: start, windowEnd: end,
        id, severity: r.severity, listener, connections: r.connections, added: 0, verdict: r.verdict,
      });
    }
    this.touched.clear();
  }

  private emit(change: FindingChange, f: Finding, added: number, start: number, end: number): void {
    this.sink.finding({
      type: 'finding', change, window: this.index, windowStart: start, windowEnd: end,
      id: f.id, severity: f.severity, listener: f.listener, connections: f.connections, added, verdict: f.verdict,
    });
  }
}
