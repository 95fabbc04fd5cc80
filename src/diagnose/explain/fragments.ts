// Paragraphs several catalog entries share. Each states the kernel.md section (§) and the kernel
// versions it holds for, because an operator reading one entry must not need another to trust it.

import type { ConfirmStep } from './entry.js';

export const QUEUE_MODEL =
  'Linux keeps two queues per listening socket. The SYN queue holds request socks: half-open connections whose SYN-ACK has been sent but whose final ACK has not arrived. The accept queue holds established connections waiting for the application to call accept(). Both limits are the same number, `sk_max_ack_backlog` = min(listen() backlog, `net.core.somaxconn`), and a negative backlog means somaxconn (§1.1, kernels ≥ 4.4). The accept queue only counts as full when it holds more than that number, so it holds backlog+1 (§1.1). The SYN queue is full at qlen ≥ limit on 4.4 to 6.12, and at qlen > limit from 6.13 (commit 3479c7549fb1, version inferred) and in stable kernels that took the backport, such as 6.1.y. `net.core.somaxconn` defaults to 4096 since 5.4 and was 128 before (§1.1).';

export const OLD_SYN_QUEUE =
  'On kernels ≤ 4.3 the SYN queue had a size of its own, roundup_pow_of_two(max(min(backlog, `tcp_max_syn_backlog`), 8) + 1), e.g. 256 for backlog 128 (§1.2, 3.10 source). Since 4.4 `tcp_max_syn_backlog` sizes nothing. It matters only when tcp_syncookies=0: new SYNs from peers without a cached RTT are dropped once the SYN queue is more than ¾ of it (§1.1, 6.x source).';

export const ABORT_0 =
  'With `net.ipv4.tcp_abort_on_overflow=0` (the default), a final ACK that meets a full accept queue is dropped silently, and the same goes for data or a FIN. The request sock stays in the SYN queue marked "acked", but no socket exists and nothing is sent back, even though the client\'s connect() has already returned. While the queue stays full, every later segment of the flow is dropped the same way (`ListenOverflows` and `ListenDrops` +1 per segment). The first acceptable segment after the application makes room creates the connection (§2.1, §2.2; same code in 4.19 and 6.18, lab 6.18.44).';

export const ABORT_1 =
  'With `tcp_abort_on_overflow=1`, that final ACK or first data segment is answered within microseconds with a bare RST: seq = ISNs+1, no ACK flag, window 0. The request is removed (`EmbryonicRsts`, `ListenOverflows`, `ListenDrops`), and the client\'s next recv or send fails with ECONNRESET. A full queue never makes Linux answer a SYN with an RST (§2.3, §11 pitfall 6; 6.18 source, lab 6.18.44).';

export const COOKIE_OVERFLOW =
  'A connection opened with a syncookie has no request sock. If its final ACK meets a full accept queue, it is dropped silently even with tcp_abort_on_overflow=1, and the server retransmits nothing (`SyncookiesRecv`, `ListenOverflows`, `ListenDrops`). A later client segment that still carries seq = ISNc+1 completes it, as long as it arrives within the cookie lifetime (§2.5, §5; lab 6.18.44).';

export const SYN_AT_FULL_QUEUES =
  'What happens to a new SYN (§4, 6.x source): if the SYN queue is full, or tcp_syncookies=2, it is answered with a cookie SYN-ACK when tcp_syncookies is 1 or 2 (`TCPReqQFullDoCookies`, `SyncookiesSent`) and dropped when it is 0 (`TCPReqQFullDrop`, `ListenDrops`). Next, if the accept queue is full, the SYN is dropped whatever the cookie setting (`ListenOverflows`, `ListenDrops`). That drop is unconditional since 4.10 (commit 5ea8ea2cb7f1, backported to 3.16.81 and 4.4.y). Before that, a SYN was dropped only while more than one young request was queued, so older kernels still answered some SYNs and produced connections that were then ignored. A dropped SYN gets no SYN-ACK, no RST and no ICMP.';

export const SYNACK_TIMING =
  'The server re-sends an unanswered SYN-ACK from the request sock with the same ISN, the same options and a new TSval. With the default tcp_synack_retries=5 this happens 1, 3, 7, 15 and 31 s after the first SYN-ACK, and the request is dropped silently at 63 s. With tcp_synack_retries=2, or under queue pressure (the "young rule" cuts old requests to 2 retries), it is 1 and 3 s, with expiry at 7 s (§3.1, §3.2). The timing is exact since 4.4; on ≤ 4.3 it is quantised to steps of about 1.0–1.4 s, and before 3.1 it was 3, 9, 21, 45, 93 s. A client segment arriving after expiry gets a bare RST (seq = ISNs+1) from the listener (§3.4). Cookie SYN-ACKs are never retransmitted (§5).';

