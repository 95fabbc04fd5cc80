import { OPT_SACK_PERM, OPT_TIMESTAMP } from '../decode/segment.js';
import { Direction } from './direction.js';
import { historyOfWords } from './history.js';
import { CB, Fl, RoleCode, Side, W } from './layout.js';
import { SlotRecord } from './record.generated.js';
import type { LoggedPacket } from './logged-packet.js';
import { TIMELINE_MAX, type Slots } from './slots.js';

export type { LoggedPacket };

/** How the client/server roles were decided, weakest last (Zeek's `^` covers the last three). */
export type RoleSource = 'syn' | 'synack' | 'listener' | 'port';

/** Options of a SYN or SYN-ACK, as needed to tell a syncookie SYN-ACK from a normal one. */
export interface HandshakeOptions {
  mss: number;
  wscale: number;
  sackPerm: boolean;
  timestamps: boolean;
  tsVal: number;
  /** Bit per option kind present (see OPT_* in decode/segment). */
  mask: number;
}

// Handshake events are flat frame/time pairs (0 frame = not seen), as the tracker keeps them.

const ROLES: readonly RoleSource[] = ['syn', 'synack', 'listener', 'port'];
const SIDES = [null, 'client', 'server'] as const;

/**
 * One finished TCP connection, the unit every later stage reads (Zeek's
 * connection record), copied out of the tracker's slot when it finishes.
 * Addresses are 4 words each, IPv4 as ::ffff:a.b.c.d.
 */
export class Connection extends SlotRecord {
  // The numbers of the slot as they stand (id, addresses, ports, frames, times, counts) are SlotRecord's,
  // declared by the field table (fields.ts → record.generated.ts); what the record makes of the others is here.
  ipVersion: 4 | 6 = 4;
  roleSource: RoleSource = 'syn';

  readonly client = new Direction();
  readonly server = new Direction();

  // Handshake timeline.
  /**
   * Frame, time pairs of the SYNs after the first (retransmits), capped: the first synMoreLength numbers.
   * Made at the first record that has one and refilled after (a recycled record allocates nothing).
   */
  private synMore: Float64Array | null = null;
  private synMoreLength = 0;
  /**
   * SYNs with the ISN the first SYN-ACK acknowledged, and the first of them: the answered attempt (issue 19
   * item 7). 0 when no SYN-ACK named the client's last ISN; else synCount - answeredIsnSyns SYNs were other
   * attempts with other ISNs on the same tuple (public/bug-7657-01.pcap: 3 of 24).
   */
  answeredIsnSyns = 0;
  answeredSynFrame = 0;
  answeredSynTime = 0;
  /** Frame, time pairs of the SYN-ACKs after the first, capped, as synMore. */
  private synAckMore: Float64Array | null = null;
  private synAckMoreLength = 0;
  /**
   * SYN-ACKs the server sent again after it could have had the client's handshake ACK: the
   * diagnosis's judgement of synAckCopiesAfterAck (diagnose/synack-after-ack.ts), filled downstream
   * like `signatures`; 0 until then.
   */
  synAckAfterAck = 0;
  /** SYN-ACKs seen before the SYN (capture reordering). */
  synAckBeforeSyn = false;
  /**
   * The server answered the SYN with a bare ACK, not a SYN-ACK: a TIME_WAIT socket keeping the old
   * numbers (kernel.md §9), or an ACK for data the SYN carried. Either way the SYN reached a live host.
   */
  synAnsweredByAck = false;
  synOptions: HandshakeOptions | null = null;
  synAckOptions: HandshakeOptions | null = null;
  /** TSval of a SYN-ACK re-sent with exactly the first one's TSval (cookie TSvals are frozen per 64 ms). */
  synAckSameTsVal = false;

