// New connections on the 4-tuple of a recent one (TIME_WAIT reuse, kernel.md §9): a signature and an info finding.

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import type { FindingCommon } from '../finding.js';
import { Fact } from '../signatures.js';
import { plural } from '../plural.js';

export type PortReuseFinding = FindingCommon<'port-reuse'>;

export class PortReuseState {
  reused = 0;
  readonly evidence = new EvidencePicker(3);
}

function advice(_at: Where): string[] {
  return ['Nothing to fix unless clients run out of ports: widen net.ipv4.ip_local_port_range on clients, or reuse connections (keep-alive, pooling).'];
}

export const portReuse: ListenerDetector<'port-reuse', PortReuseState, PortReuseFinding> = {
  scope: 'listener',
  id: 'port-reuse',
  severity: 'info',
  advice,
  newState: () => new PortReuseState(),
  observes: Fact.PortReuse,

  observe(s, c, f, base) {
    if (!(f.bits & Fact.PortReuse)) return;
    s.reused++;
    // Every reuse weighs the same; the earliest are shown.
    s.evidence.offer(1, c, f.signatures, base.times.digits);
  },

  judge(s, { base }) {
    const n = s.reused;
    if (n === 0) return null;
    return listenerFinding(portReuse, base, {
      connections: n,
      verdict: `${plural(n, 'new connection')} to ${base.listener} reused the 4-tuple of a recent one (TIME_WAIT reuse); normal for busy clients with few source ports.`,
      figures: [['connections', String(n)]],
      evidence: s.evidence,
      filter: `tcp.port==${port(base.listener)} && tcp.analysis.reused_ports`,
      fix: advice(whereOf(base.listener)),
      confirm: ['ss -tan state time-wait | wc -l'],
    });
  },

  explain: {
    kind: 'both',
    title: 'New SYN on a recent connection\'s ports',
    summary: 'A new SYN used the address/port pair of a connection seen shortly before (TIME_WAIT reuse); usually harmless.',
    wire: {
      pattern: [
        'A SYN for the same four-tuple as an earlier connection in the trace. Wireshark labels it "[TCP Port numbers reused]" (`tcp.analysis.reused_ports`).',
        'If the server still has the old connection in TIME_WAIT and the new SYN\'s seq or timestamp is newer, it is accepted. The SYN-ACK ISN is then the old connection\'s server snd_nxt + 65537, a strong fingerprint (lab: 1990538762 → 1990604299).',
        'Otherwise the server answers with a bare ACK carrying the old numbers (Wireshark: "ACKed segment that wasn\'t captured"). The client answers that with an RST, which kills the TIME_WAIT, and its SYN retransmission 1 s later succeeds (§9).',
      ],
      server: 'An old four-tuple comes back within 60 s of closing.',
      client: 'Usually nothing visible. In the rejected case, connect() takes an extra second.',
    },
    kernel: [
      'TIME_WAIT lasts a fixed 60 s (`TCP_TIMEWAIT_LEN`), with no sysctl for it. `tcp_fin_timeout` is the lifetime of orphaned FIN_WAIT_2 sockets and does not shorten TIME_WAIT (§9, §11 pitfall 1).',
      'A SYN hitting TIME_WAIT is accepted when its seq is beyond the old rcv_nxt or its timestamp is newer. Otherwise it gets an ACK with the old numbers, rate-limited (`TCPACKSkippedTimeWait`; PAWS rejects count `PAWSTimewait`, or `PAWSEstab` on older kernels). In the FIN_WAIT2 substate, a SYN with seq ≥ rcv_nxt gets an RST (§9).',
      'A SYN accepted from TIME_WAIT skips the SYN-queue test but not the accept-queue test (§1.1).',
      '`tcp_tw_reuse` only affects outgoing connect(): 0 off, 1 on, 2 loopback only, which is the default. Incoming SYNs to TIME_WAIT follow the rules above whatever it is set to. `tcp_tw_recycle` was removed in 4.12 (§9, §11 pitfall 13).',
    ],
    lookAlikes: [
      'A SYN retransmission has the same ISN, while a reused port carries a new ISN after the old connection closed. tcpdiag keys connections by four-tuple and ISN.',
      'As a listener finding (info), it means clients reuse ports quickly. It becomes a problem only when the ACK-then-RST exchange shows up and adds a second to connect().',
    ],
    confirm: [
      { command: "ss -tan state time-wait '( sport = :PORT )' | wc -l", text: 'The number of TIME_WAIT entries on the server port.' },
      { command: 'nstat -az TcpExtTWRecycled TcpExtPAWSEstab TcpExtTCPACKSkippedTimeWait', text: 'Counters for reuse and for rejected SYNs (§9; the exact meaning of TWRecycled is unverified).' },
    ],
    kernels: [
      'TIME_WAIT 60 s and the SYN rules: 4.19 and 6.18 source, lab 6.18.44 (§9). tcp_tw_reuse=2 as default: ≈4.19/4.20, unverified (§12). tcp_tw_recycle removed in 4.12.',
    ],
    sources: ['§1.1', '§9', '§11'],
    related: [],
  },
};
