// No SYN to the listener was ever answered: down, unreachable or filtered (kernel.md §4, §10). A signature too.

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import { CLIENT_SYN_TIMING, HOST_STEP, NSTAT_STEP, QUEUE_MODEL, SS_STEP, SYN_AT_FULL_QUEUES } from '../explain/fragments.js';
import type { FindingCommon } from '../finding.js';
import { Fact } from '../signatures.js';
import { acceptQueueOverflow } from './accept-queue-overflow.js';
import { isFlood, synFlood } from './syn-flood.js';
import { plural } from '../plural.js';

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
  observes: Fact.SynUnanswered | Fact.SynDropped,

  observe(s, c, f, base) {
    // The more SYNs a client sent in vain, the clearer the picture.
    if (f.bits & Fact.SynUnanswered) s.evidence.offer(c.synCount, c, f.signatures, base.times.digits);
    if (f.synDropped) {
      s.syns += f.unansweredSyns;
      s.connections++;
    }
  },

  judge(s, { base, stateOf }) {
    if (isFlood(stateOf(synFlood)) || s.connections === 0) return null;
    const p = port(base.listener);
    const confirm = [`ss -lnt 'sport = :${p}'`, 'iptables -L -n -v | grep -i drop   # or nft list ruleset'];
    const filter = `tcp.dstport==${p} && tcp.flags.syn==1 && tcp.flags.ack==0`;
    // A listener that answered other sources' SYNs, interleaved in time, while some sources were never
    // answered: a full queue (≥ 4.10) drops every source alike, so these were filtered (kernel.md §10.1).
    const sources = stateOf(acceptQueueOverflow).sources;
    if (base.answered !== 0 && sources.filtered()) {
      const d = sources.dropSources();
      return listenerFinding(synUnanswered, base, {
        connections: s.connections,
        verdict: `The SYNs of ${plural(d.neverAnswered, 'source')} to ${base.listener} were never answered (${s.syns} SYNs) while other sources' SYNs, interleaved in time, were answered at once: a firewall, security group or rate limit drops them, not a full listen queue (which drops every source alike).`,
        figures: [['connections', String(s.connections)], ['SYNs', String(s.syns)], ['sources never answered', String(d.neverAnswered)], ['other sources answered at the first SYN meanwhile', String(sources.interleavedPromptAnswers())]],
        evidence: s.evidence,
        filter,
        fix: ['Check the firewall rules, security groups and rate limits between these sources and the server (iptables/nft on the server, cloud security groups, load-balancer ACLs); the listen queue is not the problem.'],
        confirm,
        confidence: 'likely',
        alternatives: [{ cause: 'path', why: 'A route that black-holes only these sources looks the same; the server-side capture (do the SYNs arrive?) and the firewall counters settle it.' }],
      });
    }
    // A listener that answered anything, or refused, is up: its unanswered SYNs are another finding's.
    if (base.answered !== 0 || base.refused !== 0) return null;
    return listenerFinding(synUnanswered, base, {
      connections: s.connections,
      verdict: `No SYN to ${base.listener} was ever answered (${s.syns} SYNs): the server is down, unreachable, or a firewall drops them silently.`,
      figures: [['connections', String(s.connections)], ['SYNs', String(s.syns)]],
      evidence: s.evidence,
      filter,
      fix: advice(whereOf(base.listener)),
      confirm,
      confidence: 'possible',
      alternatives: [
        { cause: 'filter', why: 'A firewall that drops SYNs silently looks the same on the wire; its counters (iptables -L -n -v) settle it.' },
        { cause: 'down', why: 'A host that is down or unreachable sends nothing either; `ss -lnt` on the server settles whether it listens.' },
      ],
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
