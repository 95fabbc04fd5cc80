// SYNs answered by RST+ACK: nothing was listening (kernel.md §6.2).

import { listenerFinding, port, whereOf, type ListenerDetector, type Where } from '../detector.js';
import { EvidencePicker } from '../evidence.js';
import type { FindingCommon } from '../finding.js';
import { Fact } from '../signatures.js';
import { plural } from '../plural.js';

export type ConnectionRefusedFinding = FindingCommon<'connection-refused'>;

export class RefusedState {
  readonly evidence = new EvidencePicker();
}

function advice(at: Where): string[] {
  return [`Check that the service is running and bound to ${at.listener} (not only to 127.0.0.1), and that clients use the right port.`];
}

export const connectionRefused: ListenerDetector<'connection-refused', RefusedState, ConnectionRefusedFinding> = {
  scope: 'listener',
  id: 'connection-refused',
  severity: 'warning',
  advice,
  newState: () => new RefusedState(),
  observes: Fact.Refused,

  observe(s, c, f, base) {
    // Every refusal weighs the same; the earliest are shown.
    if (f.bits & Fact.Refused) s.evidence.offer(1, c, f.signatures, base.times.digits);
  },

  judge(s, { base }) {
    // The count is the base's: syn-unanswered needs it too.
    const n = base.refused;
    if (n === 0) return null;
    const p = port(base.listener);
    return listenerFinding(connectionRefused, base, {
      connections: n,
      verdict: `${plural(n, 'connection attempt')} to ${base.listener} ${n === 1 ? 'was' : 'were'} refused: the host answered the SYN with RST+ACK, so nothing was listening on port ${p} (or a firewall rejected it).`,
      figures: [['refused', String(n)], ['answered handshakes', String(base.answered)]],
      evidence: s.evidence,
      filter: `tcp.srcport==${p} && tcp.flags.reset==1 && tcp.flags.ack==1 && tcp.seq_raw==0`,
      fix: advice(whereOf(base.listener)),
      confirm: [`ss -lnt 'sport = :${p}'   # is anything listening?`, 'nstat -az TcpOutRsts TcpAttemptFails'],
    });
  },

  explain: {
    kind: 'finding',
    title: 'Connections refused',
    summary: 'SYNs to this port were answered with RST+ACK: nothing was listening there at the time.',
    wire: {
      pattern: ['Connections to the port show the refused signature: a SYN answered by RST+ACK with ack = ISN+1. This often comes in a time window, such as during a restart.'],
      server: 'RST+ACK leaves immediately after each SYN.',
      client: 'connect() fails at once with ECONNREFUSED (111) (§6.2).',
    },
    kernel: [
      'With no listening socket for the address and port, Linux answers a SYN with RST+ACK (seq 0, ack = ISNc+1) (§6.2). A full Linux queue never does this (§2.3, §11 pitfall 6).',
    ],
    lookAlikes: [
      'Linux queue overflows drop SYNs silently, so refused SYNs are not an overflow against a Linux server. Against Windows they might be (§7, unverified).',
      'A REJECT firewall rule with a TCP reset looks the same.',
    ],
    confirm: [{ command: "ss -lnt 'sport = :PORT'", text: 'Is anything listening, on which address, and in which namespace or container?' }],
    kernels: ['All versions covered (§6.2).'],
    sources: ['§2.3', '§6.2', '§7'],
    related: ['refused'],
  },
};
