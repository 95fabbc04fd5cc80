// What the two listen queues held over time, as one listener's connections show it (kernel.md §1.1, §4):
// which dropped SYNs met a full SYN queue rather than a full accept queue. Shared by accept-queue-overflow
// (whose state keeps it) and syn-queue-overflow (which reads that state).

import type { Connection } from '../track/connection.js';
import { NumberTable } from './number-table.js';
import { Samples } from './samples.js';
import { Fact, type ConnectionFacts } from './signatures.js';

/**
 * One connection's unanswered SYNs can be anything (kernel.md §10.1): SYN drops are the SYN queue's from
 * the SYNs of this many connections on.
 */
export const MIN_SYN_QUEUE_CONNECTIONS = 2;
// Enough drops and requests to sweep over; a listener past this is judged on the first ones.
const MAX_SAMPLES = 65_536;

/** SYNs dropped while half-open requests held the SYN queue and no completed handshake waited to be accepted. */
export interface SynQueueDrops {
  synDrops: number;
  /** Half-open requests held at those drops, at most (≈ the SYN queue's limit). */
  held: number;
  /** Connections whose SYNs those were. */
  connections: number;
  /**
   * Connections with a dropped SYN that did not meet a full SYN queue (a completed handshake waited to be
   * accepted, or no request was held): the accept queue's, even when earlier SYNs of theirs met the full
   * SYN queue (kernel-lab synq0: 12 SYNs of 3 connections met it, then 3 more of the same 3 met the
   * accept queue, full with 3 unaccepted handshakes: TCPReqQFullDrop 12, ListenOverflows 3).
   */
  otherConnections: number;
}

/**
 * How many intervals [start, end) hold each of the sorted times: the starts at or before it less the ends
 * at or before it (an interval that ends at a time does not hold it; one that starts then does). Native
 * typed-array sorts, then one walk with two cursors. A NaN time (sorted last) gets the count before it:
 * read the counts through placesIn, which places NaN nowhere.
 */
export function occupancy(sortedTimes: Float64Array, start: Float64Array, end: Float64Array): Int32Array {
  const starts = new Float64Array(start).sort();
  const ends = new Float64Array(end).sort();
  const held = new Int32Array(sortedTimes.length);
  let started = 0;
  let ended = 0;
  for (let k = 0; k < sortedTimes.length; k++) {
    const t = sortedTimes[k]!;
    while (started < starts.length && starts[started]! <= t) started++;
    while (ended < ends.length && ends[ended]! <= t) ended++;
    held[k] = started - ended;
  }
  return held;
}

/**
 * Each time's place in `sorted` (a sorted copy of `times`): the last with its value (equal times share
 * every count); -1 for NaN, which nothing is at or before.
 */
export function placesIn(sorted: Float64Array, times: Float64Array): Int32Array {
  const out = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) out[i] = atOrBefore(sorted, times[i]!) - 1;
  return out;
}

/** How many of the sorted values are ≤ t. */
function atOrBefore(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class QueueOccupancy {
  /** Half-open requests: SYN-ACK sent (not a cookie, which leaves none, §5), until the handshake ACK or the end. */
  private readonly requestStart = new Samples(MAX_SAMPLES);
  private readonly requestEnd = new Samples(MAX_SAMPLES);
  /** Completed handshakes the server has sent no data on yet: what may wait in the accept queue. */
  private readonly acceptStart = new Samples(MAX_SAMPLES);
  private readonly acceptEnd = new Samples(MAX_SAMPLES);
  /** Each unanswered SYN's time and (parallel) its connection's id. */
  private readonly drops = new Samples(MAX_SAMPLES);
  private readonly dropConn = new Samples(MAX_SAMPLES);
  private result: SynQueueDrops | null = null;

  observe(c: Connection, f: ConnectionFacts): void {
    if (c.synAckCount > 0 && !(f.bits & Fact.Syncookie)) {
      if (this.requestStart.push(c.synAckTime)) this.requestEnd.push(c.handshakeAckFrame !== 0 ? c.handshakeAckTime : c.lastTime);
    }
    // Until the server's first data: the kernel ACKs data for a socket still in the accept queue, only the
    // application (after accept()) sends data. Without data, to the end: the longer, the fewer SYN drops
    // are put down to the SYN queue.
    if (c.handshakeAckFrame !== 0 && this.acceptStart.push(c.handshakeAckTime)) {
      this.acceptEnd.push(c.serverFirstDataFrame !== 0 ? c.serverFirstDataTime : c.lastTime);
    }
    if (f.synDropped) {
      // The first unanswered SYNs are the connection's first SYNs (the kept ones).
      for (let i = 0; i < f.unansweredSyns; i++) {
        if (i > 0 && i - 1 >= c.recordedSynRetransmits) break;
        if (this.drops.push(i === 0 ? c.synTime : c.synRetransmitTime(i - 1))) this.dropConn.push(c.id);
      }
    }
    this.result = null;
  }

  /** The dropped SYNs that met a full SYN queue (computed once per judgement). */
  synQueueDrops(): SynQueueDrops {
    if (this.result) return this.result;
    // The drop times sorted, both queues' counts walked along them, each drop's read at its place: one
    // lookup a drop where there were four binary searches (BENCHMARKS.md, session 15); sorting tuples with
    // a comparator before them was 5% of analyze. Run once a capture, this code's cost is mostly its own
    // compilation (~40 ms of compile jobs in the whole judgement): the gain shows when it runs warm.
    const times = this.drops.view();
    const sortedTimes = new Float64Array(times).sort();
    const requests = occupancy(sortedTimes, this.requestStart.view(), this.requestEnd.view());
    const accepting = occupancy(sortedTimes, this.acceptStart.view(), this.acceptEnd.view());
    const places = placesIn(sortedTimes, times);
    const ids = this.dropConn.view();
    let synDrops = 0;
    let held = 0;
    // A connection's drops are pushed together (observe): each run of one id is added once to each table,
    // and the tables start big enough for that many ids, not growing from four by doubling (each growth
    // places every id again). The 2 M file: 65 536 drops of 34 736 connections.
    let runs = 0;
    for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[i - 1]) runs++;
    // Typed-array sets (a Set<number> of up to MAX_SAMPLES ids each was ~2.7 MB of garbage a judgement).
    const conns = new NumberTable(MAX_SAMPLES, false, runs);
    const others = new NumberTable(MAX_SAMPLES, false, runs);
    // NaN: equal to no id, so the first drop of each kind is always added.
    let lastConn = NaN;
    let lastOther = NaN;
    for (let i = 0; i < times.length; i++) {
      const k = places[i]!;
      const request = k < 0 ? 0 : requests[k]!;
      const id = ids[i]!;
      // A NaN time (k < 0) has request 0: accepting is read only at a place.
      if (request > 0 && accepting[k] === 0) {
        synDrops++;
        if (request > held) held = request;
        if (id !== lastConn) conns.add(id);
        lastConn = id;
      } else {
        if (id !== lastOther) others.add(id);
        lastOther = id;
      }
    }
    this.result = { synDrops, held, connections: conns.size, otherConnections: others.size };
    return this.result;
  }
}
