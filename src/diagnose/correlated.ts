// Verdicts from two captures of the same traffic (correlate/). One capture can only infer whether a
// missing packet was lost on the way or arrived and was dropped; a capture at each end proves it:
// - the server host dropped packets that arrived (host drops) → the accept-queue overflow is confirmed,
//   at either vantage point (`certain` where findings carry a confidence);
// - the path lost handshake packets → handshake-loss is confirmed;
// - the path lost packets and the server host dropped none → the queue is ruled out: an overflow
//   finding on that listener is withdrawn and replaced by (or folded into) handshake-loss. Withdrawn,
//   not downgraded: the server's own capture shows every packet that reached it was answered, so a
//   full queue is disproved, and an overflow finding kept at any severity would keep its fix (raise
//   the backlog) in front of an operator whose problem is the network.
// Every evidence connection the correlation knows gets, in its note, where each missing packet went.

import type { ConnectionCorrelation, Correlation, Kind, KindCounts, ListenerCorrelation, PacketEvent, PairCorrelation } from '../correlate/model.js';
import { port, whereOf } from './detector.js';
import type { AcceptQueueOverflowFinding } from './detectors/accept-queue-overflow.js';
import { handshakeLoss, type HandshakeLossFinding } from './detectors/handshake-loss.js';
import type { EvidenceConnection } from './evidence.js';
import { plural } from './plural.js';
import type { Finding } from './registry.js';
import { SEVERITY_RANK } from './severity.js';

const KIND: Record<Kind, string> = { syn: 'SYN', synAck: 'SYN-ACK', ack: 'ACK', data: 'data', fin: 'FIN', rst: 'RST' };

function kindList(k: KindCounts): string {
  return (Object.keys(KIND) as Kind[]).filter((x) => k[x] > 0).map((x) => `${KIND[x]} ${k[x]}`).join(', ');
}

function kinds(k: KindCounts): string {
  return k.total > 0 ? `${k.total} (${kindList(k)})` : '0';
}

/** Sets `confidence` to `certain` on findings that carry one (compiles with or without the field). */
function makeCertain<F extends object>(f: F): F {
  return 'confidence' in f ? { ...f, confidence: 'certain' } : f;
}

/** The pair's facts for the listener a finding names (as its capture sees it; by port when a NAT changed the address). */
function listenerOf(pair: PairCorrelation, listener: string): ListenerCorrelation | null {
  const exact = pair.listeners.find((l) => l.listener === listener);
  if (exact) return exact;
  const port = listener.slice(listener.lastIndexOf(':'));
  const same = pair.listeners.filter((l) => l.listener.endsWith(port));
  return same.length === 1 ? same[0]! : null;
}

function handshakeLost(l: ListenerCorrelation): number {
  return l.lostOnPath.toServer.syn + l.lostOnPath.toServer.ack + l.lostOnPath.toClient.synAck;
}

function pathText(l: ListenerCorrelation): string {
  return `to the server ${kinds(l.lostOnPath.toServer)}, to the client ${kinds(l.lostOnPath.toClient)}`;
}

function hostText(l: ListenerCorrelation): string {
  const dropped = l.droppedAtHost.total > 0 ? `dropped: ${kindList(l.droppedAtHost)}` : '';
  const reset = l.resetAtHost.total > 0 ? `answered by a RST: ${kindList(l.resetAtHost)}` : '';
  return [dropped, reset].filter(Boolean).join('; ');
}

function pairName(pair: PairCorrelation): string {
  return `${pair.roles.clientSide} (client side) and ${pair.roles.serverSide} (server side)`;
}

function eventText(e: PacketEvent, pair: PairCorrelation, capture: string): string {
  const where = e.fate === 'lostOnPath'
    ? `lost on the path to the ${e.direction === 'toServer' ? 'server' : 'client'}`
    : e.fate === 'droppedAtHost' ? 'dropped at the server host' : 'answered by a RST at the server host';
  const path = e.capture === 'clientSide' ? pair.roles.clientSide : pair.roles.serverSide;
  const frame = path === capture ? `frame ${e.frame}` : `frame ${e.frame} of the ${e.capture === 'clientSide' ? 'client' : 'server'}-side capture`;
  return `${KIND[e.kind]} ${frame} ${where}`;
}

const keyOf = (capture: string, client: string, server: string, firstFrame: number) => `${capture}\t${client}\t${server}\t${firstFrame}`;

function withWhereabouts(ev: EvidenceConnection, capture: string, pair: PairCorrelation, byFlow: Map<string, ConnectionCorrelation>): EvidenceConnection {
  const c = byFlow.get(keyOf(capture, ev.client, ev.server, ev.firstFrame));
  if (!c || c.events.length === 0) return ev;
  const said = c.events.map((e) => eventText(e, pair, capture)).join(', ') + (c.eventsOmitted > 0 ? `, and ${c.eventsOmitted} more` : '');
  return { ...ev, note: ev.note ? `${ev.note}; ${said}` : said };
}

/** The overflow finding, withdrawn: the same connections reported as handshake loss. */
function asHandshakeLoss(f: AcceptQueueOverflowFinding, l: ListenerCorrelation): HandshakeLossFinding {
  const {
    abortOnOverflow: _a, droppedSegments: _d, resets: _r, synDrops: _s, ignoredHandshakes: _i, recovered: _rc, failed: _f,
    addedLatency: _al, latencyHistogram: _lh, acceptQueueEstimate: _q, peakHandshakesPerSecond: _p, ...common
  } = f;
  const lost = l.lostOnPath.toServer.total + l.lostOnPath.toClient.total;
  return {
    ...common,
    id: 'handshake-loss',
    severity: handshakeLoss.severity,
    verdict: `${plural(lost, 'packet')} to and from ${f.listener} were lost on the path and the server host dropped none: the handshakes failed on the network, not in a full accept queue.`,
    figures: [],
    evidence: { ...common.evidence, filter: `tcp.port==${port(f.listener)} && tcp.flags.syn==1 && tcp.analysis.retransmission` },
    fix: handshakeLoss.advice(whereOf(f.listener)),
    confirm: ['ip -s link   # interface errors and drops', 'nstat -az TcpRetransSegs TcpExtTCPSynRetrans'],
    explain: `tcpdiag explain ${handshakeLoss.id}`,
    caveats: [],
  };
}

