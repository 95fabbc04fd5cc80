// `tcpdiag analyze client server` and `tcpdiag flows client server` as a user runs them (the built CLI):
// two captures of the same traffic read together, checked against the lab bridge's own log of every
// packet it dropped (labels.dropped_on_path) and the server kernel's TcpExtListenOverflows.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { correlate } from '../../src/correlate/correlate.js';
import type { Correlation, KindCounts, PairCorrelation } from '../../src/correlate/model.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/tcpdiag.js');
const ACC = 'fixtures/accuracy/';

function tcpdiag(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', GITHUB_ACTIONS: '' }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateReport = ajv.compile(JSON.parse(readFileSync(`${ROOT}schema/report.schema.json`, 'utf8')) as object);
const validateFlow = ajv.compile(JSON.parse(readFileSync(`${ROOT}schema/flow.schema.json`, 'utf8')) as object);

const client = (s: string) => `${ACC}${s}/client.pcap.gz`;
const server = (s: string) => `${ACC}${s}/server.pcap.gz`;

interface Drop { t: number; dir: string; src?: string; dst?: string; sport?: number; dport?: number; seq?: number; ack?: number; flags?: string; len?: number; ip_id?: number }
interface Labels {
  dropped_on_path: Drop[];
  dropped_on_path_logged: boolean;
  kernel_counters_delta: Record<string, number>;
}
const labels = (s: string): Labels => JSON.parse(readFileSync(`${ROOT}${ACC}${s}/labels.json`, 'utf8'));

// --- the bridge's log, in the correlation's terms ---------------------------------------------------------

type Dir = 'toServer' | 'toClient';
/** The lab's bridge: r0 is the client's side (labels.test.ts checks this against the captures). */
const dirOf = (d: Drop): Dir => (d.dir === 'r0->r1' ? 'toServer' : 'toClient');

/** As correlate/stats.ts kindOf, from the bridge's flag letters. */
function kindOf(flags: string, len: number): keyof KindCounts {
  if (flags.includes('S')) return flags.includes('A') ? 'synAck' : 'syn';
  if (flags.includes('R')) return 'rst';
  if (len > 0) return 'data';
  if (flags.includes('F')) return 'fin';
  return 'ack';
}

const tcpDrops = (l: Labels) => l.dropped_on_path.filter((d) => d.sport !== undefined); // not ARP

interface Spans { captures: { path: string; start: number; end: number }[]; pairs: { pathDelay: number; roles: { clientSide: string; serverSide: string } }[] }
/**
 * The bridge's drops that the receiver's capture could have seen: due there (bridge time + path delay) while it ran.
 * A drop due before it started is "not comparable", never "lost" (healthy-lossy-logged: one SYN, due 0.6 ms
 * before the server's capture began).
 */
function comparableDrops(l: Labels, c: Spans): Drop[] {
  const pair = c.pairs[0]!;
  const span = (path: string) => c.captures.find((x) => path.endsWith(x.path) || x.path.endsWith(path))!;
  const receiver = { toServer: span(pair.roles.serverSide), toClient: span(pair.roles.clientSide) };
  return tcpDrops(l).filter((d) => {
    const due = d.t + pair.pathDelay;
    const r = receiver[dirOf(d)];
    return due >= r.start && due <= r.end;
  });
}
const packetKey = (d: Drop) => [d.src, d.sport, d.dst, d.dport, d.seq, d.ack, d.flags, d.len, d.ip_id].join(' ');

function bridgeByKind(drops: Drop[]): Record<Dir, Record<string, number>> {
  const out: Record<Dir, Record<string, number>> = { toServer: {}, toClient: {} };
  for (const d of drops) {
    const k = kindOf(d.flags!, d.len!);
    out[dirOf(d)][k] = (out[dirOf(d)][k] ?? 0) + 1;
  }
  for (const dir of ['toServer', 'toClient'] as const) out[dir].total = Object.values(out[dir]).reduce((a, b) => a + b, 0);
  return out;
}

function withoutZeros(k: KindCounts | Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(k).filter(([, v]) => v > 0));
}

