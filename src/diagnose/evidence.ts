import { formatAddress, formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import { spuriousSynAckCopies, type SignatureId } from './signatures.js';
import { plural } from './plural.js';
import { measuredNanos } from './duration.js';

/** One connection shown as evidence: where to find it in Wireshark and what it did. */
export interface EvidenceConnection {
  /** The connection's number in the capture (order of its first packet), as in `flows`. */
  id: number;
  client: string;
  server: string;
  firstFrame: number;
  lastFrame: number;
  /** Frame numbers of the handshake events (absent = not seen). */
  frames: {
    syn?: number;
    synAck?: number;
    handshakeAck?: number;
    firstData?: number;
    synAckAfterAck?: number;
    serverAnswer?: number;
    rst?: number;
  };
  signatures: SignatureId[];
  /** A Wireshark display filter that shows exactly this connection. */
  filter: string;
  /** What happened, in one line. */
  note: string;
  /**
   * A merged capture (--merge) only: the connection's frames in each file it spans, as Wireshark numbers
   * them when that file is opened alone, and a filter for that file (the frame numbers above are the
   * merged capture's, as `mergecap -w` numbers them).
   */
  inFiles?: EvidenceInFile[];
}

/** Where a merged capture's connection is in one of its files. */
export interface EvidenceInFile {
  file: string;
  firstFrame: number;
  lastFrame: number;
  filter: string;
}

/** A display filter for the connection's 4-tuple (both directions). */
export function tupleFilter(c: Connection): string {
  const ipField = c.ipVersion === 6 ? 'ipv6.addr' : 'ip.addr';
  const client = formatAddress(c.ipVersion, c.c0, c.c1, c.c2, c.c3);
  const server = formatAddress(c.ipVersion, c.s0, c.s1, c.s2, c.s3);
  return `${ipField}==${client} && ${ipField}==${server} && tcp.port==${c.cPort} && tcp.port==${c.sPort}`;
}

const FRAME_RANGE = / && frame\.number >= \d+ && frame\.number <= \d+$/;

/** `filter` pinned to frames first..last (any range it had replaced). */
export function withFrameRange(filter: string, first: number, last: number): string {
  return `${filter.replace(FRAME_RANGE, '')} && frame.number >= ${first} && frame.number <= ${last}`;
}

/**
 * The connection's 4-tuple, and its frame range when another connection used the same tuple before or
 * after it (port reuse): the tuple alone would show both. A range rather than the ISN (tcp.seq_raw):
 * only the SYN carries the ISN itself, and no one field holds it on every packet of both directions.
 */
export function wiresharkFilter(c: Connection): string {
  const tuple = tupleFilter(c);
  return c.reusedBy !== 0 || c.reusesEarlier ? withFrameRange(tuple, c.firstFrame, c.lastFrame) : tuple;
}

/**
 * How a note writes a duration between two packets of the connection (measuredNanos): as the reports write
 * a measured span, every digit a nanosecond capture's value has (`15.805339314 s`, `2.616 µs`), but a
 * hundredth of a second on a microsecond capture (`15.81 s`, not `15.805 s`) to keep the note short, and
 * seconds at any length (`125.40 s`, not `2 min 5 s`), so that a nanosecond capture's note keeps its digits.
 */
const NOTE = { digits: 2, minutesFrom: Infinity };

function firstSynAckAfterAck(c: Connection): number {
  const frames = c.synAckFrames;
  const times = c.synAckTimes;
  for (let i = 0; i < frames.length; i++) {
    if (times[i]! > c.handshakeAckTime && frames[i]! > c.handshakeAckFrame) return frames[i]!;
  }
  return 0;
}

function describe(c: Connection, sig: readonly SignatureId[], digits: number): string {
  const parts: string[] = [];
  // Counted and timed on the answered attempt's ISN: a SYN with a new ISN is another attempt (issue 19 item 7).
  const firstFrame = c.answeredIsnSyns > 0 ? c.answeredSynFrame : c.synFrame;
  const firstTime = c.answeredIsnSyns > 0 ? c.answeredSynTime : c.synTime;
  if (c.synRetransBeforeAnswer > 0) {
    const from = firstFrame !== c.synFrame ? ` (first at frame ${firstFrame})` : '';
    parts.push(`SYN sent ${c.synRetransBeforeAnswer + 1} times${from}` + (c.synAckCount > 0 ? `, answered after ${measuredNanos(c.synAckTime - firstTime, digits, NOTE)}` : ', never answered'));
  }
  const others = c.otherIsnSyns;
  if (others > 0) parts.push(`${plural(others, 'other SYN')} with new ISNs on the same port (separate attempts, not retransmits)`);
  else if (c.synAckCount === 0 && c.synNewIsn > 0) parts.push(`${c.synCount} SYNs on the same port, the ISN changed ${plural(c.synNewIsn, 'time')} (separate attempts), never answered`);
  const spurious = c.synAckRetransmits > 0 ? spuriousSynAckCopies(c) : 0;
  if (spurious > 0) {
    parts.push(`SYN-ACK sent again ${measuredNanos(c.synAckTimes[1]! - c.synAckTime, digits, NOTE)} after the first, within one round trip: ${c.synCount > 1 ? 'an answer to a re-sent SYN' : 'a copy, not a timer\'s re-send'}, not a loss`);
  }
  if (sig.includes('refused')) parts.push('SYN answered by RST+ACK (nothing listening)');
  if (sig.includes('synack-retransmit-after-ack')) {
    parts.push(`SYN-ACK re-sent ${plural(c.synAckAfterAck, 'time')} after the client's handshake ACK`);
  }
  if (sig.includes('handshake-data-ignored')) {
    parts.push(`client data retransmitted ${plural(c.clientRetransBeforeAnswer, 'time')} unanswered`);
  }
  if (sig.includes('reset-after-handshake')) parts.push(`bare RST (no ACK, seq = client's ACK) ${measuredNanos(c.rstTime - c.handshakeAckTime, digits, NOTE)} after the handshake ACK`);
  if (sig.includes('reset-by-application')) parts.push('RST+ACK from the server after it had handled data');
  if (c.handshakeAckFrame !== 0 && c.serverAnswerFrame !== 0 && !sig.includes('reset-after-handshake') && (sig.includes('handshake-data-ignored') || sig.includes('synack-retransmit-after-ack'))) {
    parts.push(`server answered ${measuredNanos(c.serverAnswerTime - c.handshakeAckTime, digits, NOTE)} after the handshake`);
  } else if (c.handshakeAckFrame !== 0 && c.serverAnswerFrame === 0 && c.clientFirstDataFrame !== 0) {
    parts.push('server never answered');
  }
  if (sig.includes('syncookie')) parts.push('SYN-ACK was a syncookie (never re-sent)');
  return parts.join('; ');
}

/** `digits`: of a second, the capture's (CaptureTimes.digits): the note's durations have as many as they hold. */
export function evidenceOf(c: Connection, sig: readonly SignatureId[], digits = 6): EvidenceConnection {
  const frames: EvidenceConnection['frames'] = {};
  if (c.synFrame) frames.syn = c.synFrame;
  if (c.synAckFrame) frames.synAck = c.synAckFrame;
  if (c.handshakeAckFrame) frames.handshakeAck = c.handshakeAckFrame;
  if (c.clientFirstDataFrame) frames.firstData = c.clientFirstDataFrame;
  const again = c.synAckAfterAck > 0 ? firstSynAckAfterAck(c) : 0;
  if (again) frames.synAckAfterAck = again;
  if (c.serverAnswerFrame) frames.serverAnswer = c.serverAnswerFrame;
  if (c.rstFrame) frames.rst = c.rstFrame;
  return {
    id: c.id,
    client: formatEndpoint(c.ipVersion, c.c0, c.c1, c.c2, c.c3, c.cPort),
    server: formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort),
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    frames,
    signatures: [...sig],
    filter: wiresharkFilter(c),
    note: describe(c, sig, digits),
  };
}

/** Keeps the best few evidence connections by score; builds the record only for those that make it. */
export class EvidencePicker {
  private items: { score: number; frame: number; ev: EvidenceConnection }[] = [];
  constructor(private readonly keep = 5) {}

  /** `digits`: of a second, the capture's (ListenerBase.times.digits), for the note (evidenceOf). */
  offer(score: number, c: Connection, sig: readonly SignatureId[], digits: number): void {
    const items = this.items;
    if (items.length >= this.keep) {
      const worst = items[items.length - 1]!;
      if (score < worst.score || (score === worst.score && c.firstFrame > worst.frame)) return;
    }
    items.push({ score, frame: c.firstFrame, ev: evidenceOf(c, sig, digits) });
    items.sort((a, b) => b.score - a.score || a.frame - b.frame);
    if (items.length > this.keep) items.pop();
  }

  get list(): EvidenceConnection[] {
    return this.items.map((i) => i.ev);
  }
}
