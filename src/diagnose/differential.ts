// Telling a full listen queue from its look-alikes by the pattern across connections (kernel.md §10.1):
// path loss (measured outside the handshake) and a filter (selective by source).

import type { Connection } from '../track/connection.js';
import { NumberTable } from './number-table.js';

/**
 * A loss rate no capture can rule out, as if one of the next segments had been lost: with few server
 * segments the baseline stays cautious rather than claiming a loss-free path.
 */
const PRIOR_LOST = 1;
/** Runs longer than this share one bucket: the odds are already negligible at any measurable loss rate. */
const MAX_RUN = 32;
/**
 * How unlikely the listener's runs of unanswered handshake attempts must be under the measured path loss
 * before path loss is excluded. The number of connections is taken into account (a Poisson tail over
 * all of them), so a long capture does not find one improbable run by chance.
 */
const PATH_LOSS_EXCLUDED_P = 1e-3;
/** A single unanswered attempt is what any lost segment (or a capture that split a connection) shows: runs start at two. */
const MIN_RUN = 2;
/** One connection is not an overflow: at least this many connections with runs path loss cannot explain. */
const MIN_IMPROBABLE_CONNECTIONS = 2;
// A flood of spoofed sources must not make the source table the memory problem it measures.
const MAX_SOURCES = 100_000;

/**
 * The path's loss rate, from what never passes the listen queue (kernel.md §10.1 "a loss baseline"):
 * segments re-sent after the handshake was answered, by the server (its data and FIN) and by the
 * client once the server had answered (its FIN, later data). At the client a segment the server lost
 * before the capture point shows only its retransmission, so what is counted is what either side
 * re-sent for a lost segment or a lost ACK: the same path, both ways.
 */
export class PathLoss {
  /** Sequence-bearing segments after the handshake (data estimated by MSS, FINs), and those re-sent. */
  segments = 0;
  resent = 0;
  /** Of those, the server's: at the client only the client's lost ACK shows as their re-send (oneWayAtClient). */
  serverSegments = 0;
  serverResent = 0;

  observe(c: Connection): void {
    // A connection whose handshake the capture missed (it started later) still shows the path.
    if (c.synAckCount === 0 && c.synCount > 0) return;
    const mss = c.synAckOptions && c.synAckOptions.mss > 0 ? c.synAckOptions.mss : 1460;
    const s = c.server;
    const serverSegs = (s.uniqueBytes > 0 ? Math.ceil(s.uniqueBytes / mss) : 0) + (s.finSeen ? 1 : 0);
    // The client's segments after the server's first answer (its FIN, a second request): never the queue's.
    const clientAfter = c.client.finSeen && c.serverAnswerFrame !== 0 ? 1 : 0;
    if (serverSegs + clientAfter === 0) return;
    this.segments += serverSegs + clientAfter;
    const serverResent = Math.max(0, s.retransmits - c.synAckRetransmits);
    const clientResentAfter = c.serverAnswerFrame !== 0 ? Math.max(0, c.client.retransmits - c.synRetransmits - c.clientRetransBeforeAnswer) : 0;
    this.resent += serverResent + clientResentAfter;
    this.serverSegments += serverSegs;
    this.serverResent += serverResent;
  }

  /**
   * The loss rate of one direction of the path, as a client-side capture measures it: a server segment lost
   * on the way to the client never passed the capture point (the client sees one copy, the re-send), so the
   * server's re-sends seen there are those whose ACK the path lost on the way in (client → server), one
   * way. (At the server the same re-sends count both ways: its data lost out and the client's ACK lost in;
   * the lab's lossy runs show the client's rate at about half the server's.)
   */
  oneWayAtClient(): number {
    return this.serverSegments === 0 ? 0 : Math.min(1, this.serverResent / this.serverSegments);
  }

  /** A low bound of oneWayAtClient() (about two standard deviations below the count): above 0, the path surely lost packets. */
  oneWayAtClientLow(): number {
    if (this.serverSegments === 0) return 0;
    const r = this.serverResent;
    return Math.max(0, r - 2 * Math.sqrt(r)) / this.serverSegments;
  }

  /** The cautious bound of oneWayAtClient(), as rate() is of measured(). */
  oneWayAtClientBound(): number {
    if (this.serverSegments === 0) return 0.5;
    const r = this.serverResent + PRIOR_LOST;
    return Math.min(0.5, (r + 2 * Math.sqrt(r)) / this.serverSegments);
  }

  /** The measured loss rate per segment. */
  measured(): number {
    return this.segments === 0 ? 0 : Math.min(1, this.resent / this.segments);
  }

  /**
   * A cautious estimate: an upper bound of the rate (about two standard deviations above the count, and one
   * loss more than seen), so a short or unlucky sample does not make the path look cleaner than it is.
   */
  rate(): number {
    if (this.segments === 0) return 0.5;
    const r = this.resent + PRIOR_LOST;
    return Math.min(0.5, (r + 2 * Math.sqrt(r)) / this.segments);
  }
}

