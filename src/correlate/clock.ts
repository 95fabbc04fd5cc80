import { TCP_ACK, TCP_SYN } from '../decode/segment.js';
import { joinDirection } from './join.js';
import type { Roles } from './model.js';
import type { IndexedConnection, PacketIndex } from './packet-index.js';
import type { ConnectionPair } from './pairing.js';
import { median, seconds9, Samples } from './stats.js';
import { S, US } from '../capture/time-base.js';

/** With the IP ID, fewer than 1 in this many of the identities found without it: the IP ID was rewritten. */
const IPID_REWRITTEN = 10;
/** Handshake gaps closer than this (1 µs) tell no side from the other. */
const SAME_GAP_NS = 1 * US;

export interface ClockEstimate {
  /** The first capture (x) is the client side. */
  xIsClient: boolean;
  roles: Roles;
  /** Server-side clock minus client-side clock, nanoseconds (0 without samples). */
  offset: number;
  /** Minimum one-way delay, each way, nanoseconds (0 without samples). */
  pathDelay: number;
  /** Samples each way: without both, there is no clock to compare packets with. */
  hasClock: boolean;
  samples: { toServer: number; toClient: number };
  /** False when the IP ID was found rewritten between the captures: packets are matched without it. */
  withIpId: boolean;
}

/** Nanoseconds from the last client SYN to the first SYN-ACK in one capture; null without both. */
function synToSynAck(p: PacketIndex, c: IndexedConnection): number | null {
  let syn = -1;
  for (const i of p.packetsOf(c)) {
    const f = p.flags[i]! & (TCP_SYN | TCP_ACK);
    if (f === TCP_SYN && p.fromClient[i]) syn = i;
    else if (f === (TCP_SYN | TCP_ACK) && !p.fromClient[i]) return syn < 0 ? null : p.time[i]! - p.time[syn]!;
  }
  return null;
}

/**
 * Which capture is nearer the client, and the two clocks' offset, from the connections two
 * captures share. Clock samples are the packets whose identity (seq, ack, flags, length, IP ID) is
 * unique in both captures: receiver minus sender time. With d_cs the smallest client → server
 * sample and d_sc the smallest server → client one, offset = (d_cs − d_sc)/2 and path delay =
 * (d_cs + d_sc)/2: exact when the fastest packet each way took as long (a symmetric path).
 */
export function estimateClock(x: PacketIndex, y: PacketIndex, shared: ConnectionPair[]): ClockEstimate {
  const gapsX: number[] = [];
  const gapsY: number[] = [];
  for (const p of shared) {
    const gx = synToSynAck(x, p.a);
    const gy = synToSynAck(y, p.b);
    if (gx !== null && gy !== null) {
      gapsX.push(gx);
      gapsY.push(gy);
    }
  }
  // y minus x (whole seconds apart from the two bases: integer nanoseconds, so no precision is lost).
  const sample = (withIpId: boolean) => {
    const clientSent = new Samples();
    const serverSent = new Samples();
    const baseXY = (y.baseSec - x.baseSec) * S;
    for (const p of shared) {
      for (const dir of [1, 0]) {
        joinDirection(x, p.a, y, p.b, dir, (xs, x0, x1, ys, y0, y1) => {
          if (x1 - x0 === 1 && y1 - y0 === 1) (dir ? clientSent : serverSent).push(y.time[ys[y0]!]! - x.time[xs[x0]!]! + baseXY);
        }, withIpId);
      }
    }
    return { clientSent, serverSent };
  };
  let withIpId = true;
  let { clientSent, serverSent } = sample(true);
  const without = sample(false);
  // A NAT that rewrites the IP ID leaves almost no packet identical: then the IP ID is left out.
  if ((clientSent.length + serverSent.length) * IPID_REWRITTEN < without.clientSent.length + without.serverSent.length) {
    withIpId = false;
    ({ clientSent, serverSent } = without);
  }
  let xIsClient: boolean;
  let decidedBy: Roles['decidedBy'];
  const mx = median(gapsX);
  const my = median(gapsY);
  // Path delay if x is the client side (h1), if y is (h2): the right guess gives the positive one.
  const h1 = (clientSent.min() - serverSent.max()) / 2;
  const h2 = (serverSent.min() - clientSent.max()) / 2;
  if (mx !== null && my !== null && Math.abs(mx - my) > SAME_GAP_NS) {
    xIsClient = mx > my;
    decidedBy = 'handshake-timing';
  } else if (h1 > 0 || h2 > 0) {
    xIsClient = !(h2 > h1);
    decidedBy = 'delay-structure';
  } else {
    // The same vantage point twice: no side is nearer the server.
    xIsClient = true;
    decidedBy = 'undetermined';
  }
  const minToServer = xIsClient ? clientSent.min() : -clientSent.max();
  const minToClient = xIsClient ? -serverSent.max() : serverSent.min();
  const hasClock = clientSent.length > 0 && serverSent.length > 0;
  const r = (v: number | null) => (v === null ? null : seconds9(v));
  return {
    xIsClient,
    roles: {
      clientSide: xIsClient ? x.path : y.path,
      serverSide: xIsClient ? y.path : x.path,
      decidedBy,
      synToSynAckMedian: { clientSide: r(xIsClient ? mx : my), serverSide: r(xIsClient ? my : mx) },
      handshakes: gapsX.length,
    },
    offset: hasClock ? (minToServer - minToClient) / 2 : 0,
    pathDelay: hasClock ? (minToServer + minToClient) / 2 : 0,
    hasClock,
    samples: { toServer: clientSent.length, toClient: serverSent.length },
    withIpId,
  };
}
