// When a Linux listener re-sends a SYN-ACK from a request sock and when it gives up (kernel.md §3).

import { kernelAtLeast, type KernelVersion } from './kernel-version.js';
import type { Rule } from './rule.js';

export interface SynAckSchedule {
  retries: number;
  initialRtoSeconds: number;
  /** Seconds after the first SYN-ACK at which each retransmission is sent. */
  retransmitsAt: number[];
  /** Seconds after the first SYN-ACK at which the request is dropped silently. */
  expiresAt: number;
  rules: Rule[];
}

// reqsk_timeout = min(req->timeout << num_timeout, TCP_RTO_MAX) (kernel.md §3.1). kernel.md names
// TCP_RTO_MAX without its value; 120 s is the mainline constant. It only matters for retries > 6.
const TCP_RTO_MAX_SECONDS = 120;

export function synAckSchedule(kernel: KernelVersion, retries: number): SynAckSchedule {
  // kernel.md §3.2: TCP_TIMEOUT_INIT was 3 s before 3.1 (3, 9, 21, 45, 93 s; expiry ≈189 s), 1 s since.
  const initialRtoSeconds = kernelAtLeast(kernel, 3, 1) ? 1 : 3;
  const retransmitsAt: number[] = [];
  let elapsed = 0;
  let capped = false;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const interval = initialRtoSeconds * 2 ** attempt;
    if (interval > TCP_RTO_MAX_SECONDS) capped = true;
    elapsed += Math.min(interval, TCP_RTO_MAX_SECONDS);
    if (attempt < retries) retransmitsAt.push(elapsed);
  }
  const expiresAt = elapsed;

  const rules: Rule[] = [
    {
      text: `tcp_synack_retries=${retries}: SYN-ACK re-sent from the request sock (same ISN, same options, new TSval) at ${retransmitsAt.length ? retransmitsAt.map((s) => `${s}`).join(', ') + ' s' : 'no time (no retransmission)'} after the first; the request is then dropped silently (no RST) at ${expiresAt} s`,
      source: 'kernel.md §3.1, §3.2',
      kernels: initialRtoSeconds === 1 ? '≥ 3.1 (1 s initial timeout, RFC 2988bis)' : '< 3.1 (TCP_TIMEOUT_INIT = 3 s)',
    },
  ];
  if (capped) {
    rules.push({
      text: `intervals longer than TCP_RTO_MAX (${TCP_RTO_MAX_SECONDS} s, mainline value; kernel.md names the cap but not its value) are cut to it`,
      source: 'kernel.md §3.1 (reqsk_timeout)',
      kernels: 'all versions covered',
    });
  }
  if (!kernelAtLeast(kernel, 4, 4)) {
    rules.push({
      text: 'the listener timer runs every 200 ms (TCP_SYNQ_INTERVAL), so retransmissions are quantised: ≈1.0–1.4 s instead of exactly 1 s',
      source: 'kernel.md §1.2',
      kernels: '≤ 4.3 (per-request timers, HZ-exact, since 4.4)',
    });
  }
  rules.push({
    text: 'young rule: when qlen·2 > max(8, backlog), requests that already timed out get fewer retransmissions, down to 2 (expiry at 7 s), so under overflow pressure the schedule is often 1, 3 s then silence',
    source: 'kernel.md §3.1 (reqsk_timer_handler)',
    kernels: '6.x source; ≤ 4.3 used qlen >> (max_qlen_log-1) as the pressure test',
  });
  rules.push({
    text: 'cookie SYN-ACKs keep no state and are never retransmitted',
    source: 'kernel.md §5',
    kernels: 'all versions covered',
  });
  if (kernelAtLeast(kernel, 5, 18)) {
    rules.push({
      text: 'a BPF sock_ops program can change the 1 s initial timeout (tcp_timeout_init), and the newest kernels cap it with net.ipv4.tcp_rto_max_ms (present in 6.18.44)',
      source: 'kernel.md §3.1',
      kernels: '≈ 5.18 (inferred) for BPF; tcp_rto_max_ms in 6.18.44',
    });
  }
  return { retries, initialRtoSeconds, retransmitsAt, expiresAt, rules };
}
