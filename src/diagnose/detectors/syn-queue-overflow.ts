// The listener's SYN queue was full with syncookies off: real clients' SYNs dropped while half-open
// requests held the queue and the accept queue had room (kernel.md §1.1, §4: TCPReqQFullDrop).

import type { ListenerBase } from '../listener.js';
import type { Connection } from '../../track/connection.js';
import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import { QUEUE_MODEL, QUEUES_STEP, SYN_AT_FULL_QUEUES, VANTAGE } from '../explain/fragments.js';
import type { FindingCommon } from '../finding.js';
import { MIN_SYN_QUEUE_CONNECTIONS } from '../queue-occupancy.js';
import { Fact, type ConnectionFacts } from '../signatures.js';
import { acceptQueueOverflow } from './accept-queue-overflow.js';
import { isFlood, synFlood } from './syn-flood.js';
import { plural } from '../plural.js';

export interface SynQueueOverflowFinding extends FindingCommon<'syn-queue-overflow'> {
  /** SYNs dropped while the SYN queue was full (≈ TcpExtTCPReqQFullDrop). */
  synDrops: number;
  /** Half-open requests held at the drops, at most (≈ the SYN queue's limit, min(backlog, somaxconn)). */
  halfOpen: number;
}

/** Its own: the evidence. What the queues held is in accept-queue-overflow's state (queue-occupancy.ts). */
export class SynQueueState {
  readonly evidence = new EvidencePicker();
}

function advice(_at: Where): string[] {
  return [
    'Turn syncookies on (`sysctl -w net.ipv4.tcp_syncookies=1`, the default): with them off a full SYN queue drops real clients\' SYNs instead of answering them with cookies.',
    'Raise the listen() backlog and net.core.somaxconn together: since 4.4 the SYN queue holds min(backlog, somaxconn) half-open requests, the accept queue\'s limit; with syncookies off keep net.ipv4.tcp_max_syn_backlog well above it too (the ¾ rule).',
    'Find why handshakes stay half-open: clients (or a middlebox) that do not send the handshake ACK, or SYN-ACKs lost on the way back, hold their request for up to 63 s of SYN-ACK retransmissions.',
  ];
}

export const synQueueOverflow: ListenerDetector<'syn-queue-overflow', SynQueueState, SynQueueOverflowFinding> = {
  scope: 'listener',
  id: 'syn-queue-overflow',
  severity: 'error',
  advice,
  newState: () => new SynQueueState(),
  observes: Fact.SynDropped,

  observe(s: SynQueueState, c: Connection, f: ConnectionFacts, base: ListenerBase): void {
    if (f.synDropped) s.evidence.offer(f.unansweredSyns, c, f.signatures, base.times.digits);
  },

  judge(s, { base, vantage, stateOf }) {
    if (isFlood(stateOf(synFlood))) return null;
    const queue = stateOf(acceptQueueOverflow);
    // A filter drops one source's SYNs whatever the queues hold (kernel.md §10.1).
    if (queue.sources.filtered()) return null;
    const { synDrops, held, connections } = queue.occupancy.synQueueDrops();
    if (connections < MIN_SYN_QUEUE_CONNECTIONS) return null;
    const atServer = vantage === 'server' || vantage === 'local';
    // Away from the server an unanswered SYN may have been lost on the path: only runs path loss cannot explain count.
    if (!atServer && !queue.runs.test(queue.pathLoss, base.connections).excluded) return null;
    const p = port(base.listener);
    const confidence = atServer ? 'certain' : 'likely';
    return {
      ...listenerFinding(synQueueOverflow, base, {
        connections,
        verdict:
          `${confidence === 'certain' ? '' : 'Likely: '}The SYN queue of ${base.listener} was full with syncookies off: ${synDrops} SYNs of ${connections} connections were dropped while ${plural(held, 'half-open request')} held it and the accept queue had room — the handshakes left half-open take the room of new ones.`,
        figures: [
          ['SYNs dropped (≈ TcpExtTCPReqQFullDrop)', String(synDrops)],
          ['connections whose SYNs were dropped', String(connections)],
          ['half-open requests held at the drops (≈ min(backlog, somaxconn))', String(held)],
          ['completed handshakes', String(base.completed)],
        ],
        evidence: s.evidence,
        filter: `tcp.dstport==${p} && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.analysis.retransmission`,
        fix: advice(whereOf(base.listener)),
        confirm: [
          'nstat -az TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtListenDrops TcpExtListenOverflows   # TCPReqQFullDrop is this overflow',
          'sysctl net.ipv4.tcp_syncookies net.ipv4.tcp_max_syn_backlog net.core.somaxconn',
          `ss -tn state syn-recv 'sport = :${p}' | wc -l   # half-open requests now`,
          'dmesg | grep -i "SYN flooding.*Dropping request"',
        ],
        confidence,
        alternatives: atServer
          ? []
          : [{ cause: 'filter', why: 'A firewall or rate limit in front of the server drops SYNs the same way; the server-side capture or TcpExtTCPReqQFullDrop settles it.' }],
      }),
      synDrops,
      halfOpen: held,
    };
  },

  explain: {
    kind: 'finding',
    title: 'SYN queue overflow (syncookies off)',
    summary: 'Real clients\' SYNs were dropped while half-open requests filled the SYN queue and syncookies were off; the accept queue had room.',
    wire: {
      pattern: [
        'Some handshakes stay half-open: the SYN-ACK is re-sent at 1, 3, 7 s and no ACK comes. Meanwhile other clients\' SYNs get no answer at all and are retransmitted, although no completed handshake is waiting to be accepted. Once a request leaves the queue (its ACK arrives or it expires), a retransmitted SYN is answered.',
      ],
      server: 'SYNs arrive and are not answered while the listener holds half-open requests whose SYN-ACKs it keeps re-sending.',
      client: 'connect() takes 1, 3, 7 s or more, or times out; no RST.',
    },
    kernel: [
      SYN_AT_FULL_QUEUES,
      QUEUE_MODEL,
      'With syncookies off the kernel counts each such drop in TcpExtTCPReqQFullDrop (and ListenDrops) and logs "Possible SYN flooding on port …. Dropping request." once per listener (§4).',
    ],
    lookAlikes: [
      'Accept-queue overflow also drops SYNs (≥ 4.10), but while completed handshakes wait in the accept queue; here none is waiting. Only the counters tell the queues apart for certain: TCPReqQFullDrop here, ListenOverflows there (§4, §8).',
      'A SYN flood (syn-flood) fills the SYN queue with spoofed single SYNs from many sources; here real clients retry.',
      'A firewall drops one source\'s SYNs whatever the queues hold (syn-unanswered).',
      VANTAGE,
    ],
    confirm: [
      { command: 'nstat -az TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies', text: 'TCPReqQFullDrop rising is this overflow (§8).' },
      { command: 'sysctl net.ipv4.tcp_syncookies', text: '0 means a full SYN queue drops SYNs rather than answering them with cookies (§4).' },
      { command: "ss -tn state syn-recv 'sport = :PORT' | wc -l", text: 'The number of half-open requests (§8).' },
      QUEUES_STEP,
    ],
    kernels: ['SYN-queue limit min(backlog, somaxconn) since 4.4 (`>=` up to 6.12, `>` from 6.13, §1.1); lab 6.18.44 synq0 (backlog 2: 3 requests held, TCPReqQFullDrop 12).'],
    sources: ['§1.1', '§4', '§8', '§10.1'],
    related: ['syn-flood', 'accept-queue-overflow', 'syn-unanswered', 'syn-retransmit'],
  },
};
