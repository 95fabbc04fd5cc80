import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { correlate } from '../../src/correlate/correlate.js';
import { formatEndpoint } from '../../src/decode/address.js';
import { trackCapture } from '../../src/track/run.js';
import type { Correlation, PairCorrelation } from '../../src/correlate/model.js';
import { filterPcap, natPcap, recordTime, scrambleIpIdPcap, shiftPcap, splitPcap, tagPcap, tcpFlags } from './pcap-edit.js';

const DIR = fileURLToPath(new URL('../../fixtures/correlate/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'tcpdiag-correlate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const client = (s: string) => join(DIR, s, 'client.pcap.gz');
const server = (s: string) => join(DIR, s, 'server.pcap.gz');
interface Labels {
  wire_loss_percent: number;
  one_way_delay_ms: number;
  kernel_counters_delta: Record<string, number>;
  client_outcomes: Record<string, number>;
}
const labels = (s: string): Labels => JSON.parse(readFileSync(join(DIR, s, 'labels.json'), 'utf8'));
const connectionsRun = (l: Labels) => Object.values(l.client_outcomes).reduce((a, b) => a + b, 0);

interface Lost {
  frame: number;
  kind: string;
  /** Departure, epoch seconds (the oracle's). */
  time?: number;
}
const frameAndKind = (l: Lost[]) => l.map(({ frame, kind }) => ({ frame, kind }));
interface Oracle {
  toServer: { sent: number; lost: Lost[]; byKind: Record<string, number> };
  toClient: { sent: number; lost: Lost[]; byKind: Record<string, number> };
}

function onlyPair(r: Correlation): PairCorrelation {
  expect(r.pairs).toHaveLength(1);
  return r.pairs[0]!;
}

/** Every lost-on-path event of every connection, one direction, sorted by frame. */
function lostEvents(p: PairCorrelation, direction: 'toServer' | 'toClient'): Lost[] {
  const out: Lost[] = [];
  for (const c of p.connections) {
    expect(c.eventsOmitted).toBe(0);
    for (const e of c.events) if (e.fate === 'lostOnPath' && e.direction === direction) out.push({ frame: e.frame, kind: e.kind });
  }
  return out.sort((a, b) => a.frame - b.frame);
}

function withoutZeros(k: Record<string, number>): Record<string, number> {
  const { total: _t, ...rest } = k;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v > 0));
}

