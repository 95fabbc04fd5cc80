// What a Linux listener does when one of its queues is full (kernel.md §2 and §4), as rules for the
// kernel version and settings the calculator was given.

import { kernelAtLeast, type KernelVersion } from './kernel-version.js';
import type { Rule } from './rule.js';
import { synAckSchedule } from './synack-schedule.js';

export function acceptQueueWhenFull(
  kernel: KernelVersion,
  abortOnOverflow: 0 | 1,
  syncookies: 0 | 1 | 2,
  synackRetries: number,
): Rule[] {
  const rules: Rule[] = [synArrivingAtFullAcceptQueue(kernel)];
  const schedule = synAckSchedule(kernel, synackRetries);

  if (syncookies === 2) {
    // kernel.md §2.5 + §4 table: with syncookies=2 every connection is cookie-opened, and a cookie
    // ACK meeting a full accept queue is dropped silently even with tcp_abort_on_overflow=1.
    rules.push({
      text: `syncookies=2 opens every connection with a cookie, so the client's final ACK or data is dropped silently when the accept queue is full — even with tcp_abort_on_overflow=1 — and nothing is retransmitted by the server (SyncookiesRecv, ListenOverflows, ListenDrops); the connection completes when a later client segment still carrying seq = ISNc+1 arrives within the cookie lifetime`,
      source: 'kernel.md §2.5, §5',
      kernels: '[LAB] 6.18.44; code path as in [6.7] syncookies.c',
    });
    return rules;
  }

  if (abortOnOverflow === 0) {
    // kernel.md §2.1/§2.2: tcp_check_req() → syn_recv_sock() fails → `inet_rsk(req)->acked = 1; return NULL`.
    rules.push({
      text: `tcp_abort_on_overflow=0: the client's final ACK (and any data or FIN) is dropped silently — the request stays in the SYN queue marked acked and no socket exists, while the client's connect() has already returned. ListenOverflows and ListenDrops rise once per dropped segment. The server re-sends its SYN-ACK at ${schedule.retransmitsAt.join(', ') || '(no retries)'} s and the client answers each with a dup ACK; the first client segment after the application makes room creates the connection. Otherwise the request expires silently at ${schedule.expiresAt} s and the next client segment gets a bare RST (seq = ISNs+1)`,
      source: 'kernel.md §2.1, §2.2, §3.4',
      kernels: 'same code in 4.19 and 6.18; [LAB] 6.18.44',
    });
  } else {
    // kernel.md §2.3: send_reset = tcp_v4_send_reset(): seq = the ACK's ack_seq, no ACK flag, window 0.
    rules.push({
      text: 'tcp_abort_on_overflow=1: the client\'s final ACK or first data segment is answered at once with a bare RST (seq = ISNs+1, no ACK flag, window 0) and the request is removed (EmbryonicRsts, ListenOverflows, ListenDrops); the client\'s next recv/send fails with ECONNRESET. The RST never answers a SYN',
      source: 'kernel.md §2.3, §11 pitfall 6',
      kernels: '6.18 source, [LAB] 6.18.44; code path identical in 4.19',
    });
  }
  if (syncookies === 1) {
    rules.push({
      text: 'connections that were opened with a cookie SYN-ACK (SYN queue was full) are dropped silently at a full accept queue whatever tcp_abort_on_overflow says',
      source: 'kernel.md §2.5',
      kernels: '[LAB] 6.18.44',
    });
  }
  return rules;
}

function synArrivingAtFullAcceptQueue(kernel: KernelVersion): Rule {
  // kernel.md §4 step 2: 5ea8ea2cb7f1 "tcp/dccp: drop SYN packets if accept queue is full" (4.10,
  // backported to 3.16.81 and 4.4.y stable). Before: drop only if inet_csk_reqsk_queue_young() > 1.
  const hasBackport = kernel.major === 3 && kernel.minor === 16 && kernel.patch >= 81;
  if (kernelAtLeast(kernel, 4, 10) || hasBackport) {
    return {
      text: 'a new SYN is dropped without any answer, whatever tcp_syncookies says (ListenOverflows, ListenDrops); the client retransmits it — on the wire this looks like a firewall drop',
      source: 'kernel.md §4 (tcp_conn_request step 2)',
      kernels: '≥ 4.10 (commit 5ea8ea2cb7f1), 3.16.81+ and 4.4.y stable backports',
    };
  }
  const stableNote =
    kernel.major === 4 && kernel.minor === 4
      ? ' (4.4.y stable kernels received the ≥ 4.10 rule as a backport — kernel.md does not say from which patch level)'
      : '';
  return {
    text: `a new SYN is dropped only while more than one young request (never retransmitted) sits in the SYN queue; otherwise it is still answered with a SYN-ACK and its final ACK then meets the full accept queue ("ghost" connections)${stableNote}`,
    source: 'kernel.md §4 (tcp_conn_request step 2), §11 pitfall 8',
    kernels: '< 4.10 without the stable backport',
  };
}

export function synQueueWhenFull(kernel: KernelVersion, syncookies: 0 | 1 | 2): Rule[] {
  const rules: Rule[] = [];
  if (syncookies === 0) {
    rules.push({
      text: `syncookies=0: the SYN is dropped without answer (TCPReqQFullDrop, ListenDrops) and the first time per listener the kernel logs e.g. "${floodLogLine(kernel, 'Dropping request')}"`,
      source: 'kernel.md §4 step 1 and table',
      kernels: floodLogKernels(kernel),
    });
  } else if (syncookies === 1) {
    rules.push({
      text: `syncookies=1: the SYN is answered with a cookie SYN-ACK and no state is kept (TCPReqQFullDoCookies, SyncookiesSent); the first time per listener the kernel logs e.g. "${floodLogLine(kernel, 'Sending cookies')}"`,
      source: 'kernel.md §4 step 1 and table, §5',
      kernels: floodLogKernels(kernel),
    });
  } else {
    rules.push({
      text: 'syncookies=2: the SYN queue is never used — every SYN gets a cookie SYN-ACK (TCPReqQFullDoCookies counts each one) and nothing is logged',
      source: 'kernel.md §4 step 1 and table',
      kernels: 'all versions covered',
    });
  }
  rules.push({
    text: 'a SYN that hits a TIME_WAIT socket and is accepted skips this test, but not the accept-queue test',
    source: 'kernel.md §1.1',
    kernels: '≥ 4.4 as documented',
  });
  return rules;
}

// kernel.md §4: the "Possible SYN flooding" message changed form in 6.2 (d9282e48c608) and differs on 3.x.
function floodLogLine(kernel: KernelVersion, action: 'Dropping request' | 'Sending cookies'): string {
  if (kernelAtLeast(kernel, 6, 2)) return `TCP: request_sock_TCP: Possible SYN flooding on port 127.0.0.1:8000. ${action}.`;
  if (kernelAtLeast(kernel, 4, 0)) return `TCP: request_sock_TCP: Possible SYN flooding on port 8000. ${action}.  Check SNMP counters.`;
  return `TCP: TCP: Possible SYN flooding on port 8000. ${action}.  Check SNMP counters.`;
}

function floodLogKernels(kernel: KernelVersion): string {
  if (kernelAtLeast(kernel, 6, 2)) return 'log text with address:port since 6.2 (d9282e48c608)';
  if (kernelAtLeast(kernel, 4, 0)) return 'log text of 4.x–6.1';
  return 'log text of 3.x ("TCP: TCP:" prefix)';
}
