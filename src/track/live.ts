// The connections still open, for a caller that judges them before they finish (`tcpdiag watch`): a
// read-only view of the tracker's table, and a tracker that stops at given capture times.
//
// The tracker records facts and judges nothing; so does this file. What an open connection's facts
// mean is diagnose/live.ts's business.

import type { Segment } from '../decode/segment.js';
import { Connection } from './connection.js';
import { CB, DF, Fl, W } from './layout.js';
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

  /** Slot numbers of the open connections, least recently active first (read them with the methods below). */
  slotsOldestFirst(): IterableIterator<number> {
    return this.table.oldestFirst();
  }

  /** Slots the table can hold now (a slot number is below it). */
  get capacity(): number {
    return this.table.slots.capacity;
  }

  /** The id of the connection in an open slot (a slot is reused by later connections, ids are not). */
  idOf(slot: number): number {
    return this.table.slots.I[slot * W.Size + W.Id]!;
  }

  /** The frame number of the latest packet of an open slot's connection: it changes with every packet. */
  lastFrameOf(slot: number): number {
    return this.table.slots.U[slot * W.Size + W.LastFrame]!;
  }

  /** Capture time of the latest packet of an open slot's connection. */
  lastTimeOf(slot: number): number {
    return this.table.slots.F[slot * Fl.Size + Fl.LastTime]!;
  }

  /**
   * The connection in an open slot, as a record filled as if it finished at `at` (`finished` false), and
   * its open facts in `facts`. One record is refilled each call: valid until the next. Its SYN timelines
   * and logged packets are the tracker's own lists: read them, never change or keep them.
   */
  fill(slot: number, at: number): Connection {
    const st = this.table.slots;
    const c = this.record.fill(st, slot);
    c.finishedAt = at;
    c.finished = false;
    const f = slot * Fl.Size;
    this.open.clientLastTime = st.F[f + Fl.Client + DF.LastTime]!;
    this.open.serverLastTime = st.F[f + Fl.Server + DF.LastTime]!;
    return c;
  }

  /** The open facts of the slot last filled. */
  get facts(): OpenFacts {
    return this.open;
  }

  /**
   * Only what the vantage estimate reads (diagnose/vantage.ts VantageEstimator.add: the addresses, the
   * handshake's counts and times, and each side's turnaround to the other's data), into `into`, as fill() gives them, without
   * filling the rest of a record. `into` is reused: every field the estimate reads is written here, or a
   * previous connection's value would stand in (test/watch/live.test.ts, "a quiet spell").
   */
  fillHandshake(slot: number, into: Connection): Connection {
    const { I, U, F } = this.table.slots;
    const b = slot * W.Size;
    const fb = slot * Fl.Size;
    const bits = I[b + W.Bits]!;
    // The addresses: whether both ends are one host's.
    into.c0 = U[b + W.C0]!;
    into.c1 = U[b + W.C1]!;
    into.c2 = U[b + W.C2]!;
    into.c3 = U[b + W.C3]!;
    into.s0 = U[b + W.S0]!;
    into.s1 = U[b + W.S1]!;
    into.s2 = U[b + W.S2]!;
    into.s3 = U[b + W.S3]!;
    into.synCount = I[b + W.SynCount]!;
    into.synAckCount = I[b + W.SynAckCount]!;
    into.synAckBeforeSyn = (bits & CB.SynAckBeforeSyn) !== 0;
    into.handshakeAckFrame = U[b + W.HsAckFrame]!;
    into.synTime = F[fb + Fl.SynTime]!;
    into.lastSynTime = F[fb + Fl.LastSynTime]!;
    into.synAckTime = F[fb + Fl.SynAckTime]!;
    into.handshakeAckTime = F[fb + Fl.HsAckTime]!;
    into.serverAckDelay = F[fb + Fl.ServerAckDelay]!;
    into.clientAckDelay = F[fb + Fl.ClientAckDelay]!;
    return into;
  }

  /** Each open connection, least recently active first, filled as fill() does. */
  forEach(at: number, each: (c: Connection, open: OpenFacts) => void): void {
    for (const slot of this.table.oldestFirst()) each(this.fill(slot, at), this.open);
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
