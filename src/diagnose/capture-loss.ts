// The capture's own loss (issue 19 item 5): segments the other side ACKed that the capture never saw
// (Wireshark's "ACKed segment that wasn't captured"). Path loss is not that: a segment lost on the way
// is re-sent and the capture sees the copy; only a segment that got through and was not recorded leaves
// an ACK for bytes the capture never held. Measured per capture, said in its summary, never counted as
// a drop (the detectors read what was captured; this only says what is missing from it).

import type { Connection, HandshakeOptions } from '../track/connection.js';
import { seqDiff, type Direction } from '../track/direction.js';
import type { CaptureLossSummary } from '../track/summary.js';
import { plural } from './plural.js';

/** The largest window TCP can offer (65535 scaled by at most 14, RFC 7323): no sender has more in flight. */
const MAX_WINDOW_SHIFT = 14;

/**
 * The most bytes the receiver let the sender have in flight: its window, scaled only when both SYNs
 * offered scaling. A handshake not captured allows the largest.
 */
function maxInFlight(receiver: HandshakeOptions | null, sender: HandshakeOptions | null, seen: boolean): number {
  // Shifts, not `2 **`: V8 calls its pow() for that, twice per connection (1.4% of an analyze profile).
  if (!seen) return 65535 * (1 << MAX_WINDOW_SHIFT);
  const scaled = receiver !== null && sender !== null && receiver.wscale >= 0 && sender.wscale >= 0;
  return 65535 * (1 << (scaled ? Math.min(receiver.wscale, MAX_WINDOW_SHIFT) : 0));
}

/**
 * Bytes of one direction the peer ACKed that the capture never held: past the highest sequence seen,
 * and the holes inside what was seen once the peer ACKed all the data around them (the FIN excepted:
 * its ACK may itself be the segment the capture missed). An ACK further past the last byte seen than
 * the receiver's window let the sender send is no lost segment but a wrong number (a crafted or
 * corrupt ACK, which Wireshark flags the same way): not counted.
 */
function unseenBytes(d: Direction, peer: Direction, window: number): number {
  if (!d.seqSet || !peer.ackSet) return 0;
  const beyond = seqDiff(peer.highestAck, d.nextSeq);
  if (beyond > window) return 0;
  let n = beyond > 0 ? beyond : 0;
  if (d.gapBytes > 0 && beyond >= (d.finSeen ? -1 : 0)) n += d.gapBytes;
  return n;
}

/** At least this many segments carried `bytes`: the receiver's MSS caps each (1460 when it did not say). */
function segmentsFor(bytes: number, receiver: HandshakeOptions | null): number {
  const mss = receiver && receiver.mss > 0 ? receiver.mss : 1460;
  return Math.ceil(bytes / mss);
}

export class CaptureLoss {
  private connections = 0;
  private bytes = 0;
  private segments = 0;

  observe(c: Connection): void {
    // An evicted record is a part of its connection: its ACKs may cover what a later part holds. A SYN
    // answered by a bare ACK that the client reset met a TIME_WAIT socket, which ACKs with the old
    // connection's numbers (kernel.md §9); one answered by an ACK the client went on with lost its
    // SYN-ACK in the capture, and is measured.
    if (c.evicted || (c.synAnsweredByAck && c.rstBy === 'client')) return;
    const handshake = c.synOptions !== null && c.synAckOptions !== null;
    const toServer = unseenBytes(c.client, c.server, maxInFlight(c.synAckOptions, c.synOptions, handshake));
    const toClient = unseenBytes(c.server, c.client, maxInFlight(c.synOptions, c.synAckOptions, handshake));
    if (toServer + toClient === 0) return;
    this.connections++;
    this.bytes += toServer + toClient;
    // The client's segments are capped by the server's MSS (its SYN-ACK), the server's by the client's.
    this.segments += segmentsFor(toServer, c.synAckOptions) + segmentsFor(toClient, c.synOptions);
  }

  result(): CaptureLossSummary {
    return { ackedUnseenSegments: this.segments, ackedUnseenBytes: this.bytes, connections: this.connections };
  }
}

/** The summary's line about it, when there is something to say. */
export function captureLossNote(l: CaptureLossSummary): string | null {
  if (l.connections === 0) return null;
  return (
    `the capture itself missed packets: the other side ACKed about ${plural(l.ackedUnseenSegments, 'segment')} ` +
    `(${l.ackedUnseenBytes} bytes, on ${plural(l.connections, 'connection')}) that the capture never recorded ` +
    '(Wireshark: tcp.analysis.ack_lost_segment, "ACKed segment that wasn\'t captured"); that is capture loss (a busy capture host, a full ring buffer, a mirror port dropping), not the network: nothing is counted as dropped for it, and counts from this capture may be low'
  );
}

/** The caveat each per-listener finding carries when the capture lost packets. */
export function captureLossCaveat(l: CaptureLossSummary): string {
  return `The capture itself missed about ${plural(l.ackedUnseenSegments, 'segment')} that the other side ACKed (capture loss, see the capture's warnings): the counts here come from what was recorded and may be low; none of the missing segments is counted as dropped.`;
}
