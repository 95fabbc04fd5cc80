// Handshake segments retransmitted with no sign of a full queue: loss on the path (kernel.md §3.2, §3.3, §10).

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import { CLIENT_SYN_TIMING, SYNACK_TIMING, VANTAGE } from '../explain/fragments.js';
import { lossPerAttempt } from '../differential.js';
import type { FindingCommon } from '../finding.js';
import { Fact } from '../signatures.js';
import type { ListenerBase } from '../listener.js';
import type { Vantage } from '../vantage.js';
import { acceptQueueOverflow, overflowShown, type AcceptQueueState } from './accept-queue-overflow.js';
import { isFlood, synFlood } from './syn-flood.js';
import { synQueueOverflow } from './syn-queue-overflow.js';
import { plural } from '../plural.js';

export type HandshakeLossFinding = FindingCommon<'handshake-loss'>;

export class HandshakeLossState {
  /** Handshakes that needed a retransmitted SYN or SYN-ACK and were then served normally. */
  retransmitted = 0;
  readonly evidence = new EvidencePicker();
  /**
   * Handshakes whose SYN-ACK the server re-sent before any ACK came (not a copy within one round trip):
   * the SYN-ACK or the client's ACK was lost on the way. A full accept queue does not do that: it drops
   * an ACK that arrived (synack-retransmit-after-ack) or a SYN, which gets no SYN-ACK at all.
   */
  synAckResent = 0;
  readonly synAckEvidence = new EvidencePicker();
}

/**
 * Path loss beside an accept-queue overflow on the same listener (issue 19 item 1): what the overflow
 * cannot explain. At the server: SYN-ACKs re-sent before any ACK came. Away from it, where a lost SYN or
 * SYN-ACK looks like a SYN the full queue dropped: path loss measured on the server's data (which never
 * passes the listen queue) surely above zero, at a rate that takes at least one of the SYN attempts.
 */
function besideOverflow(s: HandshakeLossState, queue: AcceptQueueState, base: ListenerBase, vantage: Vantage): HandshakeLossFinding | null {
  const atServer = vantage === 'server' || vantage === 'local';
  const loss = queue.pathLoss;
  const expectedSure = atServer ? 0 : lossPerAttempt(loss.oneWayAtClientLow()) * queue.synsSent;
  const measured = expectedSure >= 1 && s.retransmitted > 0;
  if (s.synAckResent === 0 && !measured) return null;
  const p = loss.oneWayAtClient();
  const synAttempts = measured ? Math.min(s.retransmitted, Math.round(lossPerAttempt(p) * queue.synsSent)) : 0;
  const connections = Math.max(s.synAckResent, synAttempts);
  const parts: string[] = [];
  if (s.synAckResent > 0) parts.push(`the server re-sent the SYN-ACK of ${plural(s.synAckResent, 'handshake')} before any ACK came (the SYN-ACK or the client's ACK lost on the way; a full queue drops an ACK that arrived, or the SYN)`);
  if (measured) parts.push(`the path lost ${(p * 100).toFixed(1)}% of the client's segments into the server (measured on the server's data, which never passes the listen queue): about ${synAttempts} of the SYN attempts retransmitted here were lost on the path, not dropped by the queue`);
  const figures: [string, string][] = [['connections', String(connections)]];
  if (s.synAckResent > 0) figures.push(['SYN-ACKs re-sent before an ACK', String(s.synAckResent)]);
  if (measured) {
    figures.push(['path loss into the server (server data re-sent)', `${(p * 100).toFixed(1)}% of ${loss.serverSegments} segments`]);
    figures.push(['SYN attempts the path explains', `${synAttempts} (of ${s.retransmitted} handshakes that needed a retransmitted SYN)`]);
  }
  return listenerFinding(handshakeLoss, base, {
    connections,
    verdict: `Besides the accept-queue overflow, handshakes with ${base.listener} were lost on the path: ${parts.join('; ')}.`,
    figures,
    evidence: s.synAckResent > 0 ? s.synAckEvidence : s.evidence,
    filter: s.synAckResent > 0
      ? `tcp.srcport==${port(base.listener)} && tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.analysis.retransmission`
      : `tcp.port==${port(base.listener)} && tcp.flags.syn==1 && tcp.analysis.retransmission`,
    fix: ['Besides the listen queue (see the accept-queue-overflow finding), look for loss on the path: interface errors, drops on a switch or firewall, congestion.'],
    confirm: ['ip -s link   # interface errors and drops', 'nstat -az TcpRetransSegs TcpExtTCPSynRetrans TcpExtListenOverflows'],
    confidence: 'likely',
    alternatives: [
      {
        cause: 'accept-queue-overflow',
        why: measured && s.synAckResent === 0
          ? 'Which of the retransmitted SYNs the path lost and which the full queue dropped cannot be told one by one; the number is what the measured loss rate gives. TcpExtListenOverflows against TcpExtTCPSynRetrans on the server settles it.'
          : 'The overflow on this listener accounts for the other retransmitted handshakes; TcpExtListenOverflows on the server counts its drops.',
      },
    ],
  });
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
  observes: Fact.SynAckRetransmit | Fact.SynRetransmit,

  observe(s, c, f, base) {
    const sig = f.signatures;
    if (f.bits & Fact.SynAckRetransmit) {
      s.synAckResent++;
      s.synAckEvidence.offer(1, c, sig, base.times.digits);
    }
    if (!f.ignoredHandshake && (f.bits & Fact.SynAckRetransmit || (f.bits & Fact.SynRetransmit && c.synAckCount > 0))) {
      s.retransmitted++;
      // Every such handshake weighs the same; the earliest are shown.
      s.evidence.offer(1, c, sig, base.times.digits);
    }
  },

  judge(s, { base, vantage, stateOf }) {
    const queue = stateOf(acceptQueueOverflow);
    const flood = isFlood(stateOf(synFlood));
    if (flood) return null;
    if (overflowShown(queue, base, vantage, flood)) return besideOverflow(s, queue, base, vantage);
    // A full SYN queue (syncookies off) is the listen queue's problem, not the path's.
    if (synQueueOverflow.judge(stateOf(synQueueOverflow), { base, vantage, stateOf })) return null;
    // Ignored handshakes too few to call an overflow are reported as what they may equally be: loss.
    const ignored = queue.ignoredHandshakes;
    const lost = s.retransmitted + ignored;
    if (lost === 0) return null;
    return listenerFinding(handshakeLoss, base, {
      connections: lost,
      verdict:
        `${plural(lost, 'handshake')} with ${base.listener} needed a retransmitted SYN, SYN-ACK or first segment: packets were lost on the path` +
        (ignored > 0
          ? `, or the client's ACK never reached the server (${plural(ignored, 'SYN-ACK')} re-sent after the ACK, too few to call a full queue).`
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
          ? [{ cause: 'accept-queue-overflow', why: `A full accept queue drops handshake ACKs and SYNs too; ${ignored > 0 ? `${plural(ignored, 'handshake')} ${ignored === 1 ? 'was' : 'were'} ignored after the ACK, too few to tell` : 'here the runs of unanswered attempts fit the path loss measured in this capture'}. TcpExtListenOverflows on the server (nstat) settles it.` }]
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
        'Beside an accept-queue overflow on the same listener it is said only for what a full queue does not do: a SYN-ACK re-sent before any ACK came (at the server), or, away from the server where a lost SYN looks like a dropped one, loss measured on the server\'s data (which never passes the listen queue) high enough to take at least one SYN attempt.',
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