// --- packets of a capture by frame number (classic pcap, Ethernet, IPv4), as labels.test.ts reads them ----

const FLAG_LETTERS = 'FSRPAUEC';

function packetKeys(path: string): (string | null)[] {
  const raw = readFileSync(path);
  const buf = gunzipSync(raw);
  expect(buf.readUInt32LE(0)).toBe(0xa1b2c3d4);
  expect(buf.readUInt32LE(20)).toBe(1);
  const out: (string | null)[] = [null]; // frame numbers start at 1
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = buf.readUInt32LE(off + 8);
    const f = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let l3 = 14;
    let etype = f.readUInt16BE(12);
    while (etype === 0x8100 || etype === 0x88a8) {
      etype = f.readUInt16BE(l3 + 2);
      l3 += 4;
    }
    if (etype !== 0x0800 || f[l3 + 9] !== 6) {
      out.push(null);
      continue;
    }
    const ihl = (f[l3]! & 15) * 4;
    const l4 = l3 + ihl;
    const fl = f[l4 + 13]!;
    const flags = [...FLAG_LETTERS].filter((_, i) => (fl >> i) & 1).join('');
    const len = f.readUInt16BE(l3 + 2) - ihl - (f[l4 + 12]! >> 4) * 4;
    const ip = (o: number) => `${f[o]}.${f[o + 1]}.${f[o + 2]}.${f[o + 3]}`;
    out.push([ip(l3 + 12), f.readUInt16BE(l4), ip(l3 + 16), f.readUInt16BE(l4 + 2), f.readUInt32BE(l4 + 4), f.readUInt32BE(l4 + 8), flags, len, f.readUInt16BE(l3 + 4)].join(' '));
  }
  return out;
}

/** Every packet the correlation says was lost on the path, as "direction key", sorted (a multiset). */
function lostPackets(p: PairCorrelation): string[] {
  const frames = { clientSide: packetKeys(p.roles.clientSide), serverSide: packetKeys(p.roles.serverSide) };
  const out: string[] = [];
  for (const c of p.connections) {
    expect(c.eventsOmitted, c.key).toBe(0);
    for (const e of c.events) {
      if (e.fate !== 'lostOnPath') continue;
      const key = frames[e.capture][e.frame];
      expect(key, `${e.capture} frame ${e.frame}`).toBeTruthy();
      out.push(`${e.direction} ${key}`);
    }
  }
  return out.sort();
}

// --- runs, shared by the tests of a scenario ------------------------------------------------------------

