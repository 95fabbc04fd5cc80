// A SYN flood: many handshakes left half-open after one SYN each, from many sources (kernel.md §4).

import type { ListenerBase } from '../listener.js';
import type { Connection } from '../../track/connection.js';
import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import { OLD_SYN_QUEUE, QUEUE_MODEL, QUEUES_STEP, SYN_AT_FULL_QUEUES } from '../explain/fragments.js';
import type { FindingCommon } from '../finding.js';
import { NumberTable } from '../number-table.js';
import { Fact, type ConnectionFacts } from '../signatures.js';

/** Many half-open handshakes from many sources (kernel.md §4); a burst of real clients is not a flood. */
const FLOOD_MIN_HALF_OPEN = 100;
const FLOOD_MIN_SOURCES = 20;
// A flood of spoofed sources must not make the source set the memory problem it measures.
const MAX_SOURCES = 100_000;

export interface SynFloodFinding extends FindingCommon<'syn-flood'> {
  syncookies: boolean;
  halfOpen: number;
  sources: number;
  synDrops: number;
}

export class SynFloodState {
  halfOpen = 0;
  /** Half-open after a single SYN that was never retried: the flood pattern. */
  halfOpenOneSyn = 0;
  halfOpenCookies = 0;
  /** Every SYN left unanswered, half-open flood SYNs included (TcpExtTCPReqQFullDrop when cookies are off). */
  allUnansweredSyns = 0;
  /** Distinct half-open sources (NumberTable.clientKey: the IPv4 address itself, a seeded hash of an IPv6 one); capped: more. */
  readonly sources = new NumberTable(MAX_SOURCES);
  readonly evidence = new EvidencePicker(3);
}

/**
 * Many handshakes left half-open after a single SYN that was never retried (a spoofed source has
 * nobody to retry), from many sources. Real clients behind a full queue retry their SYNs, and a busy
 * listener may have far more good connections than the flood: no ratio to the total.
 */
export function isFlood(s: SynFloodState): boolean {
  const sources = s.sources.size;
  return s.halfOpenOneSyn >= FLOOD_MIN_HALF_OPEN && (sources >= FLOOD_MIN_SOURCES || s.halfOpenOneSyn >= 10 * FLOOD_MIN_HALF_OPEN);
}

/** Cookies: half-open handshakes answered once and never re-sent (no request sock behind them). */
function cookiesAnswered(s: SynFloodState): boolean {
  return s.halfOpenCookies > 0 && s.halfOpenCookies * 10 >= s.halfOpen;
}

/** A SYN-ACK came back (the flood was answered, with cookies or not) ranks above a SYN left alone. */
function score(c: Connection): number {
  return c.synAckCount > 0 ? 2 : 1;
}

function advice(at: Where, s?: SynFloodState): string[] {
  // Without the capture (the catalog) both cases are advised.
  const cookies = s ? cookiesAnswered(s) : undefined;
  const keep = 'Syncookies are doing their job; filter the flood upstream (rate-limit SYNs per source, DDoS scrubbing) and keep net.ipv4.tcp_syncookies=1.';
  const off = [
    'Turn syncookies on: `sysctl -w net.ipv4.tcp_syncookies=1` (the default); with them off a full SYN queue drops real clients\' SYNs.',
    'Raise the listen() backlog and net.core.somaxconn: since 4.4 the SYN queue limit is the same min(backlog, somaxconn).',
    'Filter the flood upstream (per-source SYN rate limits).',
  ];
  if (cookies === true) return [keep];
  if (cookies === false) return off;
  const lower = (x: string) => x[0]!.toLowerCase() + x.slice(1);
  return [`If the listener answers with syncookies: ${lower(keep)}`, ...off.map((x, i) => (i === 0 ? `If it drops SYNs instead: ${lower(x)}` : x))];
}

