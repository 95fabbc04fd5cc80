import { createHash, hash } from 'node:crypto';
import { formatAddress, formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import { zeekConnState } from '../track/zeek.js';
import { flowRow, type DirectionStats, type FlowDerivedColumn, type FlowTableColumns } from './flow.generated.js';
import { nanosBetween, timeOf, type Time } from './model.js';
import { durationNanos, seconds } from '../capture/time-base.js';

export type { DirectionStats };

/**
 * One row of `tcpdiag flows`: a connection as Zeek's conn.log would have it, plus the handshake story. The
 * columns that are record fields as they stand (id, ports, packets, bytes, retransmits, frames, each side's
 * stats) come from the field table (track/fields.ts `flows`, flow.generated.ts FlowTableColumns), as does
 * the order of all (fields.ts FLOW_ROW); the derived ones are declared here and computed by flowRecord.
 */
export interface FlowRecord extends FlowDerivedColumns, FlowTableColumns {}

/**
 * The fields of Zeek's conn.log, named as Zeek names them, so that a table of flows joins with Zeek's
 * logs (`uid`, `ts`, `id.orig_h`, ...). The originator is tcpdiag's client, the responder its server.
 */
export type ZeekConnFields = Pick<
  FlowRecord,
  'uid' | 'ts' | 'id.orig_h' | 'id.orig_p' | 'id.resp_h' | 'id.resp_p' | 'conn_state' | 'orig_pkts' | 'resp_pkts' | 'orig_bytes' | 'resp_bytes'
>;

/** The columns of a flows row that are not record fields as they stand: flowRecord computes them. */
export interface FlowDerivedColumns {
  /** Stable per connection: the same capture path, first frame and tuple give the same uid (`C` + base62, as Zeek's). */
  uid: string;
  /** First packet, epoch seconds. */
  ts: number;
  'id.orig_h': string;
  'id.resp_h': string;
  /** Zeek conn_state (the same as `state`). */
  conn_state: string;
  capture: string;
  client: string;
  server: string;
  /** The outer 802.1Q/802.1ad VLAN id (Zeek's `vlan`); null when untagged. */
  vlan: number | null;
  /** The inner VLAN id of a QinQ frame (Zeek's `inner_vlan`); null with one tag or none. */
  inner_vlan: number | null;
  start: Time;
  duration: number;
  /** Zeek conn_state. */
  state: string;
  /** Zeek history letters. */
  history: string;
  /** Roles came from a SYN; otherwise from a SYN-ACK, a known listener, or the lower port. */
  roles: 'syn' | 'synack' | 'listener' | 'port';
  /**
   * SYN → SYN-ACK and SYN-ACK → handshake ACK, seconds (null when not seen), with the digits the capture
   * has: whole microseconds, or to the nanosecond on a capture finer than the microsecond.
   */
  synToSynAck: number | null;
  synAckToAck: number | null;
  /**
   * The same three durations in whole microseconds, integers (`synToSynAckUs: 4`, not
   * `4.0531158447265625e-06`): a nanosecond capture's exact values rounded to the microsecond; the
   * seconds fields above keep its nanoseconds.
   */
  durationUs: number;
  synToSynAckUs: number | null;
  synAckToAckUs: number | null;
  synRetransmits: number;
  synAckRetransmits: number;
  synAckRetransmitsAfterAck: number;
  /** Both sides' capture duplicates (directions' `duplicates`, summed). */
  duplicates: number;
  /** How it ended: fin, rst, rst+ack, or open (still open at the end of the capture / evicted). */
  end: { how: 'fin' | 'rst' | 'rst+ack' | 'open'; by: 'client' | 'server' | null; frame: number | null };
  signatures: readonly string[];
}

/** The derived columns declared here are those the field table's FLOW_ROW names, no more, no fewer (a compile error otherwise). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const derivedColumnsDeclared: Same<keyof FlowDerivedColumns, FlowDerivedColumn> = true;
void derivedColumnsDeclared;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A uid's 96 bits as six 16-bit digits, most significant first, divided in place (connectionUid). */
const UID_BITS = new Int32Array(6);
/** Its base62 digits, least significant first (62^17 > 2^96). */
const UID_DIGITS = new Int32Array(17);

/** 96 bits of a hash in base62 behind a `C`, like Zeek's uids (which are random; these are reproducible). */
export function connectionUid(capture: string, firstFrame: number, tuple: string): string {
  const h = sha256(`${capture}\u0000${firstFrame}\u0000${tuple}`);
  // The 96 bits as six 16-bit digits, divided by 62 digit by digit: every step's dividend stays below
  // 62 * 2^16, so the division and remainder are small-integer arithmetic. (Three 32-bit digits took a
  // double's remainder, a library call, three times a digit; BENCHMARKS.md, session 19. Before that a
  // BigInt per step: ~17 a row, a tenth of flows' time with the hash, session 12.)
  const bits = UID_BITS;
  let left = 0;
  for (let k = 0; k < 6; k++) left |= bits[k] = (h[2 * k]! << 8) | h[2 * k + 1]!;
  let n = 0;
  while (left !== 0) {
    let r = 0;
    left = 0;
    for (let k = 0; k < 6; k++) {
      const v = r * 65536 + bits[k]!;
      const q = (v / 62) | 0;
      bits[k] = q;
      left |= q;
      r = v - q * 62;
    }
    UID_DIGITS[n++] = r;
  }
  let uid = n === 0 ? 'C0' : 'C';
  while (n > 0) uid += BASE62[UID_DIGITS[--n]!]!;
  return uid;
}

/** SHA-256 of a string: node's one-shot crypto.hash where it has one (20.12+), a Hash object otherwise. */
function sha256(text: string): Buffer {
  return typeof hash === 'function' ? hash('sha256', text, 'buffer') : createHash('sha256').update(text).digest();
}

/**
 * The tracker keeps the VLAN tags packed (decode/link.ts): one tag as its id; two or more as the last two
 * ids outer-first, 12 bits each, `(outer << 12) | inner`, with the number of tags from bit 24, so that
 * QinQ 0/0 (Zeek: `vlan 0, inner_vlan 0`) is still two tags; 0 when untagged or priority-tagged only
 * (one tag of id 0, in no VLAN). Split again here.
 */
export function splitVlan(packed: number): { vlan: number | null; inner_vlan: number | null } {
  if (packed === 0) return { vlan: null, inner_vlan: null };
  if (packed >>> 24 === 0) return { vlan: packed & 0xfff, inner_vlan: null };
  return { vlan: (packed >>> 12) & 0xfff, inner_vlan: packed & 0xfff };
}

/**
 * `digits`: of a second, as the capture writes its times (RunOptions.onTimestampDigits); `start.iso` has
 * that many, and the handshake's durations are exact to them (capture times, capture/time-base.ts).
 */
export function flowRecord(capture: string, c: Connection, digits = 9): FlowRecord {
  let end: FlowRecord['end'] = { how: 'open', by: null, frame: null };
  if (c.rstBy) end = { how: c.rstHasAck ? 'rst+ack' : 'rst', by: c.rstBy, frame: c.rstFrame };
  else if (c.firstFin) end = { how: 'fin', by: c.firstFin, frame: c.finFrame };
  const client = formatEndpoint(c.ipVersion, c.c0, c.c1, c.c2, c.c3, c.cPort);
  const server = formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort);
  const { vlan, inner_vlan } = splitVlan(c.vlan);
  const start = timeOf(c.firstTsSec, c.firstTsNsec, digits);
  const state = zeekConnState(c.clientState, c.serverState, c.history, c.client.bytes, c.server.bytes);
  // The first and last packet's times are the capture's own integers: the duration is exact to the
  // capture's precision (ns included). The handshake's are capture times: integer nanoseconds, exact.
  const durationNs = nanosBetween(c.firstTsSec, c.firstTsNsec, c.lastTsSec, c.lastTsNsec);
  // From the answered attempt's first SYN: earlier SYNs with other ISNs on the tuple were other attempts (bug-7657-01).
  const answered = c.answeredIsnSyns > 0;
  const synStart = answered ? c.answeredSynTime : c.synTime;
  const synToSynAckNs = c.synFrame && c.synAckFrame
    ? durationNanos(c.synAckTime - synStart, digits)
    : null;
  const synAckToAckNs = c.synAckFrame && c.handshakeAckFrame
    ? durationNanos(c.handshakeAckTime - c.synAckTime, digits)
    : null;
  // The columns that are record fields, and the order of all, are the field table's (flow.generated.ts).
  return flowRow(c, {
    capture,
    // The ids alone, as before the tag count was kept: uids stay what they were.
    uid: connectionUid(capture, c.firstFrame, `${client} ${server} ${c.vlan & 0xffffff}`),
    ts: start.epoch,
    'id.orig_h': formatAddress(c.ipVersion, c.c0, c.c1, c.c2, c.c3),
    'id.resp_h': formatAddress(c.ipVersion, c.s0, c.s1, c.s2, c.s3),
    client,
    server,
    vlan,
    inner_vlan,
    start,
    duration: seconds(durationNs),
    state,
    conn_state: state,
    history: c.history,
    roles: c.roleSource,
    // An integer count divided by a power of ten: the nearest double to the decimal, printed as it is.
    synToSynAck: synToSynAckNs === null ? null : seconds(synToSynAckNs),
    synAckToAck: synAckToAckNs === null ? null : seconds(synAckToAckNs),
    // Whole microseconds (integers, schema/flow.schema.json), rounded from the nanoseconds when exact.
    durationUs: Math.round(durationNs / 1000),
    synToSynAckUs: synToSynAckNs === null ? null : Math.round(synToSynAckNs / 1000),
    synAckToAckUs: synAckToAckNs === null ? null : Math.round(synAckToAckNs / 1000),
    synRetransmits: c.synRetransmits,
    synAckRetransmits: c.synAckRetransmits,
    synAckRetransmitsAfterAck: c.synAckAfterAck,
    duplicates: c.client.duplicates + c.server.duplicates,
    end,
    signatures: c.signatures,
  });
}