/** Poisson P(X ≥ m) for mean λ. */
function poissonTail(m: number, lambda: number): number {
  if (m <= 0) return 1;
  let term = Math.exp(-lambda);
  let below = term;
  for (let i = 1; i < m; i++) {
    term *= lambda / i;
    below += term;
  }
  return Math.max(0, 1 - below);
}

export interface PathLossTest {
  /** Loss rate per segment used (measured, or the cautious floor). */
  lossRate: number;
  measuredRate: number;
  segments: number;
  /** Chance that one attempt (segment and its answer) fails on the path: 1 − (1 − p)². */
  attemptFails: number;
  /** The shortest run of unanswered attempts that path loss cannot explain, and how many connections had one. */
  run: number;
  improbable: number;
  /** How many connections path loss would give such a run, over all the listener's connections. */
  expected: number;
  excluded: boolean;
}

/**
 * The odds that one handshake attempt goes unanswered when the path loses each segment at `p`: the
 * attempt or its answer lost, 1 − (1 − p)².
 */
export function lossPerAttempt(p: number): number {
  return 1 - (1 - p) * (1 - p);
}

/**
 * Runs of consecutive unanswered handshake-phase attempts per connection (SYNs, then the ACK and data
 * after the handshake). Path loss drops each attempt independently, so a run of k has odds of about q^k.
 */
export class RunTally {
  readonly counts = new Uint32Array(MAX_RUN + 1);

  add(run: number): void {
    if (run > 0) this.counts[Math.min(run, MAX_RUN)]!++;
  }

  /** Whether the runs seen are improbable under path loss at `loss` over `connections` connections. */
  test(loss: PathLoss, connections: number): PathLossTest {
    const p = loss.rate();
    const q = lossPerAttempt(p);
    let best: PathLossTest = {
      lossRate: p, measuredRate: loss.measured(), segments: loss.segments, attemptFails: q, run: 0, improbable: 0, expected: 0, excluded: false,
    };
    let atLeast = 0;
    let bestTail = Infinity;
    for (let k = MAX_RUN; k >= MIN_RUN; k--) {
      atLeast += this.counts[k]!;
      if (atLeast < MIN_IMPROBABLE_CONNECTIONS) continue;
      const lambda = connections * q ** k;
      const tail = poissonTail(atLeast, lambda);
      if (tail < bestTail) {
        bestTail = tail;
        best = { ...best, run: k, improbable: atLeast, expected: lambda, excluded: tail < PATH_LOSS_EXCLUDED_P };
      }
    }
    return best;
  }
}

const DROPPED = 1;
const ANSWERED = 2;

/**
 * Which sources had SYNs dropped and which got answers (kernel.md §10.1): since 4.10 a full accept
 * queue drops SYNs from every source alike, so a source never answered while other sources' SYNs,
 * interleaved in time, were answered at once is filtered, not overflowed.
 */
export class SourceTally {
  /** Each source's DROPPED | ANSWERED bits, by NumberTable.clientKey: 1.3 MB at the cap (a Map took 3.7 MB, BENCHMARKS.md, session 10). */
  readonly bySource = new NumberTable(MAX_SOURCES, true);
  firstDrop = Infinity;
  lastDrop = -Infinity;
  /** When the connections answered at their first SYN sent it (the first 4096). */
  readonly promptTimes: number[] = [];

  /** Whether a source was refused at the cap (then the tally cannot tell a filter). */
  get capped(): boolean {
    return this.bySource.capped;
  }

  observe(c: Connection, synDropped: boolean): void {
    const bits = (c.synAckCount > 0 || c.rstAnswersSyn ? ANSWERED : 0) | (synDropped ? DROPPED : 0);
    if (bits !== 0) this.bySource.mark(this.bySource.clientKey(c), bits);
    if (synDropped) {
      if (c.synTime < this.firstDrop) this.firstDrop = c.synTime;
      if (c.lastSynTime > this.lastDrop) this.lastDrop = c.lastSynTime;
    } else if (c.synAckCount > 0 && c.synRetransBeforeAnswer === 0 && this.promptTimes.length < 4096) {
      this.promptTimes.push(c.synTime);
    }
  }

  /** Sources with SYNs dropped, and how many of them were never answered at all. */
  dropSources(): { dropped: number; neverAnswered: number; answered: number } {
    let dropped = 0;
    let never = 0;
    let answered = 0;
    this.bySource.forEach((_, v) => {
      if (v & ANSWERED) answered++;
      if (v & DROPPED) {
        dropped++;
        if ((v & ANSWERED) === 0) never++;
      }
    });
    return { dropped, neverAnswered: never, answered };
  }

  /** Prompt answers to other sources while the dropped ones went unanswered. */
  interleavedPromptAnswers(): number {
    let n = 0;
    for (const t of this.promptTimes) if (t >= this.firstDrop && t <= this.lastDrop) n++;
    return n;
  }

  /**
   * Filtered: every source that had SYNs dropped was never answered, some other source was, and
   * other sources' SYNs were answered at the first try in between the drops.
   */
  filtered(): boolean {
    if (this.capped) return false;
    const s = this.dropSources();
    return s.dropped > 0 && s.neverAnswered === s.dropped && s.answered > 0 && this.interleavedPromptAnswers() >= MIN_IMPROBABLE_CONNECTIONS;
  }
}