  // The end.
  /** Which side sent a FIN first. */
  firstFin: 'client' | 'server' | null = null;
  rstBy: 'client' | 'server' | null = null;
  rstHasAck = false;
  /** Whether the RST came after the server had ACKed client data or sent data. */
  rstAfterServerData = false;
  /** The RST answered a SYN (RST+ACK with ack = ISN+1). */
  rstAnswersSyn = false;
  /** The connection reused the tuple of an earlier record (TIME_WAIT reuse). */
  reusesEarlier = false;
  /** Handed downstream already. */
  finished = false;
  /** The latest capture time when it was handed downstream (the end of the capture for the last ones). */
  finishedAt = 0;
  /** Set when the table had to drop the connection early to stay within its cap. */
  evicted = false;
  /** One direction carried a VLAN tag the other did not; `vlan` is the first packet's (table.ts). */
  vlanOneSided = false;

  // Zeek.
  /** The history letters as the slot kept them (history.ts), made into `history` only when read: analyze never does. */
  private histLen = 0;
  private hist0 = 0;
  private hist1 = 0;
  private hist2 = 0;
  private hist3 = 0;
  private historyText: string | null = null;

  /** Every packet, only for connections the run was asked to log. */
  packets: LoggedPacket[] | null = null;

  /** Diagnosis results, filled downstream. */
  signatures: readonly string[] = [];

  /** Zeek's history letters ('' from a tracker run with TrackerOptions.zeek false). */
  get history(): string {
    return (this.historyText ??= historyOfWords(this.histLen, this.hist0, this.hist1, this.hist2, this.hist3));
  }

  /** Frames of every SYN with the connection's ISN (the first and its retransmits), capped. */
  get synFrames(): number[] {
    return this.synCount === 0 ? [] : [this.synFrame, ...evens(this.synMore, this.synMoreLength)];
  }

  get synTimes(): number[] {
    return this.synCount === 0 ? [] : [this.synTime, ...odds(this.synMore, this.synMoreLength)];
  }

  /** SYNs after the first whose frame and time were kept (at most a dozen). */
  get recordedSynRetransmits(): number {
    return this.synMoreLength / 2;
  }

  /** The time of the i-th kept SYN after the first (synTimes[i + 1], without building the list). */
  synRetransmitTime(i: number): number {
    return this.synMore![i * 2 + 1]!;
  }

  /** Frames of every SYN-ACK (the first and its retransmits), capped. */
  get synAckFrames(): number[] {
    return this.synAckCount === 0 ? [] : [this.synAckFrame, ...evens(this.synAckMore, this.synAckMoreLength)];
  }

  get synAckTimes(): number[] {
    return this.synAckCount === 0 ? [] : [this.synAckTime, ...odds(this.synAckMore, this.synAckMoreLength)];
  }


  /** SYNs with other ISNs than the answered one on the same tuple: separate attempts, not retransmits. */
  get otherIsnSyns(): number {
    return this.answeredIsnSyns > 0 ? this.synCount - this.answeredIsnSyns : 0;
  }

  /** SYNs re-sent with an ISN already seen: a SYN with a new ISN is a new attempt (W.SynFreshIsn). */
  get synRetransmits(): number {
    return this.synCount > 0 ? this.synCount - 1 - this.synFreshIsn : 0;
  }

  get synAckRetransmits(): number {
    return this.synAckCount > 0 ? this.synAckCount - 1 : 0;
  }

  get midStream(): boolean {
    return this.roleSource !== 'syn';
  }

