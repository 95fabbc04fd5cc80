import type { Connection } from '../track/connection.js';

export type Vantage = 'server' | 'client' | 'middle' | 'local' | 'unknown';

// Enough handshakes to read the medians from; more would only cost memory.
const MAX_SAMPLES = 4096;
/** A host answers its own SYN or SYN-ACK in well under this; a network round trip rarely does. */
const LOCAL_TURNAROUND_S = 0.002;

function median(a: number[]): number {
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

/**
 * Where the capture was taken, from handshake timing (kernel.md §10): at the
 * server SYN→SYN-ACK takes microseconds and SYN-ACK→ACK a round trip; at the
 * client the other way round; in the middle both take part of the trip.
 */
export class VantageEstimator {
  private synToSynAck: number[] = [];
  private synAckToAck: number[] = [];
  private seen = 0;
  /** Connections, and those between two addresses of one host (the same address, or loopback). */
  private connections = 0;
  private onHost = 0;

  add(c: Connection): void {
    this.connections++;
    if (sameHost(c)) this.onHost++;
    // Only clean handshakes: one SYN, one SYN-ACK, the ACK.
    if (c.synCount !== 1 || c.synAckCount !== 1 || c.handshakeAckFrame === 0 || c.synAckBeforeSyn) return;
    this.seen++;
    const a = c.synAckTime - c.synTime;
    const b = c.handshakeAckTime - c.synAckTime;
    if (this.synToSynAck.length < MAX_SAMPLES) {
      this.synToSynAck.push(a);
      this.synAckToAck.push(b);
    } else {
      // Reservoir sampling keeps the medians honest over a long capture.
      // Deterministic, so the same capture always gives the same report.
      const j = (Math.imul(this.seen, 2654435761) >>> 0) % this.seen;
      if (j < MAX_SAMPLES) {
        this.synToSynAck[j] = a;
        this.synAckToAck[j] = b;
      }
    }
  }

  result(): { vantage: Vantage; synToSynAck: number; synAckToAck: number; handshakes: number } {
    const a = median(this.synToSynAck);
    const b = median(this.synAckToAck);
    let vantage: Vantage = 'unknown';
    if (!Number.isNaN(a)) {
      if (a < LOCAL_TURNAROUND_S && b > 4 * a) vantage = 'server';
      else if (b < LOCAL_TURNAROUND_S && a > 4 * b) vantage = 'client';
      else vantage = 'middle';
    } else if (this.connections > 0 && this.onHost === this.connections) {
      // No handshake to time, but every connection ran between addresses of one host: the capture saw both ends.
      vantage = 'local';
    }
    return { vantage, synToSynAck: a, synAckToAck: b, handshakes: this.seen };
  }
}

/** Both ends on one host: the same address, or loopback (127.0.0.0/8 as ::ffff:127.x.y.z, ::1). */
function sameHost(c: Connection): boolean {
  if (c.c0 === c.s0 && c.c1 === c.s1 && c.c2 === c.s2 && c.c3 === c.s3) return true;
  const loop = (a0: number, a1: number, a2: number, a3: number) =>
    a0 === 0 && a1 === 0 && ((a2 === 0xffff && a3 >>> 24 === 127) || (a2 === 0 && a3 === 1));
  return loop(c.c0, c.c1, c.c2, c.c3) && loop(c.s0, c.s1, c.s2, c.s3);
}
