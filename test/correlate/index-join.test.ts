// The correlation's index, join and pairing as session 18 made them (typed-array buckets and tuple words, one
// packet list for all connections, ranges instead of views, a sort skipped when a direction is in order, number
// keys): each held to what it replaced, written out here as the oracle, on real pairs of captures.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinDirection } from '../../src/correlate/join.js';
import { indexCapture, type IndexedConnection, type PacketIndex } from '../../src/correlate/packet-index.js';
import { pairConnections, type ConnectionPair } from '../../src/correlate/pairing.js';
import { readCapture } from '../../src/capture/reader.js';
import { Decoder } from '../../src/decode/decoder.js';
import { Decoded, newSegment } from '../../src/decode/segment.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
/** Every client/server pair of the repository's fixtures. */
const PAIRS = ['correlate', 'accuracy'].flatMap((set) =>
  readdirSync(join(FIXTURES, set), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(FIXTURES, set, d.name))
    .filter((d) => existsSync(join(d, 'client.pcap.gz')) && existsSync(join(d, 'server.pcap.gz')))
    .map((d) => ({ name: d.slice(FIXTURES.length), client: join(d, 'client.pcap.gz'), server: join(d, 'server.pcap.gz') })),
);

// --- the oracles: the code before session 18 ---------------------------------------------------------------

type Compare = (p: PacketIndex, i: number, q: PacketIndex, j: number) => number;
const withoutIpId: Compare = (p, i, q, j) => p.seq[i]! - q.seq[j]! || p.ack[i]! - q.ack[j]! || p.flags[i]! - q.flags[j]! || p.len[i]! - q.len[j]! || 0;
const withIpId: Compare = (p, i, q, j) => withoutIpId(p, i, q, j) || p.ipId[i]! - q.ipId[j]! || 0;

/** The old sortedByIdentity: every direction sorted, with the comparator. */
function oracleSorted(p: PacketIndex, c: IndexedConnection | null, fromClient: number, compare: Compare): Int32Array {
  if (!c) return new Int32Array(0);
  const mine = [...p.packetsOf(c)].filter((i) => p.fromClient[i] === fromClient);
  return Int32Array.from(mine).sort((a, b) => compare(p, a, p, b) || a - b);
}

/** The old joinDirection: the groups as [xs, ys] lists. */
function oracleJoin(x: PacketIndex, cx: IndexedConnection | null, y: PacketIndex, cy: IndexedConnection | null, fromClient: number, ipId: boolean): number[][][] {
  const compare = ipId ? withIpId : withoutIpId;
  const xs = oracleSorted(x, cx, fromClient, compare);
  const ys = oracleSorted(y, cy, fromClient, compare);
  const out: number[][][] = [];
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    const c = i >= xs.length ? 1 : j >= ys.length ? -1 : compare(x, xs[i]!, y, ys[j]!);
    let i2 = i;
    let j2 = j;
    if (c <= 0) for (i2 = i + 1; i2 < xs.length && compare(x, xs[i2]!, x, xs[i]!) === 0; ) i2++;
    if (c >= 0) for (j2 = j + 1; j2 < ys.length && compare(y, ys[j2]!, y, ys[j]!) === 0; ) j2++;
    out.push([[...xs.subarray(i, i2)], [...ys.subarray(j, j2)]]);
    i = i2;
    j = j2;
  }
  return out;
}

function join2(x: PacketIndex, cx: IndexedConnection | null, y: PacketIndex, cy: IndexedConnection | null, fromClient: number, ipId: boolean): number[][][] {
  const out: number[][][] = [];
  joinDirection(x, cx, y, cy, fromClient, (xs, x0, x1, ys, y0, y1) => out.push([[...xs.subarray(x0, x1)], [...ys.subarray(y0, y1)]]), ipId);
  return out;
}