/** One capture's findings, judged again with one pair it belongs to. */
function applyPair(capture: string, findings: Finding[], pair: PairCorrelation): Finding[] {
  const byFlow = new Map<string, ConnectionCorrelation>();
  // Keys only for this capture's flows that some evidence connection starts at the frame of: a key written out for
  // every flow of a large pair, for each of its two captures, was 5% of its analyze (BENCHMARKS.md, session 18).
  const wanted = new Set<number>();
  for (const f of findings) for (const ev of f.evidence.connections) wanted.add(ev.firstFrame);
  for (const c of pair.connections) {
    for (const k of c.flows) if (k.capture === capture && wanted.has(k.firstFrame)) byFlow.set(keyOf(k.capture, k.client, k.server, k.firstFrame), c);
  }
  const out: Finding[] = [];
  const replaced = new Map<string, HandshakeLossFinding>();
  for (const f0 of findings) {
    let f: Finding = { ...f0, evidence: { ...f0.evidence, connections: f0.evidence.connections.map((ev) => withWhereabouts(ev, capture, pair, byFlow)) } };
    const l = listenerOf(pair, f.listener);
    if (!l) {
      out.push(f);
      continue;
    }
    const host = l.droppedAtHost.total + l.resetAtHost.total;
    const path = l.lostOnPath.toServer.total + l.lostOnPath.toClient.total;
    const proof = `correlating ${pairName(pair)} on ${plural(l.connections, 'connection')} of this listener`;
    if (f.id === 'accept-queue-overflow') {
      if (host > 0) {
        f = makeCertain({
          ...f,
          figures: [...f.figures, ['dropped at the server host', kinds(l.droppedAtHost)], ...(l.resetAtHost.total > 0 ? [['reset at the server host', kinds(l.resetAtHost)] as [string, string]] : []), ['lost on the path', String(path)]],
          caveats: [
            `Confirmed by ${proof}: ${plural(host, 'packet')} arrived at the server host and were not answered (${hostText(l)}), ` +
              (path === 0 ? 'and the path lost none: the queue, not the network.' : `while the path lost ${path} (${pathText(l)}): both were at work.`) +
              ' A host firewall dropping after the capture point would look the same; nstat TcpExtListenOverflows tells them apart.',
            ...f.caveats,
          ],
        });
      } else if (path > 0) {
        // Ruled out: withdrawn, and its connections reported as handshake loss (merged below if that finding exists).
        const hl = asHandshakeLoss(f, l);
        hl.caveats.push(`accept-queue-overflow withdrawn: ${proof}, the server host dropped no packet that reached it (every one was answered), so the accept queue never overflowed; what one capture took for it was loss on the path.`);
        replaced.set(f.listener, hl);
        continue;
      } else {
        f = { ...f, caveats: [`Not confirmed by ${proof}: no packet was dropped at the server host or lost on the path over the span both captures cover.`, ...f.caveats] };
      }
    }
    out.push(f);
  }
  // handshake-loss: confirmed where the path lost handshake packets; an overflow withdrawn on the same listener is folded in.
  for (let i = 0; i < out.length; i++) {
    const f = out[i]!;
    if (f.id !== 'handshake-loss') continue;
    const l = listenerOf(pair, f.listener);
    const merged = replaced.get(f.listener);
    replaced.delete(f.listener);
    if (!l) continue;
    out[i] = confirmLoss({ ...f, caveats: [...(merged?.caveats ?? []), ...f.caveats] }, l, pair);
  }
  for (const [listener, hl] of replaced) {
    const l = listenerOf(pair, listener)!;
    out.push(confirmLoss(hl, l, pair));
  }
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

function confirmLoss(f: HandshakeLossFinding, l: ListenerCorrelation, pair: PairCorrelation): Finding {
  const lost = handshakeLost(l);
  if (lost === 0) return f;
  const host = l.droppedAtHost.total + l.resetAtHost.total;
  return makeCertain({
    ...f,
    figures: [...f.figures, ['lost on the path to the server', kinds(l.lostOnPath.toServer)], ['lost on the path to the client', kinds(l.lostOnPath.toClient)], ['dropped at the server host', String(host)]],
    caveats: [
      `Confirmed by correlating ${pairName(pair)}: the path lost SYN ${l.lostOnPath.toServer.syn} and ACK ${l.lostOnPath.toServer.ack} on the way to the server, SYN-ACK ${l.lostOnPath.toClient.synAck} on the way to the client (in all ${pathText(l)})` +
        (host === 0 ? ', and the server host dropped none: the accept queue is ruled out.' : `; the server host also dropped ${host}.`),
      ...f.caveats,
    ],
  });
}

/**
 * `findings` of the capture at `capture`, judged again with every pair of `correlation` it is in.
 * Captures in no pair keep their findings unchanged.
 */
export function applyCorrelation(capture: string, findings: Finding[], correlation: Correlation): Finding[] {
  let out = findings;
  for (const pair of correlation.pairs) {
    if (pair.captures.includes(capture) && pair.clockOffset !== null) out = applyPair(capture, out, pair);
  }
  return out;
}
