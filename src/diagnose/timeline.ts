import { MS, S } from '../capture/time-base.js';
import type { Connection } from '../track/connection.js';

/** Fine buckets (100 ms), merged into display buckets once the capture's length is known. */
const FINE_NS = 100 * MS;
const FINE_S = FINE_NS / S;
/** Fine buckets in a second: a base second's own bucket number is base · FINE_PER_S. */
const FINE_PER_S = S / FINE_NS;
// Display bucket sizes a person reads easily; the report picks the first that gives ≤ MAX_BUCKETS.
const NICE_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const MAX_BUCKETS = 120;
// A week of 100 ms buckets is 6 M entries: past this many distinct fine buckets, new ones are not added.
const MAX_FINE_BUCKETS = 200_000;

export const SERIES = ['syns', 'synRetransmits', 'handshakes', 'ignored', 'resets', 'refused', 'segmentDrops', 'synDrops'] as const;
export type SeriesName = (typeof SERIES)[number];

export interface ListenerTimeline {
  listener: string;
  /** Epoch seconds of the first bucket's start. */
  start: number;
  /** Bucket width in seconds. */
  bucket: number;
  /**
   * One count per bucket for each series. `segmentDrops` and `synDrops` are the segments the
   * accept-queue-overflow finding counts as dropped (its droppedSegments): the client's handshake
   * ACKs, data and data retransmits ignored by the full queue, and the SYNs left unanswered.
   */
  series: Record<SeriesName, number[]>;
}

/** What the signatures found about one connection's drops (signatures.ts ConnectionFacts). */
export interface DropFacts {
  droppedAfterHandshake: number;
  unansweredSyns: number;
  synDropped: boolean;
}

const SEGMENT_DROPS = SERIES.indexOf('segmentDrops');
const NO_ROWS = new Int32Array(0);
const SYN_DROPS = SERIES.indexOf('synDrops');

/** Per-listener counts over time: new SYNs, SYN retransmits, completed, ignored and reset handshakes, refusals. */
export class Timeline {
  /**
   * The fine buckets that have counts: `index` maps a bucket's number (counted from `origin`, the first
   * one's, so that it stays a small integer) to its row of SERIES.length counts in `rows`, rows placed in
   * the order they appear. A row was an Int32Array of its own in a Map: ~200 bytes a bucket, 2.5 MB at
   * 20 M packets of the tiled capture (BENCHMARKS.md, session 10); now ~60.
   */
  private readonly index = new Map<number, number>();
  // Nothing is allocated until the first count: a port scan makes up to 20 000 listeners, each with one.
  private rows = NO_ROWS;
  private origin = NaN;
  /** The bucket last counted and its row: a connection's events, and the next connection's, mostly fall in the same 100 ms. */
  private lastKey = NaN;
  private lastRow = 0;
  dropped = 0;

  /** `times.base`: the run's base second (capture/time-base.ts); buckets are cut on epoch seconds, as the charts show them. */
  constructor(private readonly times: { readonly base: number } = { base: 0 }) {}

  private add(t: number, series: number): void {
    if (!Number.isFinite(t)) return;
    // Fine buckets of epoch time, counted in integers: the base's whole seconds' buckets plus the capture
    // time's (integer nanoseconds, exact: t / FINE_NS never rounds across a whole below 2^53 ns).
    const k = this.times.base * FINE_PER_S + Math.floor(t / FINE_NS);
    if (this.origin !== this.origin) this.origin = k;
    const key = k - this.origin;
    if (key === this.lastKey) {
      this.rows[this.lastRow * SERIES.length + series]!++;
      return;
    }
    let row = this.index.get(key);
    if (row === undefined) {
      if (this.index.size >= MAX_FINE_BUCKETS) {
        this.dropped++;
        return;
      }
      row = this.index.size;
      if ((row + 1) * SERIES.length > this.rows.length) {
        const grown = new Int32Array(Math.max(SERIES.length, this.rows.length * 2));
        grown.set(this.rows);
        this.rows = grown;
      }
      this.index.set(key, row);
    }
    this.lastKey = key;
    this.lastRow = row;
    this.rows[row * SERIES.length + series]!++;
  }

  addConnection(c: Connection, ignored: boolean, reset: boolean, refused: boolean, drops?: DropFacts): void {
    if (drops) this.addDrops(c, drops);
    if (c.synCount > 0) {
      this.add(c.synTime, 0);
      this.addSynRetransmits(c);
    }
    if (c.handshakeAckFrame !== 0) {
      if (reset) this.add(c.handshakeAckTime, 4);
      else if (ignored) this.add(c.handshakeAckTime, 3);
      else this.add(c.handshakeAckTime, 2);
    } else if (reset) this.add(c.rstTime, 4);
    if (refused) this.add(c.rstTime, 5);
  }