/** The old pairConnections: ISNs and tuples as exact Map keys (the tuple written out as a string). */
function oraclePairs(a: { connections: IndexedConnection[] }, b: { connections: IndexedConnection[] }): ConnectionPair[] {
  const tupleKey = (c: IndexedConnection) => `${c.client.join(',')}|${c.clientPort}|${c.server.join(',')}|${c.serverPort}`;
  const same = (x: readonly number[], y: readonly number[]) => x.every((v, k) => v === y[k]);
  const sameClient = (x: IndexedConnection, y: IndexedConnection) => x.clientPort === y.clientPort && same(x.client, y.client);
  const sameServer = (x: IndexedConnection, y: IndexedConnection) => x.serverPort === y.serverPort && same(x.server, y.server);
  const byIsn = new Map<number, IndexedConnection[]>();
  const byTuple = new Map<string, IndexedConnection[]>();
  for (const c of b.connections) {
    if (c.isnClient !== -1) byIsn.set(c.isnClient, [...(byIsn.get(c.isnClient) ?? []), c]);
    byTuple.set(tupleKey(c), [...(byTuple.get(tupleKey(c)) ?? []), c]);
  }
  const used = new Set<IndexedConnection>();
  const usedA = new Set<IndexedConnection>();
  const pairs: ConnectionPair[] = [];
  for (const x of a.connections) {
    if (x.isnClient === -1) continue;
    let best: IndexedConnection | null = null;
    let by: ConnectionPair['by'] = 'nat+isn';
    for (const y of byIsn.get(x.isnClient) ?? []) {
      if (used.has(y)) continue;
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
      used.add(best);
      usedA.add(x);
      pairs.push({ a: x, b: best, by });
    }
  }
  const restA = new Map<string, IndexedConnection[]>();
  for (const x of a.connections) if (!usedA.has(x)) restA.set(tupleKey(x), [...(restA.get(tupleKey(x)) ?? []), x]);
  for (const [k, xs] of restA) {
    const ys = byTuple.get(k)?.filter((y) => !used.has(y));
    if (xs.length !== 1 || ys?.length !== 1) continue;
    if (xs[0]!.isnClient !== -1 && ys[0]!.isnClient !== -1) continue;
    used.add(ys[0]!);
    pairs.push({ a: xs[0]!, b: ys[0]!, by: 'tuple' });
  }
  return pairs;
}

const ids = (ps: ConnectionPair[]) => ps.map((p) => `${p.a.id}-${p.b.id}-${p.by}`);

// --- the tests ------------------------------------------------------------------------------------------------

