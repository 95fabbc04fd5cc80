import { formatAddress, formatEndpoint } from '../decode/address.js';
import { estimateClock } from './clock.js';
import { coverResegmented, pairCopies } from './copies.js';
import { hostDrops } from './host-drops.js';
import { joinDirection } from './join.js';
import type {
  CaptureSpan, ConnectionCorrelation, Correlation, FateCounts, ListenerCorrelation, PacketEvent, PairCorrelation,
} from './model.js';
import { BYTES_PER_PACKET, DEFAULT_MAX_PACKETS, indexCapture, type IndexedConnection, type PacketIndex } from './packet-index.js';
import { pairConnections, type ConnectionPair } from './pairing.js';
import { countKind, kindCounts, kindOf, seconds9, Samples } from './stats.js';
import { epochNumber, MS, nanos } from '../capture/time-base.js';

export interface CorrelateOptions {
  /** Bound of the packet index, per capture (default 2 million packets, ~80 MB; see packet-index.ts). */
  maxPacketsPerCapture?: number;
  /** How long the server capture must go on after an unanswered packet to call it dropped (default 1 s). */
  answerWindow?: number;
  /** How much slower than the minimum one-way delay a packet may be and still be the same one (default 3 s). */
  maxQueueing?: number;
  /** Connections two captures must share (by ISN) to be paired (default 1). */
  minConnections?: number;
  /** Above this many departure × arrival pairings of one packet identity, a linear pass pairs them (default 4096; only tests change it). */
  maxPairings?: number;
}

const MAX_EVENTS = 32;
const MAX_PAIRINGS = 4096;
/** Below the minimum one-way delay a match is still accepted by this much (timestamp jitter). */
const EARLY_TOLERANCE_NS = 1 * MS;

/**
 * Correlates every two of `paths` that share connections: clock offset, path delay, and for every
 * packet one end sent whether it arrived, was lost on the path, or cannot be compared; and which
 * packets the server's host dropped. Captures are read one after another; those that may pair stay
 * indexed until the end (see packet-index.ts for the bound).
 *
 * Two captures are indexed at once. Three or more (a folder of saved captures, most of them of other
 * traffic) are first read for their connections alone, and only those that share a client ISN with
 * another are then indexed: a pair needs one connection by ISN (minConnections), and an index of every
 * capture, held to the end, grew with their number (~220 MB more for each 1 M-packet capture; BENCHMARKS.md,
 * session 18). The captures that do pair are read twice.
 */
export async function correlate(paths: string[], opts: CorrelateOptions = {}): Promise<Correlation> {
  const maxPackets = opts.maxPacketsPerCapture ?? DEFAULT_MAX_PACKETS;
  const minConnections = opts.minConnections ?? 1;
  const spans: CaptureSpan[] = [];
  const indexes: (PacketIndex | null)[] = [];
  if (paths.length <= 2 || minConnections < 1) {
    for (const p of paths) indexes.push(await indexCapture(p, maxPackets));
    for (const x of indexes) spans.push(span(x!));
  } else {
    const isns: Uint32Array[] = [];
    for (const p of paths) {
      const x = await indexCapture(p, maxPackets, false);
      spans.push(span(x));
      isns.push(clientIsns(x));
    }
    const sharing = sharingAnIsn(isns);
    for (let i = 0; i < paths.length; i++) indexes.push(sharing[i] ? await indexCapture(paths[i]!, maxPackets) : null);
  }
  const pairs: PairCorrelation[] = [];
  const paired = new Set<number>();
  for (let i = 0; i < indexes.length; i++) {
    for (let j = i + 1; j < indexes.length; j++) {
      // A capture not indexed shares no client ISN with any other: it pairs with none.
      if (!indexes[i] || !indexes[j]) continue;
      const shared = pairConnections(indexes[i]!, indexes[j]!);
      const byIsn = shared.filter((p) => p.by !== 'tuple').length;
      if (byIsn < minConnections) continue;
      pairs.push(correlatePair(indexes[i]!, indexes[j]!, shared, opts));
      paired.add(i);
      paired.add(j);
    }
  }
  return {
    captures: spans,
    pairs,
    unpaired: paths.filter((_, i) => !paired.has(i)),
    memory: { maxPacketsPerCapture: maxPackets, bytesPerPacket: BYTES_PER_PACKET },
  };
}

