// Handshake segments retransmitted with no sign of a full queue: loss on the path (kernel.md §3.2, §3.3, §10).

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import { CLIENT_SYN_TIMING, SYNACK_TIMING, VANTAGE } from '../explain/fragments.js';
import type { FindingCommon } from '../finding.js';
import { acceptQueueOverflow, overflowShown } from './accept-queue-overflow.js';
import { isFlood, synFlood } from './syn-flood.js';
import { synQueueOverflow } from './syn-queue-overflow.js';

export type HandshakeLossFinding = FindingCommon<'handshake-loss'>;

export class HandshakeLossState {
  /** Handshakes that needed a retransmitted SYN or SYN-ACK and were then served normally. */
  retransmitted = 0;
  readonly evidence = new EvidencePicker();
}

function advice(_at: Where): string[] {
  return ['Look for loss on the path (interface errors, drops on a switch or firewall, congestion); the listen queue is not the problem.'];
}

export const handshakeLoss: ListenerDetector<'handshake-loss', HandshakeLossState, HandshakeLossFinding> = {
  scope: 'listener',
  id: 'handshake-loss',
  severity: 'warning',
  advice,
  newState: () => new HandshakeLossState(),

  observe(s, c, f) {
    const sig = f.signatures;
    if (!f.ignoredHandshake && (sig.includes('synack-retransmit') || (sig.includes('syn-retransmit') && c.synAckCount > 0))) {
      s.retransmitted++;
      // Every such handshake weighs the same; the earliest are shown.
      s.evidence.offer(1, c, sig);
    }
  },

  judge(s, { base, vantage, stateOf }) {
    const queue = stateOf(acceptQueueOverflow);
    const flood = isFlood(stateOf(synFlood));
    if (flood || overflowShown(queue, base, vantage, flood)) return null;
    // A full SYN queue (syncookies off) is the listen queue's problem, not the path's.
    if (synQueueOverflow.judge(stateOf(synQueueOverflow), { base, vantage, stateOf })) return null;
    // Ignored handshakes too few to call an overflow are reported as what they may equally be: loss.
    const ignored = queue.ignoredHandshakes;
    const lost = s.retransmitted + ignored;
    if (lost === 0) return null;
    return listenerFinding(handshakeLoss, base, {
      connections: lost,
      verdict:
        `${lost} handshake${lost > 1 ? 's' : ''} with ${base.listener} needed a retransmitted SYN, SYN-ACK or first segment: packets were lost on the path` +
        (ignored > 0
          ? `, or the client's ACK never reached the server (${ignored} SYN-ACK${ignored > 1 ? 's' : ''} re-sent after the ACK, too few to call a full queue).`
          : '; the listener itself answered promptly (no sign of a full queue).'),
      figures: [['connections', String(lost)]],
      evidence: s.retransmitted > 0 ? s.evidence : queue.evidence,
      filter: `tcp.port==${port(base.listener)} && tcp.flags.syn==1 && tcp.analysis.retransmission`,
      fix: advice(whereOf(base.listener)),
      confirm: ['ip -s link   # interface errors and drops', 'nstat -az TcpRetransSegs TcpExtTCPSynRetrans'],
      // A queue that dropped a few handshakes could not be excluded when some were ignored, or from outside the server.
      confidence: ignored > 0 || (vantage !== 'server' && vantage !== 'local') ? 'likely' : 'certain',
      alternatives:
        ignored > 0 || (vantage !== 'server' && vantage !== 'local')
          ? [{ cause: 'accept-queue-overflow', why: `A full accept queue drops handshake ACKs and SYNs too; ${ignored > 0 ? `${ignored} handshake${ignored > 1 ? 's were' : ' was'} ignored after the ACK, too few to tell` : 'here the runs of unanswered attempts fit the path loss measured in this capture'}. TcpExtListenOverflows on the server (nstat) settles it.` }]
          : [],
    });
  },

  explain: {
    kind: 'finding',
    title: 'Handshake packets lost on the path',
    summary: 'SYN-ACKs or handshake ACKs were lost on the path (retransmissions that then succeed), with no sign of queue overflow.',
    wire: {
      pattern: [
        'synack-retransmit or syn-retransmit on some connections, followed by a normal handshake. After that, the server ACKs the client\'s data at once. There are no ignored handshakes and no bare RSTs, and the losses are spread over time and clients instead of coming in bursts.',
        CLIENT_SYN_TIMING,
      ],
      server: 'A SYN-ACK is re-sent at 1 s and the ACK then arrives, or a repeated SYN is answered at once (§3.3).',
      client: 'Connections take 1 s or longer (3 s on < 3.1 kernels) but succeed.',
    },
    kernel: [SYNACK_TIMING],
    lookAlikes: [
      'Accept-queue overflow also produces SYN-ACK retransmissions. There, they come after a captured ACK, the data is not ACKed, and many connections to one listener are hit at once (synack-retransmit-after-ack). A client-side capture cannot always tell an ACK lost on the path from an ACK dropped by a full queue (§10), so check the server\'s counters.',
      VANTAGE,
    ],
    confirm: [
      { command: 'nstat -az TcpExtListenOverflows TcpExtTCPSynRetrans', text: 'TCPSynRetrans rising while ListenOverflows stays flat points to the path, not the queue (§8).' },
      { command: 'ip -s link', text: 'Interface drops and errors on the hosts at both ends.' },
    ],
    kernels: ['SYN-ACK schedule: ≥ 3.1, exact since 4.4 (§3.2). Client SYN schedule: §6.1.'],
    sources: ['§3.2', '§3.3', '§6.1', '§10'],
    related: ['synack-retransmit', 'syn-retransmit', 'accept-queue-overflow'],
  },
};