describe('the correlation index, join and pairing against the code they replaced', () => {
  const indexes = new Map<string, PacketIndex>();
  beforeAll(async () => {
    for (const p of PAIRS) {
      indexes.set(p.client, await indexCapture(p.client));
      indexes.set(p.server, await indexCapture(p.server));
    }
  });

  it('reads the fixtures this test needs', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(20);
    const connections = [...indexes.values()].reduce((n, x) => n + x.connections.length, 0);
    expect(connections).toBeGreaterThan(5000);
  });

  it('each connection\'s packets: exactly its own, in capture order, and of its tuple', async () => {
    for (const p of PAIRS.slice(0, 6)) {
      const x = indexes.get(p.server)!;
      const listed = new Int32Array(x.count).fill(-1);
      for (const c of x.connections) {
        const pk = [...x.packetsOf(c)];
        expect(pk).toEqual([...pk].sort((a, b) => a - b));
        for (const i of pk) {
          expect(x.conn[i]).toBe(c.id);
          listed[i] = c.id;
        }
      }
      expect(listed.every((id) => id >= 0)).toBe(true);
      // The tuple of every packet, from the decoder, is its connection's, each way as fromClient says.
      const seg = newSegment();
      const decoder = new Decoder(seg);
      let i = 0;
      await readCapture(p.server, {
        onFrame(f) {
          if (i === 0) decoder.baseSec = f.tsSec;
          if (decoder.decode(f) !== Decoded.Tcp || i >= x.count) return;
          const c = x.connections[x.conn[i]!]!;
          const fromClient = x.fromClient[i] === 1;
          expect([seg.srcPort, seg.dstPort]).toEqual(fromClient ? [c.clientPort, c.serverPort] : [c.serverPort, c.clientPort]);
          // The segment's address words are signed (decode/segment.ts), the index's connections keep them unsigned.
          expect([seg.src0 >>> 0, seg.src1 >>> 0, seg.src2 >>> 0, seg.src3 >>> 0]).toEqual(fromClient ? c.client : c.server);
          expect(x.frame[i]).toBe(seg.frame);
          i++;
        },
      });
      expect(i).toBe(x.count);
    }
  });

  it('a tuple used again with a new ISN: a new connection, and its later packets go to the newest', async () => {
    // public/bug-7657-01.pcap: a tool's SYNs, each with a new ISN, on one tuple, between a real client's retransmits.
    const x = await indexCapture(join(FIXTURES, 'public/bug-7657-01.pcap'));
    expect(x.connections.length).toBe(24); // as the Map of lists before session 18 made them
    // 22 ISNs: the real client's retransmits come back to its ISN after other SYNs, and start a connection again.
    const isns = new Set(x.connections.map((c) => c.isnClient));
    expect(isns.size).toBe(22);
    for (let k = 1; k < x.connections.length; k++) expect(x.connections[k]!.isnClient).not.toBe(x.connections[k - 1]!.isnClient);
    for (let k = 1; k < x.connections.length; k++) {
      const c = x.connections[k]!;
      expect([c.client, c.clientPort, c.server, c.serverPort]).toEqual([x.connections[0]!.client, x.connections[0]!.clientPort, x.connections[0]!.server, x.connections[0]!.serverPort]);
      // A connection's packets come after the older one's first: none of them went back to an older connection.
      expect(x.packetsOf(c)[0]!).toBeGreaterThan(x.packetsOf(x.connections[k - 1]!)[0]!);
    }
  });

  it('past the first buckets (a SYN flood\'s 3,040 connections): every packet still finds its own', async () => {
    const f = join(FIXTURES, 'lab-all/syn-flood-nocookies/server.pcap.gz');
    const x = await indexCapture(f);
    expect(x.connections.length).toBe(3040);
    const seg = newSegment();
    const decoder = new Decoder(seg);
    let i = 0;
    await readCapture(f, {
      onFrame(fr) {
        if (decoder.decode(fr) !== Decoded.Tcp || i >= x.count) return;
        const c = x.connections[x.conn[i]!]!;
        const fromClient = x.fromClient[i] === 1;
        expect(fromClient ? seg.srcPort : seg.dstPort).toBe(c.clientPort);
        expect((fromClient ? seg.src3 : seg.dst3) >>> 0).toBe(c.client[3]);
        i++;
      },
    });
    expect(i).toBe(x.count);
  });

  it('joinDirection gives the same groups, in the same order, as the sort-every-direction join with views', () => {
    let groups = 0;
    let unsorted = 0;
    for (const p of PAIRS) {
      const x = indexes.get(p.client)!;
      const y = indexes.get(p.server)!;
      for (const { a, b } of pairConnections(x, y)) {
        for (const fromClient of [1, 0]) {
          for (const ipId of [true, false]) {
            const expected = oracleJoin(x, a, y, b, fromClient, ipId);
            expect(join2(x, a, y, b, fromClient, ipId)).toEqual(expected);
            expect(join2(x, a, y, null, fromClient, ipId)).toEqual(oracleJoin(x, a, y, null, fromClient, ipId));
            groups += expected.length;
          }
          // A direction whose capture order is not its identity order: the sort still runs for these.
          const mine = [...x.packetsOf(a)].filter((i) => x.fromClient[i] === fromClient);
          if (mine.some((i, k) => k > 0 && withIpId(x, mine[k - 1]!, x, i) > 0)) unsorted++;
        }
      }
    }
    expect(groups).toBeGreaterThan(10000);
    expect(unsorted).toBeGreaterThan(10);
  });

  it('pairConnections pairs the same connections, the same way, in the same order', () => {
    let pairs = 0;
    for (const p of PAIRS) {
      const x = indexes.get(p.client)!;
      const y = indexes.get(p.server)!;
      const got = pairConnections(x, y);
      expect(ids(got)).toEqual(ids(oraclePairs(x, y)));
      expect(ids(pairConnections(y, x))).toEqual(ids(oraclePairs(y, x)));
      pairs += got.length;
    }
    expect(pairs).toBeGreaterThan(1000);
  });

  it('pairConnections tells apart ISNs that share their top 30 bits, and pairs by tuple alone where one side has no ISN', () => {
    const conn = (id: number, isnClient: number, clientPort: number, client3 = 0x0a000001): IndexedConnection => ({
      id, ipVersion: 4, client: [0, 0, 0xffff, client3], server: [0, 0, 0xffff, 0xc6120003], clientPort, serverPort: 8080,
      vlan: 0, isnClient, isnServer: -1, rolesFrom: 'syn', packetFrom: 0, packetTo: 0, firstFrame: id + 1,
    });
    // 0xfffffff0..3 share a key (>>> 2); each must find its own.
    const a = { connections: [conn(0, 0xfffffff1, 40001), conn(1, 0xfffffff2, 40002), conn(2, 0xfffffff3, 40003), conn(3, -1, 40004), conn(4, 7, 40005, 0x0a000009)] };
    const b = { connections: [conn(0, 0xfffffff3, 40003), conn(1, 0xfffffff2, 40002), conn(2, 0xfffffff1, 40001), conn(3, 5, 40004), conn(4, 7, 40099, 0x0a000009)] };
    const got = pairConnections(a as unknown as PacketIndex, b as unknown as PacketIndex);
    expect(ids(got)).toEqual(['0-2-tuple+isn', '1-1-tuple+isn', '2-0-tuple+isn', '4-4-nat+isn', '3-3-tuple']);
    expect(ids(got)).toEqual(ids(oraclePairs(a, b)));
  });
});