const reports = new Map<string, any>();
function analyzeJson(s: string, ...extra: string[]): any {
  const id = [s, ...extra].join(' ');
  if (!reports.has(id)) {
    const r = tcpdiag(['analyze', client(s), server(s), '--format', 'json', '--fail-on', 'never', ...extra]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    reports.set(id, JSON.parse(r.stdout));
  }
  return reports.get(id);
}

const correlations = new Map<string, Promise<Correlation>>();
function correlated(s: string): Promise<Correlation> {
  if (!correlations.has(s)) correlations.set(s, correlate([join(ROOT, client(s)), join(ROOT, server(s))]));
  return correlations.get(s)!;
}

const LOSSY = ['loss-3', 'loss-8', 'loss-15', 'loss-20', 'overflow-loss-abort0', 'overflow-loss-abort1', 'healthy-lossy-logged'];
const LOSS_ONLY = ['loss-3', 'loss-8', 'loss-15', 'loss-20', 'healthy-lossy-logged'];
const OVERFLOW = ['overflow-loss-abort0', 'overflow-loss-abort1'];

describe('analyze client server: packets lost on the path equal the bridge log', () => {
  for (const s of LOSSY) {
    it(`${s}: the correlation object, by kind each way, equals what the bridge dropped`, () => {
      const l = labels(s);
      expect(l.dropped_on_path_logged).toBe(true);
      const r = analyzeJson(s);
      expect(validateReport(r) ? [] : validateReport.errors).toEqual([]);
      expect(r.correlation.unpaired).toEqual([]);
      expect(r.correlation.pairs).toHaveLength(1);
      const p = r.correlation.pairs[0];
      expect([p.roles.clientSide, p.roles.serverSide]).toEqual([client(s), server(s)]);
      expect(p.connectionsMatched).toBeGreaterThan(0);
      // Never assumed: the lab's two namespaces share one clock, so the offset found is near zero, and the bridge delays 10 ms.
      expect(Math.abs(p.clockOffset)).toBeLessThan(0.001);
      expect(p.pathDelay).toBeGreaterThan(0.009);
      const comparable = comparableDrops(l, r.correlation);
      const bridge = bridgeByKind(comparable);
      expect(bridge.toServer.total + bridge.toClient.total).toBeGreaterThan(10);
      expect(withoutZeros(p.lostOnPath.toServer)).toEqual(bridge.toServer);
      expect(withoutZeros(p.lostOnPath.toClient)).toEqual(bridge.toClient);
      expect(p.packets.toServer.lostOnPath + p.packets.toClient.lostOnPath).toBe(comparable.length);
      // What the bridge dropped before the receiver's capture began is not comparable (one packet, in one scenario).
      const early = tcpDrops(l).length - comparable.length;
      expect(early).toBe(s === 'healthy-lossy-logged' ? 1 : 0);
      expect(p.packets.toServer.notComparable + p.packets.toClient.notComparable).toBeGreaterThanOrEqual(early);
    });

    it(`${s}: the very packets: every one the correlation calls lost is one the bridge dropped, and none other`, async () => {
      const c = await correlated(s);
      const p = c.pairs[0]!;
      const bridge = comparableDrops(labels(s), c as unknown as Spans).map((d) => `${dirOf(d)} ${packetKey(d)}`).sort();
      expect(lostPackets(p)).toEqual(bridge);
    });
  }
});

describe('analyze client server: host drops and verdicts', () => {
  for (const s of OVERFLOW) {
    it(`${s}: host drops at the server within 5% of TcpExtListenOverflows, and the overflow confirmed at both vantage points`, () => {
      const r = analyzeJson(s);
      const p = r.correlation.pairs[0];
      const host = p.droppedAtHost.total + p.resetAtHost.total;
      const overflows = labels(s).kernel_counters_delta.TcpExtListenOverflows!;
      expect(overflows).toBeGreaterThan(50);
      expect(Math.abs(host - overflows) / overflows).toBeLessThanOrEqual(0.05);
      const overflow = r.findings.filter((f: any) => f.id === 'accept-queue-overflow');
      expect(overflow.map((f: any) => f.capture).sort()).toEqual([client(s), server(s)]);
      for (const f of overflow) {
        expect(f.severity).toBe('error');
        expect(f.caveats[0]).toMatch(new RegExp(`^Confirmed by correlating .* ${host} packets arrived at the server host and were not answered`));
        expect(f.figures).toContainEqual(['dropped at the server host', expect.stringMatching(new RegExp(`^${p.droppedAtHost.total} \\(`))]);
        if ('confidence' in f) expect(f.confidence).toBe('certain');
      }
      // Without the second capture, the same findings carry no such proof.
      const alone = analyzeJson(s, '--no-correlate');
      expect(alone.correlation).toBeUndefined();
      for (const f of alone.findings) expect(f.caveats.join(' ')).not.toMatch(/Confirmed by correlating/);
    });
  }

  for (const s of LOSS_ONLY) {
    it(`${s}: loss only: no overflow ERROR remains, handshake-loss confirmed where the path lost handshakes`, () => {
      const r = analyzeJson(s);
      const p = r.correlation.pairs[0];
      expect(p.droppedAtHost.total + p.resetAtHost.total).toBe(0);
      expect(r.findings.filter((f: any) => f.id === 'accept-queue-overflow' && f.severity === 'error')).toEqual([]);
      const [syn, ack, synAck] = [p.lostOnPath.toServer.syn, p.lostOnPath.toServer.ack, p.lostOnPath.toClient.synAck];
      expect(syn + synAck).toBeGreaterThan(0);
      const found = r.findings.filter((x: any) => x.id === 'handshake-loss');
      expect(found.length).toBeGreaterThan(0);
      for (const f of found) {
        expect(f.caveats.join('\n')).toMatch(new RegExp(`Confirmed by correlating .*: the path lost SYN ${syn} and ACK ${ack} on the way to the server, SYN-ACK ${synAck} on the way to the client .*the accept queue is ruled out`));
        if ('confidence' in f) expect(f.confidence).toBe('certain');
      }
    });
  }

  it('loss-20: the client capture alone says likely handshake loss (no overflow ERROR); with the server capture it is certain, the queue ruled out', () => {
    const alone = analyzeJson('loss-20', '--no-correlate');
    const aloneAtClient = alone.findings.filter((f: any) => f.capture === client('loss-20'));
    expect(aloneAtClient.map((f: any) => [f.id, f.severity, f.confidence])).toEqual([['handshake-loss', 'warning', 'likely']]);
    const r = analyzeJson('loss-20');
    expect(r.findings.filter((f: any) => f.id === 'accept-queue-overflow')).toEqual([]);
    const atClient = r.findings.filter((f: any) => f.capture === client('loss-20'));
    expect(atClient.map((f: any) => [f.id, f.confidence])).toEqual([['handshake-loss', 'certain']]);
    expect(atClient[0].caveats.join('\n')).toMatch(/Confirmed by correlating .*the accept queue is ruled out/);
  });

  it('every evidence connection names where each of its missing packets went, by frame', async () => {
    for (const s of ['overflow-loss-abort0', 'loss-8']) {
      const r = analyzeJson(s);
      const c = (await correlated(s)).pairs[0]!;
      let named = 0;
      for (const f of r.findings) {
        for (const ev of f.evidence.connections) {
          const conn = c.connections.find((x) => x.flows.some((k) => k.capture.endsWith(f.capture) && k.client === ev.client && k.firstFrame === ev.firstFrame));
          if (!conn) continue;
          for (const e of conn.events) {
            const kind = { syn: 'SYN', synAck: 'SYN-ACK', ack: 'ACK', data: 'data', fin: 'FIN', rst: 'RST' }[e.kind];
            const where = e.fate === 'lostOnPath' ? `lost on the path to the ${e.direction === 'toServer' ? 'server' : 'client'}` : 'dropped at the server host';
            expect(ev.note).toContain(`${kind} frame ${e.frame}`);
            expect(ev.note).toMatch(new RegExp(`${kind} frame ${e.frame}( of the (client|server)-side capture)? ${where}`));
            named++;
          }
        }
      }
      expect(named, s).toBeGreaterThan(3);
    }
    expect(JSON.stringify(analyzeJson('overflow-loss-abort0').findings)).toMatch(/ACK frame \d+ dropped at the server host/);
    expect(JSON.stringify(analyzeJson('loss-8').findings)).toMatch(/SYN-ACK frame \d+ of the server-side capture lost on the path to the client/);
  });
});

describe('analyze: when captures are read together', () => {
  it('--no-correlate, one capture, or stdin: no correlation object', () => {
    expect(analyzeJson('loss-3', '--no-correlate').correlation).toBeUndefined();
    const one = tcpdiag(['analyze', server('loss-3'), '--format', 'json', '--fail-on', 'never']);
    expect(JSON.parse(one.stdout).correlation).toBeUndefined();
  });

  it('ndjson: the correlation is its last line', () => {
    const s = 'loss-3';
    const lines = tcpdiag(['analyze', client(s), server(s), '--format', 'ndjson', '--fail-on', 'never']).stdout.trim().split('\n').map((x) => JSON.parse(x));
    const { type, ...rest } = lines.at(-1);
    expect(type).toBe('correlation');
    expect(rest).toEqual(analyzeJson(s).correlation);
  });

  it('captures of different traffic: listed as unpaired, verdicts untouched', () => {
    const r = tcpdiag(['analyze', server('loss-3'), server('overflow-loss-abort0'), '--format', 'json', '--fail-on', 'never']);
    const doc = JSON.parse(r.stdout);
    expect(validateReport(doc) ? [] : validateReport.errors).toEqual([]);
    expect(doc.correlation.pairs).toEqual([]);
    expect(doc.correlation.unpaired).toEqual([server('loss-3'), server('overflow-loss-abort0')]);
    expect(JSON.stringify(doc.findings)).not.toMatch(/correlating/);
  });

  it('text: which captures, how many connections, clock offset, path delay, lost on the path each way, dropped at the host', () => {
    const s = 'overflow-loss-abort0';
    const r = tcpdiag(['analyze', server(s), client(s)]);
    expect(r.code).toBe(1);
    const p = analyzeJson(s).correlation.pairs[0];
    expect(r.stdout).toContain(`Correlated ${client(s)} (client side) and ${server(s)} (server side): ${p.connectionsMatched} connections matched`);
    expect(r.stdout).toMatch(/\n {2}clock offset [+-]\d+ µs \(server side minus client side, measured from \d+ packets\), path delay 10\.\d ms one way\n/);
    expect(r.stdout).toContain(`lost on the path: to the server 14 (ACK 4, data 9, FIN 1); to the client 5 (ACK 2, data 1, FIN 2)`);
    expect(r.stdout).toContain(`dropped at the server host (arrived, never answered): ${p.droppedAtHost.total} (ACK 11, data 61)`);
    expect(bridgeByKind(tcpDrops(labels(s)))).toEqual({ toServer: { ack: 4, data: 9, fin: 1, total: 14 }, toClient: { ack: 2, data: 1, fin: 2, total: 5 } });
    expect(tcpdiag(['analyze', server(s), client(s), '--no-correlate']).stdout).not.toContain('Correlated');
  });
});

describe('flows client server', () => {
  it('rows carry lostOnPath and droppedAtHost; they add up to the bridge log and the host drops', () => {
    const s = 'overflow-loss-abort0';
    const r = tcpdiag(['flows', client(s), server(s), '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((x) => JSON.parse(x));
    for (const row of rows) expect(validateFlow(row) ? [] : validateFlow.errors).toEqual([]);
    const bridge = bridgeByKind(tcpDrops(labels(s)));
    const p = analyzeJson(s).correlation.pairs[0];
    for (const cap of [client(s), server(s)]) {
      const mine = rows.filter((x) => x.capture === cap);
      expect(mine.length).toBe(p.connectionsMatched);
      expect(mine.every((x) => x.lostOnPath && typeof x.droppedAtHost === 'number')).toBe(true);
      expect(mine.reduce((a, x) => a + x.lostOnPath.toServer, 0)).toBe(bridge.toServer.total);
      expect(mine.reduce((a, x) => a + x.lostOnPath.toClient, 0)).toBe(bridge.toClient.total);
      expect(mine.reduce((a, x) => a + x.droppedAtHost, 0)).toBe(p.droppedAtHost.total);
    }
    const one = tcpdiag(['flows', client(s), '--format', 'ndjson']);
    expect(one.stdout.trim().split('\n').some((x) => 'lostOnPath' in JSON.parse(x))).toBe(false);
  });
});