export const synFlood: ListenerDetector<'syn-flood', SynFloodState, SynFloodFinding> = {
  scope: 'listener',
  id: 'syn-flood',
  severity: 'error',
  advice,
  newState: () => new SynFloodState(),
  observes: Fact.HalfOpen | Fact.UnansweredSyns,

  observe(s: SynFloodState, c: Connection, f: ConnectionFacts, base: ListenerBase): void {
    if (f.singleSynHalfOpen) s.halfOpenOneSyn++;
    s.allUnansweredSyns += f.unansweredSyns;
    if (!f.halfOpen) return;
    s.halfOpen++;
    if (f.bits & Fact.Syncookie) s.halfOpenCookies++;
    s.sources.add(s.sources.clientKey(c));
    s.evidence.offer(score(c), c, f.signatures, base.times.digits);
  },

  judge(s, { base }) {
    if (!isFlood(s)) return null;
    const p = port(base.listener);
    const cookies = cookiesAnswered(s);
    const sources = s.sources.size;
    const plus = s.sources.capped ? '+' : '';
    return {
      ...listenerFinding(synFlood, base, {
        connections: s.halfOpen,
        verdict:
          `${base.listener} received a SYN flood: ${s.halfOpen} handshakes from ${sources}${plus} sources were never completed; ` +
          (cookies ? 'the listener answered with syncookies, so real clients could still connect.' : `the listener dropped ${s.allUnansweredSyns} SYNs it had no room for (syncookies off), so real clients waited for retransmits too.`),
        figures: [
          ['half-open handshakes', String(s.halfOpen)],
          ['sources', `${sources}${plus}`],
          ['syncookies', cookies ? 'yes' : 'no'],
          ['SYNs never answered', String(s.allUnansweredSyns)],
          ['completed handshakes', String(base.completed)],
        ],
        evidence: s.evidence,
        filter: `tcp.dstport==${p} && tcp.flags.syn==1 && tcp.flags.ack==0`,
        fix: advice(whereOf(base.listener), s),
        confirm: [
          `ss -tn state syn-recv 'sport = :${p}' | wc -l   # half-open requests now`,
          'nstat -az TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent TcpExtListenDrops',
          'dmesg | grep -i "SYN flooding"',
        ],
      }),
      syncookies: cookies,
      halfOpen: s.halfOpen,
      sources,
      synDrops: s.allUnansweredSyns,
    };
  },

  explain: {
    kind: 'finding',
    title: 'SYN flood / SYN queue full',
    summary: 'Many SYNs that never complete the handshake filled the SYN queue: SYN-ACKs carry syncookies, or SYNs are dropped when syncookies are off.',
    wire: {
      pattern: [
        'Many SYNs, often from many sources or ports, whose SYN-ACKs are never ACKed. The SYN-ACKs are syncookies (no retransmission, MSS-only options when the SYN had no timestamps) when tcp_syncookies=1. When tcp_syncookies=0 the SYNs are dropped outright, so legitimate clients show syn-retransmit or syn-unanswered.',
      ],
      server: 'SYN rate far above the completed-handshake rate; cookie SYN-ACKs or no answer at all.',
      client: 'Legitimate clients connect late (cookies work, so usually only slightly later) or time out (syncookies=0).',
    },
    kernel: [
      SYN_AT_FULL_QUEUES,
      QUEUE_MODEL,
      OLD_SYN_QUEUE,
      'The first time per listener, the kernel logs "Possible SYN flooding on port …": "Sending cookies." with syncookies=1, or "Dropping request." with syncookies=0. The port is printed as ADDR:PORT since 6.2, and the line starts "TCP: TCP:" on 3.x (§4).',
    ],
    lookAlikes: [
      'Accept-queue overflow: there the handshakes complete, and the application is too slow to accept them. Here the handshakes are never completed. Only `TCPReqQFullDrop` and `TCPReqQFullDoCookies` show SYN-queue overflow (§4, §11 pitfall 4).',
      'A legitimate burst, for example all clients reconnecting after a restart, can fill a small SYN queue, which has the same limit as the accept queue since 4.4 (§1.1). The SYNs then come from known clients, which go on to complete.',
    ],
    confirm: [
      { command: 'nstat -az TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent TcpExtSyncookiesRecv', text: 'TCPReqQFullDoCookies and SyncookiesSent rising (syncookies=1), or TCPReqQFullDrop rising (syncookies=0), is SYN-queue overflow (§8).' },
      { command: 'dmesg | grep -i "SYN flooding"', text: 'The per-listener log line (§4).' },
      { command: "ss -tn state syn-recv 'sport = :PORT' | wc -l", text: 'The number of half-open requests (§8).' },
      QUEUES_STEP,
    ],
    fixNotes: [
      'Do not turn syncookies off to "fix" the log message: they keep legitimate clients working while the SYN queue is full (§4, §5). With syncookies=0, also make sure tcp_max_syn_backlog is large, because of the ¾ rule (§1.1). tcp_syncookies=2 sends cookies for every SYN, at the cost of TCP options for clients without timestamps (§5).',
    ],
    kernels: ['SYN-queue logic: 6.x source (§4); lab 6.18.44 (synq0, synq1, synq2 runs). Queue sizes as in §1.1 (≥ 4.4) and §1.2 (≤ 4.3). Log text: §4.'],
    sources: ['§1.1', '§1.2', '§4', '§5', '§8'],
    related: ['syncookie', 'syn-unanswered', 'accept-queue-overflow'],
  },
};