  /**
   * Copies a live slot of the tracker into this record, every field (so a
   * recycled record keeps nothing of its last connection; a test checks it).
   * The SYN timelines are copied into the record's own arrays; the logged
   * packets are handed over, not copied: the slot is released right after.
   * Nothing is allocated for a recycled record (BENCHMARKS.md, session 9):
   * the caller sets `finishedAt` after, since a time passed to a call that
   * V8 does not inline is boxed.
   */
  fill(st: Slots, slot: number): this {
    const { I, U, F } = st;
    const b = slot * W.Size;
    const fb = slot * Fl.Size;
    const bits = I[b + W.Bits]!;
    // Every field that is a number of the slot as it stands (fields.ts, record.generated.ts); the rest below.
    this.fillSlot(I, U, F, b, fb);
    this.ipVersion = I[b + W.IpVersion] === 6 ? 6 : 4;
    this.roleSource = ROLES[I[b + W.Role]! as RoleCode]!;
    this.client.fill(st, slot, false);
    this.server.fill(st, slot, true);
    const extras = st.hasExtras(slot);
    this.synMoreLength = st.timelineLength(st.synBlock, slot);
    if (this.synMoreLength > 0) this.synMore = st.copyTimeline(st.synBlock, slot, this.synMore ?? new Float64Array(2 * TIMELINE_MAX));
    const answeredIsn = (bits & CB.AnsweredIsn) !== 0;
    this.answeredIsnSyns = answeredIsn ? I[b + W.IsnSyns]! : 0;
    this.answeredSynFrame = answeredIsn ? U[b + W.IsnSynFrame]! : 0;
    this.answeredSynTime = answeredIsn ? F[fb + Fl.IsnSynTime]! : 0;
    this.synAckMoreLength = st.timelineLength(st.synAckBlock, slot);
    if (this.synAckMoreLength > 0) this.synAckMore = st.copyTimeline(st.synAckBlock, slot, this.synAckMore ?? new Float64Array(2 * TIMELINE_MAX));
    this.synAckAfterAck = 0;
    this.synAckBeforeSyn = (bits & CB.SynAckBeforeSyn) !== 0;
    this.synAnsweredByAck = (bits & CB.SynAnsweredByAck) !== 0;
    // A record filled again (recycled) writes into the option objects of its last connection.
    this.synOptions = bits & CB.SynOptions ? options(st, b + W.SynMss, this.synOptions) : null;
    this.synAckOptions = bits & CB.SynAckOptions ? options(st, b + W.SaMss, this.synAckOptions) : null;
    this.synAckSameTsVal = (bits & CB.SynAckSameTsVal) !== 0;
    this.firstFin = SIDES[I[b + W.FirstFin]! as Side]!;
    this.rstBy = SIDES[I[b + W.RstBy]! as Side]!;
    this.rstHasAck = (bits & CB.RstHasAck) !== 0;
    this.rstAfterServerData = (bits & CB.RstAfterServerData) !== 0;
    this.rstAnswersSyn = (bits & CB.RstAnswersSyn) !== 0;
    this.reusesEarlier = (bits & CB.ReusesEarlier) !== 0;
    this.finished = true;
    this.evicted = (bits & CB.Evicted) !== 0;
    this.vlanOneSided = (bits & CB.OneSidedVlan) !== 0;
    this.histLen = I[b + W.HistLen]!;
    this.hist0 = I[b + W.Hist0]!;
    this.hist1 = I[b + W.Hist1]!;
    this.hist2 = I[b + W.Hist2]!;
    this.hist3 = I[b + W.Hist3]!;
    this.historyText = null;
    this.packets = extras ? st.logged.get(slot) ?? null : null;
    this.signatures = NO_SIGNATURES;
    return this;
  }

  get duration(): number {
    return this.lastTime - this.firstTime;
  }
}

function evens(a: Float64Array | null, n: number): number[] {
  const out: number[] = [];
  if (a) for (let i = 0; i < n; i += 2) out.push(a[i]!);
  return out;
}

function odds(a: Float64Array | null, n: number): number[] {
  const out: number[] = [];
  if (a) for (let i = 1; i < n; i += 2) out.push(a[i]!);
  return out;
}

const NO_SIGNATURES: string[] = [];

/**
 * The four option words from W.SynMss or W.SaMss (handshake.ts recordOptions),
 * written into `into` when a recycled record has one from its last connection.
 */
function options(st: Slots, at: number, into: HandshakeOptions | null): HandshakeOptions {
  const mask = st.I[at + 2]!;
  const o = into ?? { mss: 0, wscale: 0, sackPerm: false, timestamps: false, tsVal: 0, mask: 0 };
  o.mss = st.I[at]!;
  o.wscale = st.I[at + 1]!;
  o.sackPerm = (mask & OPT_SACK_PERM) !== 0;
  o.timestamps = (mask & OPT_TIMESTAMP) !== 0;
  o.tsVal = st.U[at + 3]!;
  o.mask = mask;
  return o;
}