describe('healthy-lossy: 8% wire loss between the two captures', () => {
  const s = 'healthy-lossy';
  const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
  const lab = labels(s);
  let p: PairCorrelation;

  it('pairs the two captures on every connection and tells client side from server side', async () => {
    // Server capture first: the order of the inputs must not matter.
    const r = await correlate([server(s), client(s)]);
    p = onlyPair(r);
    expect(r.unpaired).toEqual([]);
    expect(p.connectionsMatched).toBe(connectionsRun(lab));
    expect(p.connectionsMatched).toBe(150);
    expect(p.matchedBy).toEqual({ 'tuple+isn': 150, 'nat+isn': 0, tuple: 0 });
    expect(p.roles.clientSide).toBe(client(s));
    expect(p.roles.serverSide).toBe(server(s));
    expect(p.captures).toEqual([client(s), server(s)]);
    expect(p.roles.decidedBy).toBe('handshake-timing');
    // A round trip (2 × 10 ms) at the client, microseconds at the server.
    expect(p.roles.synToSynAckMedian.clientSide!).toBeGreaterThan(0.02);
    expect(p.roles.synToSynAckMedian.serverSide!).toBeLessThan(0.001);
  });

  it('finds exactly the packets the tshark count says were lost, by frame and kind, each way', () => {
    expect(lostEvents(p, 'toServer')).toEqual(frameAndKind(oracle.toServer.lost));
    expect(lostEvents(p, 'toClient')).toEqual(frameAndKind(oracle.toClient.lost));
    expect(oracle.toServer.lost.length).toBe(58);
    expect(oracle.toClient.lost.length).toBe(74);
    expect(withoutZeros(p.lostOnPath.toServer)).toEqual(oracle.toServer.byKind);
    expect(withoutZeros(p.lostOnPath.toClient)).toEqual(oracle.toClient.byKind);
    expect(p.lostOnPath.toServer.syn).toBe(9);
    expect(p.lostOnPath.toClient.synAck).toBe(10);
    expect(p.packets.toServer).toEqual({ sent: oracle.toServer.sent, arrived: oracle.toServer.sent - 58, arrivedResegmented: 0, lostOnPath: 58, notComparable: 0, arrivedWithoutDeparture: 0 });
    expect(p.packets.toClient).toEqual({ sent: oracle.toClient.sent, arrived: oracle.toClient.sent - 74, arrivedResegmented: 0, lostOnPath: 74, notComparable: 0, arrivedWithoutDeparture: 0 });
  });

  it('agrees with the server kernel: segments received and sent', () => {
    const k = lab.kernel_counters_delta;
    expect(p.packets.toServer.arrived).toBe(k.TcpInSegs);
    expect(p.packets.toClient.sent).toBe(k.IpOutRequests);
  });

  it('sees no host drop where the kernel counted no overflow', () => {
    expect(lab.kernel_counters_delta.TcpExtListenOverflows ?? 0).toBe(0);
    expect(p.droppedAtHost.total).toBe(0);
    expect(p.resetAtHost.total).toBe(0);
  });

  it('measures the bridge: 10 ms one way, clocks in step', () => {
    expect(lab.one_way_delay_ms).toBe(10);
    expect(p.pathDelay!).toBeGreaterThanOrEqual(0.010);
    expect(p.pathDelay!).toBeLessThan(0.0105);
    // Both captures were taken on one machine: one clock.
    expect(Math.abs(p.clockOffset!)).toBeLessThan(0.001);
    for (const d of [p.oneWayDelay.toServer, p.oneWayDelay.toClient]) {
      expect(d.min!).toBeGreaterThan(0.0095);
      expect(d.p50!).toBeGreaterThanOrEqual(0.010);
      expect(d.p50!).toBeLessThan(0.011);
    }
    expect(p.oneWayDelay.toServer.count).toBe(p.packets.toServer.arrived);
    expect(p.oneWayDelay.toClient.count).toBe(p.packets.toClient.arrived);
  });

  it('gives per-listener and per-connection facts that add up, with the keys flows needs', () => {
    expect(p.listeners.map((l) => l.listener)).toEqual(['198.18.0.3:8080']);
    const l = p.listeners[0]!;
    expect(l.connections).toBe(150);
    expect(l.lostOnPath).toEqual(p.lostOnPath);
    expect(l.oneWayDelay).toEqual(p.oneWayDelay);
    expect(p.connections).toHaveLength(150);
    let toServer = 0;
    let toClient = 0;
    for (const c of p.connections) {
      toServer += c.lostOnPath.toServer;
      toClient += c.lostOnPath.toClient;
      expect(c.flows.map((f) => f.capture)).toEqual([client(s), server(s)]);
      expect(c.flows[0]!.client).toBe(c.flows[1]!.client);
      expect(c.matchedBy).toBe('tuple+isn');
    }
    expect([toServer, toClient]).toEqual([58, 74]);
    // The connection of lab/README.md's lossy slice: its SYN-ACK was lost on the wire.
    const c37800 = p.connections.find((c) => c.flows[1]!.client === '198.18.0.2:37800')!;
    expect(c37800.events.some((e) => e.fate === 'lostOnPath' && e.kind === 'synAck' && e.capture === 'serverSide')).toBe(true);
  });

  it("names each connection as the tracker does: every flow key is one of flows' rows", async () => {
    for (const path of [client(s), server(s)]) {
      const rows = new Set<string>();
      await trackCapture(path, (c) => {
        rows.add(`${formatEndpoint(c.ipVersion, c.c0, c.c1, c.c2, c.c3, c.cPort)} ${formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort)} ${c.firstFrame}`);
      });
      expect(rows.size).toBe(150);
      const keys = p.connections.map((c) => c.flows.find((f) => f.capture === path)!).map((f) => `${f.client} ${f.server} ${f.firstFrame}`);
      expect(new Set(keys)).toEqual(rows);
    }
  });

  it('is plain JSON', async () => {
    const r = await correlate([client(s), server(s)]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('clock offset from the shared packets, never assumed', () => {
  const s = 'healthy-lossy';
  for (const [which, shift] of [['server', 5], ['server', -5], ['client', 5], ['client', -5]] as const) {
    it(`${which} capture shifted by ${shift > 0 ? '+' : ''}${shift} s: offset found within 1 ms, same losses`, async () => {
      const shifted = join(tmp, `${which}${shift}.pcap`);
      shiftPcap(which === 'server' ? server(s) : client(s), shifted, shift);
      const paths = which === 'server' ? [client(s), shifted] : [shifted, server(s)];
      const p = onlyPair(await correlate(paths));
      // Server-side clock minus client-side clock; the lab's true offset is 0 (one machine).
      const expected = which === 'server' ? shift : -shift;
      expect(Math.abs(p.clockOffset! - expected)).toBeLessThan(0.001);
      expect(p.pathDelay!).toBeGreaterThanOrEqual(0.010);
      expect(p.pathDelay!).toBeLessThan(0.0105);
      expect(p.roles.serverSide).toBe(which === 'server' ? shifted : server(s));
      expect(p.lostOnPath.toServer.total).toBe(58);
      expect(p.lostOnPath.toClient.total).toBe(74);
      expect(p.packets.toServer.notComparable + p.packets.toClient.notComparable).toBe(0);
    });
  }
});

describe('host drops at the server against TcpExtListenOverflows (no wire loss)', () => {
  // Host drops counted from the captures, and the kernel's count of dropped segments.
  // Measured: accept-overflow-abort0 163/163, accept-overflow-abort1 161/162,
  // slow-acceptor-abort0 536/540, slow-acceptor-abort1 147 dropped + 49 reset / 196, synack-expire 83/83.
  for (const s of ['accept-overflow-abort0', 'accept-overflow-abort1', 'slow-acceptor-abort0', 'slow-acceptor-abort1', 'synack-expire']) {
    it(`${s}: within 5% of the kernel's count, path clean`, async () => {
      const lab = labels(s);
      const k = lab.kernel_counters_delta;
      const p = onlyPair(await correlate([client(s), server(s)]));
      expect(lab.wire_loss_percent).toBe(0);
      expect(p.connectionsMatched).toBe(connectionsRun(lab));
      expect(p.lostOnPath.toServer.total + p.lostOnPath.toClient.total).toBe(0);
      expect(p.packets.toServer.arrived).toBe(k.TcpInSegs);
      // ListenOverflows counts every segment the full accept queue cost, the reset ones included.
      const host = p.droppedAtHost.total + p.resetAtHost.total;
      const overflows = k.TcpExtListenOverflows!;
      expect(overflows).toBeGreaterThan(50);
      expect(Math.abs(host - overflows) / overflows).toBeLessThanOrEqual(0.05);
      // A bare RST for each reset connection (tcp_abort_on_overflow=1), and none elsewhere.
      expect(p.resetAtHost.total).toBe(k.TcpExtEmbryonicRsts ?? 0);
      expect(p.resetAtHost.total).toBe(lab.client_outcomes.reset ?? 0);
      const sum = p.connections.reduce((a, c) => a + c.droppedAtHost + c.resetAtHost, 0);
      expect(sum).toBe(host);
    });
  }

  it('accept-overflow-abort0 exactly: 24 handshake ACKs and 139 data segments ignored, no SYN dropped', async () => {
    const p = onlyPair(await correlate([client('accept-overflow-abort0'), server('accept-overflow-abort0')]));
    expect(withoutZeros(p.droppedAtHost)).toEqual({ ack: 24, data: 139 });
    expect(p.droppedAtHost.total).toBe(labels('accept-overflow-abort0').kernel_counters_delta.TcpExtListenOverflows);
  });

  it('slow-acceptor-abort1 exactly: 147 SYNs dropped, 49 handshake ACKs answered by a RST', async () => {
    const p = onlyPair(await correlate([client('slow-acceptor-abort1'), server('slow-acceptor-abort1')]));
    expect(withoutZeros(p.droppedAtHost)).toEqual({ syn: 147 });
    expect(withoutZeros(p.resetAtHost)).toEqual({ ack: 49 });
    expect(p.droppedAtHost.total + p.resetAtHost.total).toBe(labels('slow-acceptor-abort1').kernel_counters_delta.TcpExtListenOverflows);
  });
});

describe('controls and edges', () => {
  for (const s of ['app-reset', 'refused']) {
    it(`${s}: paired, nothing lost, nothing dropped (RSTs are answers, not drops)`, async () => {
      const lab = labels(s);
      const p = onlyPair(await correlate([client(s), server(s)]));
      expect(p.connectionsMatched).toBe(connectionsRun(lab));
      expect(p.lostOnPath.toServer.total + p.lostOnPath.toClient.total).toBe(0);
      expect(p.droppedAtHost.total + p.resetAtHost.total).toBe(0);
      expect(p.packets.toServer.arrived).toBe(lab.kernel_counters_delta.TcpInSegs);
    });
  }

  it('through a source NAT in front of the client: paired by ISNs and the server endpoint', async () => {
    const s = 'healthy-lossy';
    const natted = join(tmp, 'nat-client.pcap');
    natPcap(client(s), natted, '198.18.0.2', '10.9.8.7', 1000);
    const p = onlyPair(await correlate([natted, server(s)]));
    expect(p.matchedBy).toEqual({ 'tuple+isn': 0, 'nat+isn': 150, tuple: 0 });
    expect(p.connectionsMatched).toBe(150);
    expect(p.roles.clientSide).toBe(natted);
    expect(p.lostOnPath.toServer.total).toBe(58);
    expect(p.lostOnPath.toClient.total).toBe(74);
    const c = p.connections[0]!;
    expect(c.flows[0]!.client.startsWith('10.9.8.7:')).toBe(true);
    expect(c.flows[1]!.client.startsWith('198.18.0.2:')).toBe(true);
  });

  it('one capture with VLAN tags (a trunk port), the other without: still the same connections', async () => {
    const s = 'healthy-lossy';
    const tagged = join(tmp, 'server-vlan.pcap');
    tagPcap(server(s), tagged, 42);
    const r = await correlate([client(s), tagged]);
    const p = onlyPair(r);
    expect(r.captures[1]!.tcpPackets).toBe(r.captures[1]!.frames);
    expect(p.matchedBy['tuple+isn']).toBe(150);
    expect(lostEvents(p, 'toServer')).toEqual(frameAndKind(JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8')).toServer.lost));
    expect(p.lostOnPath.toClient.total).toBe(74);
  });

  it("the server's data cut in two on the way (TSO seen at the sender): arrived, not lost; lost data still lost", async () => {
    const s = 'healthy-lossy';
    const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
    const split = join(tmp, 'client-split.pcap');
    splitPcap(client(s), split, '198.18.0.3');
    const r = await correlate([split, server(s)]);
    const p = onlyPair(r);
    // Every server data segment that reached the client now arrives as two halves.
    const dataArrived = p.packets.toClient.arrivedResegmented;
    expect(r.captures[0]!.tcpPackets - dataArrived).toBe(1592);
    expect(dataArrived).toBeGreaterThan(100);
    expect(lostEvents(p, 'toClient')).toEqual(frameAndKind(oracle.toClient.lost));
    expect(p.packets.toClient.arrivedWithoutDeparture).toBe(0);
    expect(p.lostOnPath.toServer.total).toBe(58);
  });

  it('IP IDs rewritten between the captures: matched without them, same losses', async () => {
    const s = 'healthy-lossy';
    const scrambled = join(tmp, 'client-ipid.pcap');
    scrambleIpIdPcap(client(s), scrambled);
    const plain = onlyPair(await correlate([client(s), server(s)]));
    expect(plain.matchedOnIpId).toBe(true);
    const p = onlyPair(await correlate([scrambled, server(s)]));
    expect(p.matchedOnIpId).toBe(false);
    const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
    expect(lostEvents(p, 'toServer')).toEqual(frameAndKind(oracle.toServer.lost));
    expect(lostEvents(p, 'toClient')).toEqual(frameAndKind(oracle.toClient.lost));
    expect(p.lostOnPath.toServer.total).toBe(58);
    expect(p.lostOnPath.toClient.total).toBe(74);
    expect(Math.abs(p.clockOffset!)).toBeLessThan(0.001);
  });

  it('captures of different traffic are not paired', async () => {
    const r = await correlate([client('healthy-lossy'), server('app-reset'), client('app-reset')]);
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]!.captures).toEqual([client('app-reset'), server('app-reset')]);
    expect(r.unpaired).toEqual([client('healthy-lossy')]);
  });

  it('a bounded index: packets past the bound are not comparable, never lost', async () => {
    const s = 'healthy-lossy';
    const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
    const r = await correlate([client(s), server(s)], { maxPacketsPerCapture: 600 });
    const p = onlyPair(r);
    expect(r.captures.map((c) => [c.tcpPackets, c.indexFull])).toEqual([[600, true], [600, true]]);
    expect(r.memory.maxPacketsPerCapture).toBe(600);
    expect(p.packets.toServer.notComparable + p.packets.toClient.notComparable).toBeGreaterThan(0);
    // Whatever it still calls lost is lost by the full count.
    const lost = new Set(oracle.toServer.lost.map((l) => l.frame));
    expect(lost.size).toBe(58);
    const found = lostEvents(p, 'toServer');
    expect(found.length).toBeGreaterThan(0);
    for (const l of found) expect(lost.has(l.frame)).toBe(true);
    const lostC = new Set(oracle.toClient.lost.map((l) => l.frame));
    for (const l of lostEvents(p, 'toClient')) expect(lostC.has(l.frame)).toBe(true);
  });

  it('many copies of one packet identity: the linear pairing gives the same losses', async () => {
    const s = 'healthy-lossy';
    const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
    const p = onlyPair(await correlate([client(s), server(s)], { maxPairings: 0 }));
    expect(lostEvents(p, 'toServer')).toEqual(frameAndKind(oracle.toServer.lost));
    // Which of two identical SYN-ACK copies was the lost one is a guess in this mode; how many is not.
    expect(withoutZeros(p.lostOnPath.toClient)).toEqual(oracle.toClient.byKind);
    expect(p.packets.toClient.arrivedWithoutDeparture).toBe(0);
  });

  it('server capture started 2 s late: what would have arrived before it is not comparable, the rest exact', async () => {
    const s = 'healthy-lossy';
    const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
    const late = join(tmp, 'server-late.pcap');
    let first = -1;
    let removed = 0;
    let cut = 0;
    filterPcap(server(s), late, (b, rec) => {
      const t = recordTime(b, rec);
      if (first < 0) {
        first = t;
        cut = t + 2;
      }
      if (t < cut) removed++;
      return t >= cut;
    });
    expect(removed).toBeGreaterThan(100);
    const p = onlyPair(await correlate([client(s), late]));
    // Client packets: frames unchanged. Lost = the oracle's losses that would have arrived (10 ms later) after the cut.
    const expectLost = oracle.toServer.lost.filter((l) => l.time! + 0.0100 >= cut);
    expect(expectLost.length).toBeGreaterThan(10);
    expect(expectLost.length).toBeLessThan(58);
    expect(lostEvents(p, 'toServer')).toEqual(frameAndKind(expectLost));
    expect(p.packets.toServer.notComparable).toBeGreaterThan(100);
    // Connections in flight at the cut: their handshake is only in the client capture.
    expect(p.matchedBy.tuple).toBeGreaterThan(0);
    const t = p.packets.toServer;
    expect(t.arrived + t.lostOnPath + t.notComparable).toBe(t.sent);
    // Server packets: the removed records were the first ones, so frame numbers moved down by their count.
    const expectC = oracle.toClient.lost.filter((l) => l.frame > removed).map((l) => ({ frame: l.frame - removed, kind: l.kind }));
    expect(lostEvents(p, 'toClient')).toEqual(expectC);
    expect(p.packets.toClient.notComparable).toBe(0);
  });

  it('no SYN in either capture: paired on the SYN-ACK\'s ISNs, roles from the delay structure', async () => {
    const s = 'healthy-lossy';
    const noSyn = (src: string, dst: string) => filterPcap(src, dst, (b, _rec, data) => (tcpFlags(b, data) & 0x12) !== 0x02);
    noSyn(client(s), join(tmp, 'c-nosyn.pcap'));
    noSyn(server(s), join(tmp, 's-nosyn.pcap'));
    shiftPcap(join(tmp, 's-nosyn.pcap'), join(tmp, 's-nosyn-shifted.pcap'), -5);
    const p = onlyPair(await correlate([join(tmp, 's-nosyn-shifted.pcap'), join(tmp, 'c-nosyn.pcap')]));
    expect(p.roles.decidedBy).toBe('delay-structure');
    expect(p.roles.handshakes).toBe(0);
    expect(p.roles.clientSide).toBe(join(tmp, 'c-nosyn.pcap'));
    // The client's SYN-ACK-less connections (every SYN-ACK to them lost) have no ISN in the client capture.
    expect(p.connectionsMatched).toBeGreaterThan(130);
    expect(Math.abs(p.clockOffset! + 5)).toBeLessThan(0.001);
    expect(p.lostOnPath.toServer.syn).toBe(0);
  });

  it('the same capture twice: paired, nothing lost, and no side called the server', async () => {
    const s = 'healthy-lossy';
    const copy = join(tmp, 'server-copy.pcap');
    shiftPcap(server(s), copy, 0);
    const p = onlyPair(await correlate([server(s), copy]));
    expect(p.roles.decidedBy).toBe('undetermined');
    expect(p.pathDelay).toBe(0);
    expect(p.clockOffset).toBe(0);
    expect(p.lostOnPath.toServer.total + p.lostOnPath.toClient.total).toBe(0);
  });

  it('a server capture cut mid-record: one-line error with the byte offset, the rest compared up to the cut', async () => {
    const s = 'healthy-lossy';
    const oracle: Oracle = JSON.parse(readFileSync(join(DIR, s, 'tshark-lost.json'), 'utf8'));
    const whole = gunzipSync(readFileSync(server(s)));
    const cutAt = Math.floor(whole.length / 2);
    const cut = join(tmp, 'server-cut.pcap');
    writeFileSync(cut, whole.subarray(0, cutAt));
    const r = await correlate([client(s), cut]);
    const p = onlyPair(r);
    const e = r.captures[1]!.error!;
    expect(e).toMatch(new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*\\(byte offset \\d+, frame \\d+\\)$`));
    expect(e).not.toContain('\n');
    const end = r.captures[1]!.end!;
    // Lost: the oracle's losses that would have reached the server before its capture stopped.
    const expectLost = oracle.toServer.lost.filter((l) => l.time! + 0.0100 <= end - 0.002);
    const found = lostEvents(p, 'toServer');
    expect(found.length).toBeGreaterThanOrEqual(expectLost.length);
    expect(found.length).toBeLessThan(58);
    for (const l of frameAndKind(expectLost)) expect(found).toContainEqual(l);
    for (const l of found) expect(frameAndKind(oracle.toServer.lost)).toContainEqual(l);
    expect(p.packets.toServer.notComparable).toBeGreaterThan(100);
  });

  it('a missing file is reported by name, not thrown', async () => {
    const r = await correlate([join(tmp, 'nope.pcap'), client('refused')]);
    expect(r.pairs).toEqual([]);
    expect(r.captures[0]!.error).toMatch(/nope\.pcap: cannot open: no such file/);
  });
});
