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

function tupleKey(c: IndexedConnection): string {
  return `${c.vlan}|${c.client.join(',')}|${c.clientPort}|${c.server.join(',')}|${c.serverPort}`;
}

/**
 * The connections two captures share. With a client ISN on both sides: the same 4-tuple and ISNs
 * (`tuple+isn`), or — through a NAT — the same ISNs and the same endpoint on the side the NAT did
 * not rewrite (`nat+isn`; when one side saw no SYN-ACK, the client ISN and that endpoint).
 * Connections whose handshake neither capture saw are paired by 4-tuple alone (`tuple`), and only
 * when the tuple names one connection in each capture. Each connection is used once.
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
  const aTuples = new Map<string, number>();
  for (const c of a.connections) {
    const k = tupleKey(c);
    aTuples.set(k, (aTuples.get(k) ?? 0) + 1);
  }
  const pairs: ConnectionPair[] = [];
  for (const x of a.connections) {
    if (x.isnClient !== -1) {
      const cands = byIsn.get(x.isnClient);
      if (!cands) continue;
      let best: IndexedConnection | null = null;
      let by: MatchedBy = 'nat+isn';
      for (const y of cands) {
        if (used[y.id]) continue;
        const isnS = x.isnServer === -1 || y.isnServer === -1 || x.isnServer === y.isnServer;
        if (!isnS || x.vlan !== y.vlan || x.ipVersion !== y.ipVersion) continue;
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
        pairs.push({ a: x, b: best, by });
      }
      continue;
    }
    const k = tupleKey(x);
    const cands = byTuple.get(k);
    if (cands?.length === 1 && aTuples.get(k) === 1 && !used[cands[0]!.id]) {
      used[cands[0]!.id] = 1;
      pairs.push({ a: x, b: cands[0]!, by: 'tuple' });
    }
  }
  return pairs;
}