  /**
   * Re-sends of a SYN with the same ISN (issue 19 item 7): a SYN with a new ISN on the same tuple is a new
   * attempt, not a retransmit (public/bug-7657-01.pcap: 24 SYNs, 2 of them re-sends). The record keeps at
   * most the first dozen SYN times after the first, enough for any real client, but not which of them
   * brought a new ISN: without one, the kept times are the re-sends'; with some, the answered attempt's
   * re-sends are placed on the kept times after its first SYN, the rest at the last SYN before the answer.
   */
  private addSynRetransmits(c: Connection): void {
    const kept = c.recordedSynRetransmits;
    const resent = c.synRetransmits;
    if (resent <= 0) return;
    if (resent === c.synCount - 1) {
      const n = Math.min(kept, resent);
      for (let i = 0; i < n; i++) this.add(c.synRetransmitTime(i), 1);
      return;
    }
    let placed = 0;
    if (c.answeredIsnSyns > 1) {
      for (let i = 0; i < kept && placed < Math.min(resent, c.answeredIsnSyns - 1); i++) {
        const t = c.synRetransmitTime(i);
        if (t > c.answeredSynTime) {
          this.add(t, 1);
          placed++;
        }
      }
    }
    for (; placed < resent; placed++) this.add(c.lastSynTime, 1);
  }

  /**
   * The dropped segments of one connection, at the times they were sent. The record keeps the SYN
   * times, the handshake ACK's and the first data's, but only the number of the client's retransmits
   * before the server answered: those are placed on the client's exponential backoff (each wait twice
   * the one before) between its first data and the server's answer (or its last packet).
   */
  private addDrops(c: Connection, d: DropFacts): void {
    if (d.synDropped && d.unansweredSyns > 0) {
      // The unanswered SYNs are the first ones: a SYN-ACK, when one came, answered the last.
      const kept = Math.min(c.recordedSynRetransmits, c.synCount - 1);
      for (let i = 0; i < d.unansweredSyns; i++) this.add(i === 0 || kept === 0 ? c.synTime : c.synRetransmitTime(Math.min(i, kept) - 1), SYN_DROPS);
    }
    const n = d.droppedAfterHandshake;
    if (n <= 0 || c.handshakeAckFrame === 0) return;
    const ackT = c.handshakeAckTime;
    const dataT = c.clientFirstDataFrame !== 0 ? c.clientFirstDataTime : ackT;
    const end = c.serverAnswerFrame !== 0 ? c.serverAnswerTime : Math.max(c.lastTime, dataT);
    const resent = Math.min(c.clientRetransBeforeAnswer, c.clientSegsBeforeAnswer);
    const originals = c.clientSegsBeforeAnswer - resent;
    let placed = 0;
    for (let i = 0; i < originals && placed < n; i++, placed++) this.add(i === 0 ? ackT : dataT, SEGMENT_DROPS);
    // 2^r - 1 over 2^resent - 1: the r-th retransmit's share of the wait under doubling timeouts.
    const whole = 2 ** Math.min(resent, 30) - 1;
    for (let r = 1; r <= resent && placed < n; r++, placed++) {
      const share = whole > 0 ? (2 ** Math.min(r, 30) - 1) / whole : 1;
      this.add(dataT + (end - dataT) * share, SEGMENT_DROPS);
    }
    // A count the segments do not explain (should not happen) still shows, at the first data.
    for (; placed < n; placed++) this.add(dataT, SEGMENT_DROPS);
  }

  /** `from`, `to`: epoch seconds (the capture's first and last frame). */
  result(listener: string, from: number, to: number): ListenerTimeline {
    const span = Math.max(to - from, FINE_S);
    // Past the nicest sizes (a capture whose clock jumps by centuries) the bucket simply grows.
    const bucket = NICE_S.find((b) => span / b <= MAX_BUCKETS) ?? Math.ceil(span / MAX_BUCKETS);
    const start = Math.floor(from / bucket) * bucket;
    const n = Math.max(1, Math.ceil((to - start) / bucket + 1e-9));
    const series = Object.fromEntries(SERIES.map((s) => [s, new Array<number>(n).fill(0)])) as Record<SeriesName, number[]>;
    const columns = SERIES.map((s) => series[s]);
    const rows = this.rows;
    this.index.forEach((row, key) => {
      const k = key + this.origin;
      const i = Math.min(n - 1, Math.max(0, Math.floor((k * FINE_S + 1e-9 - start) / bucket)));
      for (let j = 0; j < columns.length; j++) columns[j]![i]! += rows[row * SERIES.length + j]!;
    });
    return { listener, start, bucket, series };
  }
}
