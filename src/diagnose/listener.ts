import type { Connection } from '../track/connection.js';
import { Timeline } from './timeline.js';

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
  readonly timeline = new Timeline();

  constructor(
    readonly listener: string,
    readonly address: string,
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

  add(c: Connection, refused: boolean): void {
    this.connections++;
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
