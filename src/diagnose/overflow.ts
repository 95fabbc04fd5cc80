import type { Episode, Finding, LatencySummary } from './finding.js';
import type { ListenerStats } from './listener.js';
import type { Samples } from './samples.js';
import type { Vantage } from './vantage.js';

/** Events further apart than this belong to separate episodes. */
const EPISODE_GAP_S = 2;
/** A queue filled by one burst fills within this. */
const BURST_FILL_S = 0.5;

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The median of healthy connections' time to first answer: what the overflow's latency is measured above. */
function baselineOf(baseline: Samples): number {
  return baseline.length > 0 ? quantile(baseline.sorted(), 0.5) : 0;
}

/** `base`: baselineOf() the listener's healthy connections. */
export function latencySummary(samples: Samples, base: number): LatencySummary | null {
  if (samples.length === 0) return null;
  // Subtracting one number keeps the order.
  const s = samples.sorted();
  const at = (q: number) => Math.max(0, quantile(s, q) - base);
  return { p50: at(0.5), p90: at(0.9), max: at(1), samples: s.length };
}

// Edges a person reads at a glance: sub-second, then the SYN/data retransmit scale.
const LATENCY_EDGES = [0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];

export function latencyHistogram(samples: Samples, base: number): { edges: number[]; counts: number[] } | null {
  if (samples.length === 0) return null;
  const counts = new Array<number>(LATENCY_EDGES.length).fill(0);
  for (const x of samples.view()) {
    const v = Math.max(0, x - base);
    let i = LATENCY_EDGES.length - 1;
    while (i > 0 && v < LATENCY_EDGES[i]!) i--;
    counts[i]!++;
  }
  return { edges: LATENCY_EDGES.slice(), counts };
}

export function episodesOf(times: Float64Array): Episode[] {
  if (times.length === 0) return [];
  const t = times.slice().sort();
  const out: Episode[] = [];
  let cur: Episode = { start: t[0]!, end: t[0]!, connections: 1 };
  for (let i = 1; i < t.length; i++) {
    if (t[i]! - cur.end > EPISODE_GAP_S) {
      out.push(cur);
      cur = { start: t[i]!, end: t[i]!, connections: 1 };
    } else {
      cur.end = t[i]!;
      cur.connections++;
    }
  }
  out.push(cur);
  return out;
}

/**
 * How many handshakes completed normally in the burst before the first one
 * the server ignored: the accept queue's size as the capture shows it (the
 * kernel holds backlog + 1, kernel.md §1.1).
 */
export function acceptQueueEstimate(
  handshakes: Samples,
  overflowedFlags: Samples,
  sorted: Float64Array = handshakes.sorted(),
): number | null {
  const times = handshakes.view();
  const overflowed = overflowedFlags.view();
  // The first ignored handshake in time order (the earlier one of equal times), and its place in that order.
  let f = -1;
  for (let i = 0; i < times.length; i++) if (overflowed[i] === 1 && (f < 0 || times[i]! < times[f]!)) f = i;
  if (f < 0) return null;
  let first = 0;
  for (let i = 0; i < times.length; i++) if (times[i]! < times[f]! || (times[i] === times[f] && i < f)) first++;
  if (first === 0) return null;
  let start = first;
  while (start > 0 && sorted[start]! - sorted[start - 1]! < 1) start--;
  // Only a burst from idle that fills the queue at once tells its size; under a steady rate accepts
  // drain it all along and the count would be meaningless.
  if (sorted[first]! - sorted[start]! > BURST_FILL_S) return null;
  // Everything before the first ignored one completed normally.
  return first > start ? first - start : null;
}

/** The most handshakes within any one second; `t`: their times in numeric order. */
export function peakPerSecond(t: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 1) j++;
    if (i - j + 1 > best) best = i - j + 1;
  }
  return best;
}

/** The port of an `ip:port` / `[ip]:port` listener. */
export function port(listener: string): string {
  return listener.slice(listener.lastIndexOf(':') + 1);
}

/** Whether the listener's record shows an accept-queue overflow, weighed by where the capture was taken. */
export function overflowShown(l: ListenerStats, vantage: Vantage, flood: boolean): boolean {
  const atServer = vantage === 'server' || vantage === 'local';
  if (l.resetConns > 0) return true;
  // "While it completed others": a listener that ignored its only handshake may just have lost the ACK.
  const others = l.completed - l.ignoredHandshakes > 0;
  // At the client, one re-sent SYN-ACK or one ignored data segment can be a lost ACK or a lost data segment.
  if (others && (atServer ? l.ignoredHandshakes >= 1 : l.strongIgnored >= 2)) return true;
  // SYNs seen by the server and left unanswered while it answered others: dropped for a full queue.
  return atServer && !flood && l.synDropConns > 0 && l.answered > 0;
}

