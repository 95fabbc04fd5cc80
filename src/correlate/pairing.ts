import type { IndexedConnection, PacketIndex } from './packet-index.js';

/** How two connections were found to be the same one. */
export type MatchedBy = 'tuple+isn' | 'nat+isn' | 'tuple';

export interface ConnectionPair {
  a: IndexedConnection;
  b: IndexedConnection;
  by: MatchedBy;
}

function sameWords(x: readonly number[], y: readonly number[]): boolean {
  return x[0] === y[0] && x[1] === y[1] && x[2] === y[2] && x[3] === y[3];
}

function sameClient(x: IndexedConnection, y: IndexedConnection): boolean {
  return x.clientPort === y.clientPort && sameWords(x.client, y.client);
}

function sameServer(x: IndexedConnection, y: IndexedConnection): boolean {
  return x.serverPort === y.serverPort && sameWords(x.server, y.server);
}

function sameTuple(x: IndexedConnection, y: IndexedConnection): boolean {
  return sameClient(x, y) && sameServer(x, y);
}

/**
 * Connections grouped by 4-tuple (client address and port, server address and port), the groups in the order
 * their first connection came. VLAN tags are left out: two vantage points often see one packet with and
 * without its tag. Found through a 30-bit hash of the tuple (a string key per connection, the tuple written
 * out, was a tenth of a large pair's correlation: BENCHMARKS.md, session 18); tuples that share a hash share
 * its bucket, and the whole tuple tells them apart.
 */
class TupleGroups {
  private readonly byHash = new Map<number, IndexedConnection[][]>();
  /** Every group, in the order of its first connection. */
  readonly groups: IndexedConnection[][] = [];

  add(c: IndexedConnection): void {
    const h = tupleHash(c);
    let bucket = this.byHash.get(h);
    if (!bucket) {
      bucket = [];
      this.byHash.set(h, bucket);
    }
    for (const g of bucket) {
      if (sameTuple(g[0]!, c)) {
        g.push(c);
        return;
      }
    }
    const g = [c];
    bucket.push(g);
    this.groups.push(g);
  }

  /** The connections with c's tuple, in the order added. */
  of(c: IndexedConnection): IndexedConnection[] | undefined {
    for (const g of this.byHash.get(tupleHash(c)) ?? []) if (sameTuple(g[0]!, c)) return g;
    return undefined;
  }
}

function tupleHash(c: IndexedConnection): number {
  const k = c.client;
  const v = c.server;
  let h = Math.imul(k[0]! ^ Math.imul(k[1]!, 0x9e3779b1) ^ Math.imul(k[2]!, 0x85ebca6b) ^ Math.imul(k[3]!, 0xc2b2ae35), 0x27d4eb2f) ^ c.clientPort;
  h = Math.imul(h ^ v[0]! ^ Math.imul(v[1]!, 0x9e3779b1) ^ Math.imul(v[2]!, 0x85ebca6b) ^ Math.imul(v[3]!, 0xc2b2ae35), 0x165667b1) ^ (c.serverPort << 16);
  return (h ^ (h >>> 15)) >>> 2;
}

/**
 * The connections two captures share. With a client ISN on both sides: the same 4-tuple and ISNs
 * (`tuple+isn`), or — through a NAT — the same ISNs and the same endpoint on the side the NAT did
 * not rewrite (`nat+isn`; when one side saw no SYN-ACK, the client ISN and that endpoint).
 * Connections whose handshake one capture missed are paired by 4-tuple alone (`tuple`), and only
 * when the tuple names one unpaired connection in each capture. Each connection is used once.
 */
export function pairConnections(a: PacketIndex, b: PacketIndex): ConnectionPair[] {
  // By client ISN, under its top 30 bits: a V8 small integer (a whole 32-bit ISN past 2^30 is a heap number, and
  // a Map hashes those slowly); the four ISNs a key covers are told apart below.
  const byIsn = new Map<number, IndexedConnection[]>();
  const byTuple = new TupleGroups();
  for (const c of b.connections) {
    if (c.isnClient !== -1) {
      const l = byIsn.get(c.isnClient >>> 2);
      if (l) l.push(c);
      else byIsn.set(c.isnClient >>> 2, [c]);
    }
    byTuple.add(c);
  }
  const used = new Uint8Array(b.connections.length);
  const usedA = new Uint8Array(a.connections.length);
  const pairs: ConnectionPair[] = [];
  for (const x of a.connections) {
    if (x.isnClient === -1) continue;
    const cands = byIsn.get(x.isnClient >>> 2);
    if (!cands) continue;
    let best: IndexedConnection | null = null;
    let by: MatchedBy = 'nat+isn';
    for (const y of cands) {
      if (used[y.id] || y.isnClient !== x.isnClient) continue;
      const isnS = x.isnServer === -1 || y.isnServer === -1 || x.isnServer === y.isnServer;
      if (!isnS || x.ipVersion !== y.ipVersion) continue;
      const cl = sameClient(x, y);
      const sv = sameServer(x, y);
      if (cl && sv) {
        best = y;
        by = 'tuple+isn';
        break;
      }
      if (!best && (cl || sv)) best = y;
    }
    if (best) {
      used[best.id] = 1;
      usedA[x.id] = 1;
      pairs.push({ a: x, b: best, by });
    }
  }
  // A handshake one capture did not see (it started later): the 4-tuple alone, when it names one
  // connection still unpaired on each side and at least one of the two has no ISN.
  const restA = new TupleGroups();
  for (const x of a.connections) if (!usedA[x.id]) restA.add(x);
  for (const xs of restA.groups) {
    if (xs.length !== 1) continue;
    const ys = byTuple.of(xs[0]!)?.filter((y) => !used[y.id]);
    if (ys?.length !== 1) continue;
    const x = xs[0]!;
    const y = ys[0]!;
    if (x.isnClient !== -1 && y.isnClient !== -1) continue;
    used[y.id] = 1;
    pairs.push({ a: x, b: y, by: 'tuple' });
  }
  return pairs;
}
