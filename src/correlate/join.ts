import type { IndexedConnection, PacketIndex } from './packet-index.js';

/**
 * Calls `group` once per packet identity (seq, ack, flags, payload length, IP ID) that one
 * direction of a connection shows in either capture: `xs`/`ys` hold the packet indexes of that
 * identity in capture x and y (either may be empty), in capture order. Retransmissions with
 * the same IP ID and pure ACKs sent twice share an identity: the caller pairs them by time.
 * `withIpId` false leaves the IP ID out (a NAT that rewrites it); time then tells more copies apart.
 */
export function joinDirection(
  x: PacketIndex,
  cx: IndexedConnection | null,
  y: PacketIndex,
  cy: IndexedConnection | null,
  fromClient: number,
  group: (xs: Int32Array, ys: Int32Array) => void,
  withIpId = true,
): void {
  const compare = withIpId ? compareWithIpId : compareWithoutIpId;
  const xs = sortedByIdentity(x, cx, fromClient, compare);
  const ys = sortedByIdentity(y, cy, fromClient, compare);
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    let c: number;
    if (i >= xs.length) c = 1;
    else if (j >= ys.length) c = -1;
    else c = compare(x, xs[i]!, y, ys[j]!);
    let i2 = i;
    let j2 = j;
    if (c <= 0) {
      i2 = i + 1;
      while (i2 < xs.length && compare(x, xs[i2]!, x, xs[i]!) === 0) i2++;
    }
    if (c >= 0) {
      j2 = j + 1;
      while (j2 < ys.length && compare(y, ys[j2]!, y, ys[j]!) === 0) j2++;
    }
    group(xs.subarray(i, i2), ys.subarray(j, j2));
    i = i2;
    j = j2;
  }
}

type Compare = (p: PacketIndex, i: number, q: PacketIndex, j: number) => number;

function compareWithoutIpId(p: PacketIndex, i: number, q: PacketIndex, j: number): number {
  return p.seq[i]! - q.seq[j]! || p.ack[i]! - q.ack[j]! || p.flags[i]! - q.flags[j]! || p.len[i]! - q.len[j]! || 0;
}

function compareWithIpId(p: PacketIndex, i: number, q: PacketIndex, j: number): number {
  return compareWithoutIpId(p, i, q, j) || p.ipId[i]! - q.ipId[j]! || 0;
}

function sortedByIdentity(p: PacketIndex, c: IndexedConnection | null, fromClient: number, compare: Compare): Int32Array {
  if (!c) return new Int32Array(0);
  let n = 0;
  for (const i of c.packets) if (p.fromClient[i] === fromClient) n++;
  const out = new Int32Array(n);
  n = 0;
  for (const i of c.packets) if (p.fromClient[i] === fromClient) out[n++] = i;
  // Stable on equal identities (capture order kept: packet indexes grow with time order of capture).
  return out.sort((a, b) => compare(p, a, p, b) || a - b);
}