describe('three or more captures: only those sharing a client ISN are indexed, and the result is the pairs\' own', () => {
  const C = join(FIXTURES, 'correlate');
  const files = {
    lossyClient: join(C, 'healthy-lossy/client.pcap.gz'),
    lossyServer: join(C, 'healthy-lossy/server.pcap.gz'),
    refusedClient: join(C, 'refused/client.pcap.gz'),
    resetClient: join(C, 'app-reset/client.pcap.gz'),
    resetServer: join(C, 'app-reset/server.pcap.gz'),
  };

  it('gives each pair as two captures alone give it, the captures\' spans, and the capture of other traffic unpaired', async () => {
    const { correlate } = await import('../../src/correlate/correlate.js');
    const all = await correlate([files.lossyClient, files.refusedClient, files.lossyServer, files.resetClient, files.resetServer]);
    const lossy = await correlate([files.lossyClient, files.lossyServer]);
    const reset = await correlate([files.resetClient, files.resetServer]);
    const refused = await correlate([files.refusedClient, files.lossyServer]);
    expect(all.pairs).toHaveLength(2);
    expect(all.pairs[0]).toEqual(lossy.pairs[0]);
    expect(all.pairs[1]).toEqual(reset.pairs[0]);
    expect(all.unpaired).toEqual([files.refusedClient]);
    // The spans: the first look's (connections alone) equal the whole index's of two captures.
    expect(all.captures).toEqual([lossy.captures[0], refused.captures[0], lossy.captures[1], reset.captures[0], reset.captures[1]]);
    expect(all.captures[1]!.connections).toBeGreaterThan(0);
  });

  it('the first look reads what the whole index reads: frames, packets, connections, span, and ISNs', async () => {
    for (const f of Object.values(files)) {
      const light = await indexCapture(f, undefined, false);
      const whole = await indexCapture(f);
      expect([light.frames, light.count, light.start, light.end, light.full, light.error]).toEqual([whole.frames, whole.count, whole.start, whole.end, whole.full, whole.error]);
      expect(light.connections.map((c) => [c.isnClient, c.isnServer, c.clientPort, c.firstFrame])).toEqual(whole.connections.map((c) => [c.isnClient, c.isnServer, c.clientPort, c.firstFrame]));
      expect(light.time.length).toBe(1024); // no packet kept: the arrays never grew
      expect(light.byConnection.length).toBe(0);
    }
  });
});
