import type { Connection } from '../track/connection.js';
import { MS } from '../capture/time-base.js';

/** A SYN-ACK re-sent this soon after the ACK was on its way before the server saw the ACK. */
const CROSSING_MIN_NS = 100 * MS;

/**
 * Of the SYN-ACK copies captured after the client's handshake ACK, those the
 * server sent after it could have had that ACK: the accept-queue overflow's
 * "ignored the completed handshake". At a client-side capture a copy right
 * behind the ACK crossed it on the wire (sent for a retransmitted SYN), it
 * does not ignore it: a copy within max(0.1 s, 1.5 × the SYN → SYN-ACK time)
 * of the ACK is not counted.
 *
 * The tracker keeps the frame and time of the first dozen copies; crossing
 * copies come first after the ACK, so any copy past those is counted.
 */
export function synAckAfterAck(c: Connection): number {
  const seen = c.synAckCopiesAfterAck;
  if (seen === 0) return 0;
  const window = Math.max(CROSSING_MIN_NS, 1.5 * (c.synAckTime - c.lastSynTime));
  const frames = c.synAckFrames;
  const times = c.synAckTimes;
  let crossing = 0;
  // Index 0 is the first SYN-ACK, never a copy.
  for (let i = 1; i < frames.length; i++) {
    if (frames[i]! > c.handshakeAckFrame && times[i]! - c.handshakeAckTime < window) crossing++;
  }
  return seen - crossing;
}
