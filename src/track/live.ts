// The connections still open, for a caller that judges them before they finish (`tcpdiag watch`): a
// read-only view of the tracker's table, and a tracker that stops at given capture times.
//
// The tracker records facts and judges nothing; so does this file. What an open connection's facts
// mean is diagnose/live.ts's business.

import type { Segment } from '../decode/segment.js';
import { Connection } from './connection.js';
import { DF, Fl } from './layout.js';
import type { ConnectionTable } from './table.js';
import { Tracker, type TrackerOptions } from './tracker.js';

/** Facts of an open connection that a finished record does not carry. */
export interface OpenFacts {
  /** Capture time of the client's and of the server's latest packet (0 when none). */
  clientLastTime: number;
  serverLastTime: number;
}

/** The open connections of a tracker, read as they stand; nothing here changes the table. */
export class LiveConnections {
  private readonly record = new Connection();
  private readonly open: OpenFacts = { clientLastTime: 0, serverLastTime: 0 };

  constructor(private readonly table: ConnectionTable) {}

  /** Open connections now. */
  get size(): number {
    return this.table.size;
  }

  /**
   * Each open connection, least recently active first, as a record filled as if it finished at `at`
   * (`finished` false). One record is refilled for each: valid only during the call. Its SYN
   * timelines and logged packets are the tracker's own lists: read them, never change or keep them.
   */
  forEach(at: number, each: (c: Connection, open: OpenFacts) => void): void {
    const st = this.table.slots;
    const c = this.record;
    const o = this.open;
    for (const slot of this.table.oldestFirst()) {
      c.fill(st, slot, at);
      c.finished = false;
      const f = slot * Fl.Size;
      o.clientLastTime = st.F[f + Fl.Client + DF.LastTime]!;
      o.serverLastTime = st.F[f + Fl.Server + DF.LastTime]!;
      each(c, o);
    }
  }
}

/**
 * A Tracker that calls `onTime` before the first packet at or past `next` (watch's window boundary):
 * the open connections then hold every packet before that time and none after it. `onTime` returns
 * the next such time. Only watch makes one (run.ts `newTracker`); analyze's tracker has no such check.
 */
export class LiveTracker extends Tracker {
  readonly live: LiveConnections;
  /** The latest packet time seen (the tracker's clock), -Infinity before the first. */
  latest = -Infinity;
  private next = Infinity;
  private onTime: (now: number) => number = () => Infinity;

  constructor(emit: (c: Connection) => void, opts: TrackerOptions = {}) {
    super(emit, opts);
    this.live = new LiveConnections(this.table);
  }

  /** Calls `onTime(packet time)` before the first packet at or past `next`, then at the time it returns. */
  stopAt(next: number, onTime: (now: number) => number): void {
    this.next = next;
    this.onTime = onTime;
  }

  override add(s: Segment): void {
    const t = s.time;
    if (t >= this.next) this.next = this.onTime(t);
    if (t > this.latest) this.latest = t;
    super.add(s);
  }
}
