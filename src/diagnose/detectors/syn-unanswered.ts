// No SYN to the listener was ever answered: down, unreachable or filtered (kernel.md §4, §10). A signature too.

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import { CLIENT_SYN_TIMING, HOST_STEP, NSTAT_STEP, QUEUE_MODEL, SS_STEP, SYN_AT_FULL_QUEUES } from '../explain/fragments.js';
import type { FindingCommon } from '../finding.js';
import { isFlood, synFlood } from './syn-flood.js';

export type SynUnansweredFinding = FindingCommon<'syn-unanswered'>;

export class SynUnansweredState {
  /** SYNs left unanswered (not refused), and the connections they belong to. */
  syns = 0;
  connections = 0;
  readonly evidence = new EvidencePicker();
}

function advice(_at: Where): string[] {
  return ['Check routing and firewalls between the clients and the server, and that the server host is up.'];
}

export const synUnanswered: ListenerDetector<'syn-unanswered', SynUnansweredState, SynUnansweredFinding> = {
  scope: 'listener',
  id: 'syn-unanswered',
  severity: 'warning',
  advice,
  newState: () => new SynUnansweredState(),

  observe(s, c, f) {
    // The more SYNs a client sent in vain, the clearer the picture.
    if (f.signatures.includes('syn-unanswered')) s.evidence.offer(c.synCount, c, f.signatures);
    if (f.synDropped) {
      s.syns += f.unansweredSyns;
      s.connections++;
    }
  },

  judge(s, { base, stateOf }) {
    // A listener that answered anything, or refused, is up: its unanswered SYNs are another finding's.
    if (isFlood(stateOf(synFlood)) || base.answered !== 0 || base.refused !== 0 || s.connections === 0) return null;
    const p = port(base.listener);
    return listenerFinding(synUnanswered, base, {
      connections: s.connections,
      verdict: `No SYN to ${base.listener} was ever answered (${s.syns} SYNs): the server is down, unreachable, or a firewall drops them silently.`,
      figures: [['connections', String(s.connections)], ['SYNs', String(s.syns)]],
      evidence: s.evidence,
      filter: `tcp.dstport==${p} && tcp.flags.syn==1 && tcp.flags.ack==0`,
      fix: advice(whereOf(base.listener)),
      confirm: [`ss -lnt 'sport = :${p}'`, 'iptables -L -n -v | grep -i drop   # or nft list ruleset'],
    });
  },

  explain: {
    kind: 'both',
    title: 'No SYN-ACK ever seen',
    summary: 'The client\'s SYN(s) never got a SYN-ACK or RST in the capture; the connection never opened.',
    wire: {
      pattern: [
        'One or more SYNs with the same ISN, then nothing from the server. The client gives up when its retries run out or when the application\'s timeout fires.',
        CLIENT_SYN_TIMING,
      ],
      server:
        'The SYNs arrive and nothing leaves: the server\'s kernel or a local filter dropped them. If no SYN arrives at all, the loss is upstream.',
      client: 'The SYNs leave and nothing comes back. The capture cannot say where they were lost.',
    },
    kernel: [
      SYN_AT_FULL_QUEUES,
      QUEUE_MODEL,
      'Failure errno at the client: ETIMEDOUT (110), or a soft ICMP error such as EHOSTUNREACH if one was recorded (§6.1).',
    ],
    lookAlikes: [
      'A firewall drop, a host that is down and a routing black hole all look the same on the wire (§4, §10). tcpdiag points at the listener\'s queues only when the same server port answered other SYNs at the same time. Otherwise it reports the SYNs as unanswered and leaves the cause open. Host counters are the only way to tell accept-queue overflow (`ListenOverflows`) from SYN-queue overflow (`TCPReqQFullDrop`).',
      'An answer with RST+ACK instead is refused (nothing listening), not a queue problem.',
    ],
    confirm: [NSTAT_STEP, SS_STEP, HOST_STEP],
    fixNotes: [
      'On single connections of a listener that answers others, follow the counters. `ListenOverflows` rising points to the application\'s accept rate (`tcpdiag explain accept-queue-overflow`). `TCPReqQFullDrop` rising points to a SYN burst with syncookies off (`tcpdiag explain syn-flood`). If neither moves, check firewalls, routes and whether the service is up.',
    ],
    kernels: [
      'SYN drop at a full accept queue: ≥ 4.10 and backports (§4). ETIMEDOUT after ≈127 s on 3.7–6.4 and ≈131 s on ≥ 6.5 (§6.1).',
    ],
    sources: ['§4', '§6.1', '§10'],
    related: ['syn-retransmit', 'accept-queue-overflow', 'syn-flood'],
  },
};