export const CLIENT_SYN_TIMING =
  'A Linux client re-sends an unanswered SYN with the same ISN (§6.1):\n' +
  '- 1, 3, 7, 15, 31, 63 s on 3.7 to 6.4; connect() fails with ETIMEDOUT after about 127 s.\n' +
  '- 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s since 6.5 (tcp_syn_linear_timeouts=4); connect() fails after about 131 s.\n' +
  '- 1, 3, 7, 15, 31 s on 3.1 to 3.6.\n' +
  '- 3, 9, 21, 45, 93 s before 3.1.\n' +
  'Application connect timeouts usually fire earlier.';

export const VANTAGE =
  'Which side the capture was taken on shows in the timing (§10). At the server, SYN to SYN-ACK is about 0 and SYN-ACK to ACK is about one RTT; at the client it is the other way round.';

export const SS_STEP: ConfirmStep = {
  command: "ss -lnt 'sport = :PORT'",
  text: 'On the LISTEN row, Recv-Q is the number of established connections waiting for accept() (`sk_ack_backlog`), and Send-Q is the limit min(backlog, somaxconn) (`sk_max_ack_backlog`). Recv-Q = Send-Q+1 is what a full queue looks like (§8, §11 pitfall 9). `netstat -lnt` shows Send-Q 0 for listeners and cannot show the limit. `ss -tn state syn-recv` lists the half-open requests.',
};

export const NSTAT_STEP: ConfirmStep = {
  command: 'nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop TcpExtSyncookiesSent',
  text: 'Run it twice while the problem is happening, and compare:\n' +
    '- `ListenOverflows` rising means the accept queue is full. It counts dropped segments, not connections (18 for 2 connections in the lab; §11 pitfall 5).\n' +
    '- `TCPReqQFullDrop` rising means the SYN queue is full and syncookies=0.\n' +
    '- `SyncookiesSent` (and `TCPReqQFullDoCookies`) rising means the SYN queue is full and cookies are being sent.\n' +
    '- `ListenDrops` counts every drop at a listener and rises along with ListenOverflows. On its own it does not mean SYN-queue overflow (§8, §11 pitfall 4).\n' +
    'The counters are per network namespace, so run it inside the server\'s container or namespace.',
};

export const NETSTAT_STEP: ConfirmStep = {
  command: 'netstat -s | grep -i listen',
  text: 'The same counters in words (§8): "N times the listen queue of a socket overflowed" is ListenOverflows. "N SYNs to LISTEN sockets dropped" ("ignored" in old net-tools) is ListenDrops.',
};

export const HOST_STEP: ConfirmStep = {
  command: 'tcpdiag host --port PORT',
  text: 'Reads these counters twice, 5 s apart, prints their rates, and flags listeners whose Recv-Q has reached Send-Q+1.',
};

export const QUEUES_STEP: ConfirmStep = {
  command: 'tcpdiag queues --backlog N --host',
  text: 'Computes the effective queue sizes from this machine\'s sysctls and kernel version.',
};

export const FIX_RAISE_TOGETHER =
  'Raise the application\'s listen() backlog and `net.core.somaxconn` together. The kernel uses min(backlog, somaxconn) for both queues (§1.1, ≥ 4.4), so raising only one of them changes nothing. For example, run `sysctl -w net.core.somaxconn=4096` (and persist it in /etc/sysctl.d/), raise the server\'s own backlog setting, then restart the server. Calling listen() again on a listening socket also updates the limit (§1.1). Afterwards, check that `ss -lnt \'sport = :PORT\'` shows the new Send-Q.';

export const FIX_ACCEPT_FASTER =
  'Accept faster. A deeper queue only buys time. The cause is an application that does not call accept() as fast as connections arrive, for example because of a single acceptor thread, blocking work in the accept loop, CPU starvation, garbage-collection or event-loop stalls, or an exhausted worker pool.';

export const FIX_ABORT_DEBUG =
  'Use `net.ipv4.tcp_abort_on_overflow=1` only as a debugging aid. It turns silent stalls into immediate resets (ECONNRESET at the client, a bare RST in the capture), so the overflow shows up in client logs. Set it back to 0 afterwards: with 0, a short burst costs the client a retransmission but the connection survives once there is room (§2.2); with 1 the connection is lost. It has no effect on connections opened by a syncookie (§2.5).';
