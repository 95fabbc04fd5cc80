// The capture's own loss (issue 19 item 5): segments the other side ACKed that the capture never saw
// (Wireshark's "ACKed segment that wasn't captured"). Path loss is not that: a segment lost on the way
// is re-sent and the capture sees the copy; only a segment that got through and was not recorded leaves
// an ACK for bytes the capture never held. Measured per capture, said in its summary, never counted as
// a drop (the detectors read what was captured; this only says what is missing from it).

import type { Connection } from '../track/connection.js';
import { seqDiff } from '../track/direction.js';
import type { CaptureLossSummary } from '../track/summary.js';
import type { Direction } from '../track/direction.js';
import type { HandshakeOptions } from '../track/connection.js';

// An ACK further than this past the last byte seen is not a lost segment but a record that joined two
// connections or a corrupt number: not counted.
const MAX_UNSEEN_BYTES = 1 << 30;

/**
 * Bytes of one direction the peer ACKed that the capture never held: past the highest sequence seen,
 * and the holes inside what was seen once the peer ACKed all the data around them (the FIN excepted:
 * its ACK may itself be the segment the capture missed).
 */
function unseenBytes(d: Direction, peer: Direction): number {
  if (!d.seqSet || !peer.ackSet) return 0;
  const beyond = seqDiff(peer.highestAck, d.nextSeq);
  if (beyond >= MAX_UNSEEN_BYTES) return 0;
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
    // An evicted record is a part of its connection: its ACKs may cover what a later part holds.
    if (c.evicted) return;
    const toServer = unseenBytes(c.client, c.server);
    const toClient = unseenBytes(c.server, c.client);
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
    `the capture itself missed packets: the other side ACKed about ${l.ackedUnseenSegments} ${l.ackedUnseenSegments === 1 ? 'segment' : 'segments'} ` +
    `(${l.ackedUnseenBytes} bytes, on ${l.connections} ${l.connections === 1 ? 'connection' : 'connections'}) that the capture never recorded ` +
    '(Wireshark: tcp.analysis.ack_lost_segment, "ACKed segment that wasn\'t captured"); that is capture loss (a busy capture host, a full ring buffer, a mirror port dropping), not the network: nothing is counted as dropped for it, and counts from this capture may be low'
  );
}

/** The caveat each per-listener finding carries when the capture lost packets. */
export function captureLossCaveat(l: CaptureLossSummary): string {
  return `The capture itself missed about ${l.ackedUnseenSegments} ${l.ackedUnseenSegments === 1 ? 'segment' : 'segments'} that the other side ACKed (capture loss, see the capture's warnings): the counts here come from what was recorded and may be low; none of the missing segments is counted as dropped.`;
}
