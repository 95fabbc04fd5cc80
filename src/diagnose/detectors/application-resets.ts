// Established connections reset by the server application after data (kernel.md §6.2).

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import type { FindingCommon } from '../finding.js';
import { Fact } from '../signatures.js';
import { plural } from '../plural.js';

export type ApplicationResetsFinding = FindingCommon<'application-resets'>;

export class AppResetState {
  resets = 0;
  readonly evidence = new EvidencePicker();
}

function advice(_at: Where): string[] {
  return ['Look at the application: an abortive close (SO_LINGER with timeout 0), closing a socket with unread input, or a crashing worker.'];
}

export const applicationResets: ListenerDetector<'application-resets', AppResetState, ApplicationResetsFinding> = {
  scope: 'listener',
  id: 'application-resets',
  severity: 'warning',
  advice,
  newState: () => new AppResetState(),
  observes: Fact.ResetByApplication,

  observe(s, c, f, base) {
    if (!(f.bits & Fact.ResetByApplication)) return;
    s.resets++;
    // Every reset weighs the same; the earliest are shown.
    s.evidence.offer(1, c, f.signatures, base.times.digits);
  },

  judge(s, { base }) {
    const n = s.resets;
    if (n === 0) return null;
    const p = port(base.listener);
    return listenerFinding(applicationResets, base, {
      connections: n,
      verdict: `${base.listener} reset ${plural(n, 'connection')} after handling data (RST+ACK): the application aborted them (SO_LINGER 0, a crash, or closing with unread data) — not a queue overflow.`,
      figures: [['resets', String(n)]],
      evidence: s.evidence,
      filter: `tcp.srcport==${p} && tcp.flags.reset==1 && tcp.flags.ack==1`,
      fix: advice(whereOf(base.listener)),
      confirm: ['nstat -az TcpExtTCPAbortOnData TcpExtTCPAbortOnClose TcpEstabResets TcpOutRsts'],
    });
  },

  explain: {
    kind: 'finding',
    title: 'Connections reset by the application',
    summary: 'Established connections on this port were reset (RST+ACK) after data was exchanged: the server application aborted them or died.',
    wire: {
      pattern: ['Connections to the port show the reset-by-application signature: the server had ACKed or sent data, then sent an RST+ACK.'],
      server: 'RST+ACK after data, typically near a request or at the end of a response.',
      client: 'ECONNRESET, "Connection reset by peer", during or after a request (§6.2).',
    },
    kernel: [
      'These connections had a full socket, so they had left the listen queues. The RST comes from the application closing with SO_LINGER 0 or with unread data, or from the process exiting (§6.2).',
    ],
    lookAlikes: [
      'Bare RSTs (no ACK flag) right after the handshake are accept-queue overflow with tcp_abort_on_overflow=1 (reset-after-handshake), not application resets (§2.3).',
      'A proxy or load balancer idle timeout resets from its own address.',
    ],
    confirm: [
      { command: 'nstat -az TcpOutRsts TcpEstabResets', text: '`TcpOutRsts` on the server and `TcpEstabResets` on the client (§8).' },
      { command: "ss -tnp 'sport = :PORT'", text: 'Which process owns the connections. Match it against crashes and restarts in the logs.' },
    ],
    kernels: ['All versions covered (§6.2).'],
    sources: ['§2.3', '§6.2'],
    related: ['reset-by-application', 'reset-after-handshake'],
  },
};