export function acceptQueueOverflow(l: ListenerStats, vantage: Vantage, flood: boolean): Finding {
  const synDrops = flood ? 0 : l.unansweredSyns;
  const abort: Finding['abortOnOverflow'] = l.resetConns > 0 ? '1' : l.synAckAfterAckConns > 0 ? '0' : 'unknown';
  // Without a flood, SYNs that were never answered are connects the full queue made fail.
  const failed = l.affectedFailed + (flood ? 0 : l.halfOpenDropped);
  const affected = l.affectedRecovered + failed;
  const dropped = l.droppedAfterHandshake + synDrops;
  // Each list sorted once: a listener keeps up to 200 000 handshakes.
  const base = baselineOf(l.baseline);
  const latency = latencySummary(l.addedLatency, base);
  const handshakesSorted = l.handshakeTimes.sorted();
  const queue = acceptQueueEstimate(l.handshakeTimes, l.handshakeOverflowed, handshakesSorted);
  const peak = peakPerSecond(handshakesSorted);
  const p = port(l.listener);
  const how: string[] = [];
  if (l.synAckAfterAckConns > 0) how.push(`ignored ${l.synAckAfterAckConns} completed handshakes and re-sent their SYN-ACKs`);
  if (l.cookieIgnoredConns > 0) how.push(`silently dropped the ACK and data of ${l.cookieIgnoredConns} syncookie handshakes`);
  if (l.resetConns > 0) how.push(`reset ${l.resetConns} connections right after their handshake`);
  if (l.dataOnlyIgnoredConns > 0) how.push(`left the data of ${l.dataOnlyIgnoredConns} more handshakes unanswered`);
  if (synDrops > 0) how.push(`dropped ${synDrops} SYNs`);
  const verdict = `The accept queue of ${l.listener} overflowed: the listener ${how.join(', ')} while it completed others — the application is not calling accept() fast enough for the connection rate (backlog too small or the acceptor stalled).`;
  const figures: [string, string][] = [
    ['connections affected', `${affected} of ${l.connections}`],
    ['dropped segments (≈ TcpExtListenOverflows)', String(dropped)],
    ['SYNs dropped', String(synDrops)],
    ['handshakes ignored', String(l.ignoredHandshakes - l.resetConns)],
    ['resets after handshake', String(l.resetConns)],
    ['tcp_abort_on_overflow', abort === 'unknown' ? 'unknown (only syncookie handshakes were dropped, which the kernel drops silently under either setting)' : abort],
    ['recovered / failed', `${l.affectedRecovered} / ${failed}`],
  ];
  if (latency) figures.push(['latency added (p50 / p90 / max)', `${latency.p50.toFixed(3)} s / ${latency.p90.toFixed(3)} s / ${latency.max.toFixed(3)} s`]);
  if (queue !== null) figures.push(['accept queue held (estimate)', `${queue} connections (listen backlog ≈ ${queue - 1}; the kernel holds backlog + 1)`]);
  figures.push(['peak handshakes per second', String(peak)]);
  const fix = [
    `Raise the accept queue: it is min(listen() backlog, net.core.somaxconn). Raise both together, e.g. \`sysctl -w net.core.somaxconn=4096\` (persist it in /etc/sysctl.d/) and pass a backlog of at least the peak burst (${peak} handshakes in one second here) to listen() or the server's setting (nginx \`listen ${p} backlog=4096\`, HAProxy \`backlog\`, Java \`ServerSocket(port, backlog)\`, Go uses somaxconn).`,
    'Accept faster: look for an event loop or acceptor thread that blocks (slow handlers, locks, GC pauses, too few workers); the queue only fills when accept() falls behind.',
    'Keep net.ipv4.tcp_abort_on_overflow=0 in production: it turns a short stall into connection resets. Set it to 1 only briefly, as a debugging aid, to make silent overflows visible as resets.',
  ];
  if (l.syncookieConns > 0) {
    fix.push('Syncookies were sent with no flood: a small backlog also caps the SYN queue (same min(backlog, somaxconn) limit), so raising the backlog stops them too.');
  }
  const confirm = [
    `ss -lnt 'sport = :${p}'   # Recv-Q = connections waiting for accept(); Send-Q = the queue limit; Recv-Q = Send-Q + 1 means full`,
    'nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent   # overflow counters (per dropped segment, not per connection)',
    'netstat -s | grep -i listen   # "times the listen queue of a socket overflowed"',
  ];
  const caveats: string[] = [];
  if (vantage === 'client' || vantage === 'middle') {
    caveats.push(`Captured at the ${vantage} side: a SYN-ACK re-sent after the client's ACK can also mean that ACK was lost after the capture point; the verdict rests on ${l.ignoredHandshakes} such connections${l.resetConns ? ' and the overflow resets' : ''}. Confirm with the counters above.`);
  }
  const filter = l.resetConns > 0
    ? `tcp.srcport==${p} && tcp.flags.reset==1 && tcp.flags.ack==0`
    : l.synAckAfterAckConns > 0
      ? `tcp.srcport==${p} && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.analysis.retransmission`
      : `tcp.dstport==${p} && tcp.analysis.retransmission`;
  return {
    id: 'accept-queue-overflow',
    severity: 'error',
    listener: l.listener,
    connections: affected,
    verdict,
    figures,
    firstTime: l.firstAffected,
    lastTime: l.lastAffected,
    episodes: episodesOf(flood ? l.events.view() : concat(l.events.view(), l.halfOpenDropTimes.view())),
    evidence: { connections: l.overflowEvidence.list, filter },
    fix,
    confirm,
    explain: 'tcpdiag explain accept-queue-overflow',
    caveats,
    abortOnOverflow: abort,
    droppedSegments: dropped,
    resets: l.resetConns,
    synDrops,
    ignoredHandshakes: l.ignoredHandshakes,
    recovered: l.affectedRecovered,
    failed,
    addedLatency: latency,
    latencyHistogram: latencyHistogram(l.addedLatency, base),
    acceptQueueEstimate: queue,
    peakHandshakesPerSecond: peak,
  };
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

