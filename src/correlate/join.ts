import type { IndexedConnection, PacketIndex } from './packet-index.js';

/**
 * One call per packet identity: the packet indexes of that identity in capture x are
 * `xs[xFrom..xTo)`, in capture y `ys[yFrom..yTo)` (either range may be empty), each in capture
 * order. The arrays are joinDirection's scratch, valid only during the call: take the numbers, not
 * the arrays (a `subarray` view per identity was a typed array made per packet, most of the join's
 * time on a large pair: BENCHMARKS.md, session 18).
 */
export type IdentityGroup = (xs: Int32Array, xFrom: number, xTo: number, ys: Int32Array, yFrom: number, yTo: number) => void;

/**
 * Calls `group` once per packet identity (seq, ack, flags, payload length, IP ID) that one
 * direction of a connection shows in either capture, in identity order. Retransmissions with
 * the same IP ID and pure ACKs sent twice share an identity: the caller pairs them by time.
 * `withIpId` false leaves the IP ID out (a NAT that rewrites it); time then tells more copies apart.
 * Not reentrant: `group` must not call joinDirection.
 */
export function joinDirection(
  x: PacketIndex,
  cx: IndexedConnection | null,
  y: PacketIndex,
  cy: IndexedConnection | null,
  fromClient: number,
  group: IdentityGroup,
  withIpId = true,
): void {
  const compare = withIpId ? compareWithIpId : compareWithoutIpId;
  const nx = sortedByIdentity(x, cx, fromClient, compare, 0);
  const ny = sortedByIdentity(y, cy, fromClient, compare, 1);
  const xs = scratch[0]!;
  const ys = scratch[1]!;
  let i = 0;
  let j = 0;
  while (i < nx || j < ny) {
    let c: number;
    if (i >= nx) c = 1;
    else if (j >= ny) c = -1;
    else c = compare(x, xs[i]!, y, ys[j]!);
    let i2 = i;
    let j2 = j;
    if (c <= 0) {
      i2 = i + 1;
      while (i2 < nx && compare(x, xs[i2]!, x, xs[i]!) === 0) i2++;
    }
    if (c >= 0) {
      j2 = j + 1;
      while (j2 < ny && compare(y, ys[j2]!, y, ys[j]!) === 0) j2++;
    }
    group(xs, i, i2, ys, j, j2);
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

/** joinDirection's two lists (x's, y's), grown as a connection needs, reused by every call. */
const scratch = [new Int32Array(256), new Int32Array(256)];

/**
 * Puts the connection's packets of one direction into scratch[which], sorted by identity and, within one
 * identity, in capture order (packet indexes grow in capture order); returns how many. Most directions are
 * in that order already (sequence numbers, then acknowledgements, rise as the capture goes on), and those
 * skip the sort: a sort with a comparator costs a call per comparison. The order is total, so skipping
 * the sort of a sorted list changes nothing.
 */
function sortedByIdentity(p: PacketIndex, c: IndexedConnection | null, fromClient: number, compare: Compare, which: number): number {
  if (!c) return 0;
  const packets = p.byConnection;
  let out = scratch[which]!;
  if (out.length < c.packetTo - c.packetFrom) {
    out = new Int32Array(Math.max(c.packetTo - c.packetFrom, out.length * 2));
    scratch[which] = out;
  }
  let n = 0;
  let sorted = true;
  for (let k = c.packetFrom; k < c.packetTo; k++) {
    const i = packets[k]!;
    if (p.fromClient[i] !== fromClient) continue;
    // Stable on equal identities: the earlier packet (smaller index) stays first.
    if (n > 0 && compare(p, out[n - 1]!, p, i) > 0) sorted = false;
    out[n++] = i;
  }
  if (!sorted) out.subarray(0, n).sort((a, b) => compare(p, a, p, b) || a - b);
  return n;
}
