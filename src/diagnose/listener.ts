import type { Connection } from '../track/connection.js';
import type { Timeline } from './timeline.js';
import { LISTENER_SAMPLES, VantageEstimator } from './vantage.js';

/**
 * How the run's capture times are kept and printed, shared by the analyzer and its listeners (set as the
 * capture is read: runPipeline): `base`, the base whole second capture times count from
 * (capture/time-base.ts); `digits`, the digits of a second the capture's timestamps have (6 for µs, 9 for ns).
 */
export interface CaptureTimes {
  base: number;
  digits: number;
}

/**
 * The counts every detector of one server ip:port shares; each finding's own
 * counts live in its detector's state (detectors/<id>.ts).
 */
export class ListenerBase {
  connections = 0;
  /** Connections whose SYN got a SYN-ACK. */
  answered = 0;
  /** Connections whose handshake ACK was seen. */
  completed = 0;
  /** SYNs answered by RST+ACK. */
  refused = 0;
  firstTime = Infinity;
  lastTime = -Infinity;
  /** This listener's own handshake timing: a proxy's capture sees its listeners from different sides (vantage.ts). */
  readonly vantage = new VantageEstimator(LISTENER_SAMPLES);
  /** Its clients' address while they all had one (0: none yet, 1: one, 2: several): a proxy's own address, for a back end. */
  private clients = 0;
  private k0 = 0;
  private k1 = 0;
  private k2 = 0;
  private k3 = 0;

  /**
   * `times`: the run's, the analyzer's own object (set as the capture is read). `timeline`: the listener's
   * counts over time for the report's charts (on `times.base`); watch's copies of a listener for its live
   * judgement, which draws no chart, pass one that keeps nothing (live.ts).
   */
  constructor(
    readonly listener: string,
    readonly address: string,
    readonly times: CaptureTimes,
    readonly timeline: Timeline,
  ) {}

  // The server endpoint in numbers, to recognise its connections without formatting their address.
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;
  private port = -1;

  identify(c: Connection): void {
    this.w0 = c.s0;
    this.w1 = c.s1;
    this.w2 = c.s2;
    this.w3 = c.s3;
    this.port = c.sPort;
  }

  serves(c: Connection): boolean {
    return c.sPort === this.port && c.s3 === this.w3 && c.s2 === this.w2 && c.s1 === this.w1 && c.s0 === this.w0;
  }

  /** The server address as a key (to match another listener's clients), and its clients' one address, or null. */
  get addressKey(): string | null {
    return this.port < 0 ? null : `${this.w0},${this.w1},${this.w2},${this.w3}`;
  }

  get clientAddressKey(): string | null {
    return this.clients === 1 ? `${this.k0},${this.k1},${this.k2},${this.k3}` : null;
  }

  add(c: Connection, refused: boolean): void {
    this.connections++;
    this.vantage.add(c);
    if (this.clients === 0) {
      this.clients = 1;
      this.k0 = c.c0;
      this.k1 = c.c1;
      this.k2 = c.c2;
      this.k3 = c.c3;
    } else if (this.clients === 1 && (c.c3 !== this.k3 || c.c2 !== this.k2 || c.c1 !== this.k1 || c.c0 !== this.k0)) this.clients = 2;
    if (c.firstTime < this.firstTime) this.firstTime = c.firstTime;
    if (c.lastTime > this.lastTime) this.lastTime = c.lastTime;
    if (c.synAckCount > 0) this.answered++;
    if (c.handshakeAckFrame !== 0) this.completed++;
    if (refused) this.refused++;
  }
}

/** Time from the first SYN to the server's first answer after the handshake (data ACK, data or RST). */
export function firstAnswerDelay(c: Connection): number {
  if (c.synFrame === 0 || c.synAckFrame === 0) return NaN;
  const answer = c.serverAnswerFrame !== 0 ? c.serverAnswerTime : NaN;
  return answer - c.synTime;
}
