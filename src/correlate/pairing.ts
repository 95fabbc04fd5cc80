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

/** VLAN tags are left out: two vantage points often see one packet with and without its tag. */
function tupleKey(c: IndexedConnection): string {
  return `${c.client.join(',')}|${c.clientPort}|${c.server.join(',')}|${c.serverPort}`;
}

/**
 * The connections two captures share. With a client ISN on both sides: the same 4-tuple and ISNs
 * (`tuple+isn`), or — through a NAT — the same ISNs and the same endpoint on the side the NAT did
 * not rewrite (`nat+isn`; when one side saw no SYN-ACK, the client ISN and that endpoint).
 * Connections whose handshake one capture missed are paired by 4-tuple alone (`tuple`), and only
 * when the tuple names one unpaired connection in each capture. Each connection is used once.
 */
export function pairConnections(a: PacketIndex, b: PacketIndex): ConnectionPair[] {
  const byIsn = new Map<number, IndexedConnection[]>();
  const byTuple = new Map<string, IndexedConnection[]>();
  for (const c of b.connections) {
    if (c.isnClient !== -1) {
      const l = byIsn.get(c.isnClient);
      if (l) l.push(c);
      else byIsn.set(c.isnClient, [c]);
    }
    const k = tupleKey(c);
    const l = byTuple.get(k);
    if (l) l.push(c);
    else byTuple.set(k, [c]);
  }
  const used = new Uint8Array(b.connections.length);
  const usedA = new Uint8Array(a.connections.length);
  const pairs: ConnectionPair[] = [];
  for (const x of a.connections) {
    if (x.isnClient === -1) continue;
    const cands = byIsn.get(x.isnClient);
    if (!cands) continue;
    let best: IndexedConnection | null = null;
    let by: MatchedBy = 'nat+isn';
    for (const y of cands) {
      if (used[y.id]) continue;
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
  const restA = new Map<string, IndexedConnection[]>();
  for (const x of a.connections) {
    if (usedA[x.id]) continue;
    const k = tupleKey(x);
    const l = restA.get(k);
    if (l) l.push(x);
    else restA.set(k, [x]);
  }
  for (const [k, xs] of restA) {
    const ys = byTuple.get(k)?.filter((y) => !used[y.id]);
    if (xs.length !== 1 || ys?.length !== 1) continue;
    const x = xs[0]!;
    const y = ys[0]!;
    if (x.isnClient !== -1 && y.isnClient !== -1) continue;
    used[y.id] = 1;
    pairs.push({ a: x, b: y, by: 'tuple' });
  }
  return pairs;
}
