import { formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import type { Direction } from '../track/direction.js';
import { zeekConnState } from '../track/zeek.js';
import { timeOf, type Time } from './model.js';

/** One row of `tcpdiag flows`: a connection as Zeek's conn.log would have it, plus the handshake story. */
export interface FlowRecord {
  capture: string;
  id: number;
  client: string;
  server: string;
  vlan: number | null;
  start: Time;
  duration: number;
  /** Zeek conn_state. */
  state: string;
  /** Zeek history letters. */
  history: string;
  /** Roles came from a SYN; otherwise from a SYN-ACK, a known listener, or the lower port. */
  roles: 'syn' | 'synack' | 'listener' | 'port';
  clientPackets: number;
  serverPackets: number;
  clientBytes: number;
  serverBytes: number;
  /** SYN → SYN-ACK and SYN-ACK → handshake ACK, seconds (null when not seen). */
  synToSynAck: number | null;
  synAckToAck: number | null;
  synRetransmits: number;
  synAckRetransmits: number;
  synAckRetransmitsAfterAck: number;
  clientRetransmits: number;
  serverRetransmits: number;
  duplicates: number;
  /** Per direction, in tcptrace's and Wireshark's terms. */
  directions: { client: DirectionStats; server: DirectionStats };
  /** How it ended: fin, rst, rst+ack, or open (still open at the end of the capture / evicted). */
  end: { how: 'fin' | 'rst' | 'rst+ack' | 'open'; by: 'client' | 'server' | null; frame: number | null };
  firstFrame: number;
  lastFrame: number;
  signatures: readonly string[];
}

export interface DirectionStats {
  retransmits: number;
  /** The same packet captured twice (same IP ID, sequence and length within 1 ms). */
  duplicates: number;
  outOfOrder: number;
  /** Bytes of sequence space never captured. */
  gapBytes: number;
  zeroWindows: number;
  keepAlives: number;
}

function directionStats(d: Direction): DirectionStats {
  return {
    retransmits: d.retransmits,
    duplicates: d.duplicates,
    outOfOrder: d.outOfOrder,
    gapBytes: d.gapBytes,
    zeroWindows: d.zeroWindows,
    keepAlives: d.keepAlives,
  };
}

export function flowRecord(capture: string, c: Connection): FlowRecord {
  let end: FlowRecord['end'] = { how: 'open', by: null, frame: null };
  if (c.rstBy) end = { how: c.rstHasAck ? 'rst+ack' : 'rst', by: c.rstBy, frame: c.rstFrame };
  else if (c.firstFin) end = { how: 'fin', by: c.firstFin, frame: c.finFrame };
  return {
    capture,
    id: c.id,
    client: formatEndpoint(c.ipVersion, c.c0, c.c1, c.c2, c.c3, c.cPort),
    server: formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort),
    vlan: c.vlan || null,
    start: timeOf(c.firstTsSec, c.firstTsNsec),
    duration: c.lastTime - c.firstTime,
    state: zeekConnState(c.clientState, c.serverState, c.history, c.client.bytes, c.server.bytes),
    history: c.history,
    roles: c.roleSource,
    clientPackets: c.client.packets,
    serverPackets: c.server.packets,
    clientBytes: c.client.uniqueBytes,
    serverBytes: c.server.uniqueBytes,
    synToSynAck: c.synFrame && c.synAckFrame ? c.synAckTime - c.synTime : null,
    synAckToAck: c.synAckFrame && c.handshakeAckFrame ? c.handshakeAckTime - c.synAckTime : null,
    synRetransmits: c.synRetransmits,
    synAckRetransmits: c.synAckRetransmits,
    synAckRetransmitsAfterAck: c.synAckAfterAck,
    clientRetransmits: c.client.retransmits,
    serverRetransmits: c.server.retransmits,
    duplicates: c.client.duplicates + c.server.duplicates,
    directions: { client: directionStats(c.client), server: directionStats(c.server) },
    end,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    signatures: c.signatures,
  };
}