/** The capture's client ISNs, sorted, each once. */
function clientIsns(x: PacketIndex): Uint32Array {
  const out = new Uint32Array(x.connections.length);
  let n = 0;
  for (const c of x.connections) if (c.isnClient !== -1) out[n++] = c.isnClient;
  const sorted = out.subarray(0, n).sort();
  let m = 0;
  for (let k = 0; k < n; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[m++] = sorted[k]!;
  return sorted.slice(0, m);
}

/** Which captures share a client ISN with another: every two sorted lists merged. */
function sharingAnIsn(isns: Uint32Array[]): boolean[] {
  const out = isns.map(() => false);
  for (let i = 0; i < isns.length; i++) {
    for (let j = i + 1; j < isns.length; j++) {
      if (out[i] && out[j]) continue;
      const a = isns[i]!;
      const b = isns[j]!;
      for (let p = 0, q = 0; p < a.length && q < b.length; ) {
        if (a[p]! < b[q]!) p++;
        else if (a[p]! > b[q]!) q++;
        else {
          out[i] = true;
          out[j] = true;
          break;
        }
      }
    }
  }
  return out;
}

function span(x: PacketIndex): CaptureSpan {
  const empty = x.frames === 0;
  return {
    path: x.path,
    frames: x.frames,
    tcpPackets: x.count,
    connections: x.connections.length,
    start: empty ? null : epochNumber(x.baseSec, x.start),
    end: empty ? null : epochNumber(x.baseSec, x.end),
    indexFull: x.full,
    error: x.error,
  };
}

/**
 * The last server endpoint written out, and its text: most connections of a pair go to a few listeners, and
 * serverOf is asked several times for each (writing an address out was ~5% of a large pair's correlation).
 */
const lastServer = { v: 0, w0: 0, w1: 0, w2: 0, w3: 0, port: -1, text: '' };

function serverOf(c: IndexedConnection): string {
  const s = c.server;
  const m = lastServer;
  if (m.port !== c.serverPort || m.w3 !== s[3] || m.w2 !== s[2] || m.w1 !== s[1] || m.w0 !== s[0] || m.v !== c.ipVersion) {
    m.v = c.ipVersion;
    m.w0 = s[0];
    m.w1 = s[1];
    m.w2 = s[2];
    m.w3 = s[3];
    m.port = c.serverPort;
    m.text = formatEndpoint(c.ipVersion, s[0], s[1], s[2], s[3], c.serverPort);
  }
  return m.text;
}

function clientOf(c: IndexedConnection): string {
  return formatEndpoint(c.ipVersion, c.client[0], c.client[1], c.client[2], c.client[3], c.clientPort);
}

function clientHostOf(c: IndexedConnection): string {
  return formatAddress(c.ipVersion, c.client[0], c.client[1], c.client[2], c.client[3]);
}

function fates(): FateCounts {
  return { sent: 0, arrived: 0, arrivedResegmented: 0, lostOnPath: 0, notComparable: 0, arrivedWithoutDeparture: 0 };
}

interface ListenerState {
  out: ListenerCorrelation;
  toServer: Samples;
  toClient: Samples;
}

function correlatePair(x: PacketIndex, y: PacketIndex, shared: ConnectionPair[], opts: CorrelateOptions): PairCorrelation {
  // The options are seconds; the packet times nanoseconds (packet-index.ts).
  const answerWindow = nanos(opts.answerWindow ?? 1);
  const maxQueueing = nanos(opts.maxQueueing ?? 3);
  const maxPairings = opts.maxPairings ?? MAX_PAIRINGS;

  const { xIsClient, roles, offset, pathDelay, hasClock, samples, withIpId } = estimateClock(x, y, shared);
  const C = xIsClient ? x : y;
  const S = xIsClient ? y : x;
  const oriented = shared.map((p) => (xIsClient ? { c: p.a, s: p.b, by: p.by } : { c: p.b, s: p.a, by: p.by }));

  // Scope: the listeners and client hosts the shared connections show.
  const listenerOfC = new Map<string, string>(); // server endpoint as C sees it → as S sees it
  const clientHostsS = new Set<string>();
  for (const p of oriented) {
    listenerOfC.set(serverOf(p.c), serverOf(p.s));
    clientHostsS.add(clientHostOf(p.s));
  }
  const listenersS = new Set(listenerOfC.values());
  const listeners = new Map<string, ListenerState>();
  const listenerState = (name: string): ListenerState => {
    let l = listeners.get(name);
    if (!l) {
      l = {
        out: {
          listener: name, connections: 0, lostOnPath: { toServer: kindCounts(), toClient: kindCounts() },
          droppedAtHost: kindCounts(), resetAtHost: kindCounts(),
          oneWayDelay: { toServer: { count: 0, min: null, p50: null, p90: null, p99: null, max: null }, toClient: { count: 0, min: null, p50: null, p90: null, p99: null, max: null } },
        },
        toServer: new Samples(),
        toClient: new Samples(),
      };
      listeners.set(name, l);
    }
    return l;
  };

  const work: { c: IndexedConnection | null; s: IndexedConnection | null; by: ConnectionCorrelation['matchedBy'] }[] = oriented.map((p) => ({ ...p }));
  const pairedC = new Set(oriented.map((p) => p.c.id));
  const pairedS = new Set(oriented.map((p) => p.s.id));
  let onlyC = 0;
  let onlyS = 0;
  for (const c of C.connections) {
    if (!pairedC.has(c.id) && listenerOfC.has(serverOf(c))) {
      work.push({ c, s: null, by: null });
      onlyC++;
    }
  }
  for (const s of S.connections) {
    if (!pairedS.has(s.id) && listenersS.has(serverOf(s)) && clientHostsS.has(clientHostOf(s))) {
      work.push({ c: null, s, by: null });
      onlyS++;
    }
  }

  const packets = { toServer: fates(), toClient: fates() };
  const lostOnPath = { toServer: kindCounts(), toClient: kindCounts() };
  const droppedAtHost = kindCounts();
  const resetAtHost = kindCounts();
  const delayToServer = new Samples();
  const delayToClient = new Samples();
  const connections: ConnectionCorrelation[] = [];
  // Unanswered senders wait for the grace at the receiver's end, known once every delay is.
  const unassigned: { facts: ConnectionCorrelation; l: ListenerState; toServer: boolean; i: number }[] = [];

  const addEvent = (facts: ConnectionCorrelation, e: PacketEvent) => {
    if (facts.events.length < MAX_EVENTS) facts.events.push(e);
    else facts.eventsOmitted++;
  };

  for (const w of work) {
    const ref = w.s ?? w.c!;
    const listener = w.s ? serverOf(w.s) : listenerOfC.get(serverOf(w.c!))!;
    const l = listenerState(listener);
    l.out.connections++;
    const flows = [];
    if (w.c) flows.push({ capture: C.path, client: clientOf(w.c), server: serverOf(w.c), firstFrame: w.c.firstFrame });
    if (w.s) flows.push({ capture: S.path, client: clientOf(w.s), server: serverOf(w.s), firstFrame: w.s.firstFrame });
    const facts: ConnectionCorrelation = {
      key: `${clientOf(ref)}>${serverOf(ref)}#${ref.isnClient === -1 ? '-' : ref.isnClient}`,
      isnClient: ref.isnClient === -1 ? null : ref.isnClient,
      isnServer: ref.isnServer === -1 ? (w.c && w.c.isnServer !== -1 ? w.c.isnServer : null) : ref.isnServer,
      matchedBy: w.by,
      flows,
      lostOnPath: { toServer: 0, toClient: 0 },
      droppedAtHost: 0,
      resetAtHost: 0,
      events: [],
      eventsOmitted: 0,
    };
    connections.push(facts);
    if (!hasClock) continue;
    for (const toServer of [true, false]) {
      const P = toServer ? C : S; // sender's capture
      const Q = toServer ? S : C; // receiver's capture
      const pc = toServer ? w.c : w.s;
      const qc = toServer ? w.s : w.c;
      const shift = toServer ? offset : -offset; // receiver's clock minus sender's
      const base = nanos(Q.baseSec - P.baseSec) - shift;
      const f = toServer ? packets.toServer : packets.toClient;
      const all = toServer ? delayToServer : delayToClient;
      const mine = toServer ? l.toServer : l.toClient;
      const window = { base, pathDelay, lo: pathDelay - EARLY_TOLERANCE_NS, hi: pathDelay + maxQueueing, maxPairings };
      const leftP: number[] = [];
      const leftQ: number[] = [];
      joinDirection(P, pc, Q, qc, toServer ? 1 : 0, (psAll, p0, p1, qsAll, q0, q1) => {
        f.sent += p1 - p0;
        if (p1 - p0 === 1 && q1 - q0 === 1) {
          // The usual case, one departure and one arrival: nothing to allocate.
          const d = Q.time[qsAll[q0]!]! - P.time[psAll[p0]!]! + base;
          if (d >= window.lo && d <= window.hi) {
            f.arrived++;
            all.push(d);
            mine.push(d);
          } else {
            leftP.push(psAll[p0]!);
            leftQ.push(qsAll[q0]!);
          }
          return;
        }
        if (p1 === p0 || q1 === q0) {
          // Sent and not seen arriving, or seen arriving and not sent: nothing to pair (pairCopies would pair none).
          for (let k = p0; k < p1; k++) leftP.push(psAll[k]!);
          for (let k = q0; k < q1; k++) leftQ.push(qsAll[k]!);
          return;
        }
        // Copies on either side: views of joinDirection's scratch, used only within this call.
        const ps = psAll.subarray(p0, p1);
        const qs = qsAll.subarray(q0, q1);
        const usedQ = new Uint8Array(qs.length);
        const usedP = new Uint8Array(ps.length);
        pairCopies(P, ps, Q, qs, window, usedP, usedQ, (i, j, d) => {
          usedP[i] = 1;
          usedQ[j] = 1;
          f.arrived++;
          all.push(d);
          mine.push(d);
        });
        for (let i = 0; i < ps.length; i++) if (!usedP[i]) leftP.push(ps[i]!);
        for (let j = 0; j < qs.length; j++) if (!usedQ[j]) leftQ.push(qs[j]!);
      }, withIpId);
      // Data cut up or merged on the way (TSO/GSO at the sender, GRO at the receiver, a middlebox).
      const covered = coverResegmented(P, leftP, Q, leftQ, window);
      f.arrived += covered.p.size;
      f.arrivedResegmented += covered.p.size;
      for (const i of leftP) if (!covered.p.has(i)) unassigned.push({ facts, l, toServer, i });
      for (const j of leftQ) {
        if (covered.q.has(j)) continue;
        // Departure time in the sender's clock had it left pathDelay earlier.
        const t = Q.time[j]! + base - pathDelay;
        if (t >= P.start && t <= P.end) f.arrivedWithoutDeparture++;
      }
    }
  }

  if (hasClock) {
    const graceToServer = Math.max(delayToServer.max() - pathDelay, EARLY_TOLERANCE_NS);
    const graceToClient = Math.max(delayToClient.max() - pathDelay, EARLY_TOLERANCE_NS);
    for (const u of unassigned) {
      const P = u.toServer ? C : S;
      const Q = u.toServer ? S : C;
      const shift = u.toServer ? offset : -offset;
      const arrival = P.time[u.i]! + nanos(P.baseSec - Q.baseSec) + shift + pathDelay;
      const grace = u.toServer ? graceToServer : graceToClient;
      const f = u.toServer ? packets.toServer : packets.toClient;
      if (arrival < Q.start || arrival > Q.end - grace) {
        f.notComparable++;
        continue;
      }
      f.lostOnPath++;
      const kind = kindOf(P.flags[u.i]!, P.len[u.i]!);
      const dir = u.toServer ? 'toServer' : 'toClient';
      countKind(lostOnPath[dir], kind);
      countKind(u.l.out.lostOnPath[dir], kind);
      u.facts.lostOnPath[dir]++;
      addEvent(u.facts, { fate: 'lostOnPath', kind, direction: dir, capture: u.toServer ? 'clientSide' : 'serverSide', frame: P.frame[u.i]!, time: P.epoch(u.i) });
    }
  }

  // Host drops, from the server's capture: every connection in scope that it saw.
  for (let k = 0; k < work.length; k++) {
    const w = work[k]!;
    if (!w.s) continue;
    const facts = connections[k]!;
    const l = listenerState(serverOf(w.s));
    hostDrops(S, w.s, answerWindow, (i, fate) => {
      const kind = kindOf(S.flags[i]!, S.len[i]!);
      if (fate === 'dropped') {
        countKind(droppedAtHost, kind);
        countKind(l.out.droppedAtHost, kind);
        facts.droppedAtHost++;
      } else {
        countKind(resetAtHost, kind);
        countKind(l.out.resetAtHost, kind);
        facts.resetAtHost++;
      }
      addEvent(facts, { fate: fate === 'dropped' ? 'droppedAtHost' : 'resetAtHost', kind, direction: 'toServer', capture: 'serverSide', frame: S.frame[i]!, time: S.epoch(i) });
    });
  }
  for (const f of connections) f.events.sort((a, b) => a.time - b.time);

  const matchedBy = { 'tuple+isn': 0, 'nat+isn': 0, tuple: 0 };
  for (const p of shared) matchedBy[p.by]++;
  for (const l of listeners.values()) l.out.oneWayDelay = { toServer: l.toServer.percentiles(), toClient: l.toClient.percentiles() };
  return {
    captures: [C.path, S.path],
    roles,
    connectionsMatched: matchedBy['tuple+isn'] + matchedBy['nat+isn'],
    matchedBy,
    connectionsOnlyIn: { clientSide: onlyC, serverSide: onlyS },
    clockOffset: hasClock ? seconds9(offset) : null,
    pathDelay: hasClock ? seconds9(pathDelay) : null,
    clockSamples: samples,
    matchedOnIpId: withIpId,
    packets,
    lostOnPath,
    droppedAtHost,
    resetAtHost,
    oneWayDelay: { toServer: delayToServer.percentiles(), toClient: delayToClient.percentiles() },
    listeners: [...listeners.values()].map((l) => l.out),
    connections,
  };
}
