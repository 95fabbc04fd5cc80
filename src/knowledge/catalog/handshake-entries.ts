// Signatures seen before or during the three-way handshake (kernel.md §3, §4, §6, §10).

import {
  ABORT_0,
  CLIENT_SYN_TIMING,
  HOST_STEP,
  NETSTAT_STEP,
  NSTAT_STEP,
  QUEUE_MODEL,
  SS_STEP,
  SYN_AT_FULL_QUEUES,
  SYNACK_TIMING,
  VANTAGE,
} from '../../diagnose/explain/fragments.js';
import type { CatalogEntry } from './types.js';

export const HANDSHAKE_ENTRIES: readonly CatalogEntry[] = [
  {
    id: 'syn-retransmit',
    kind: 'signature',
    title: 'Client re-sent its SYN',
    summary: 'The client sent the same SYN again (same ISN) before any SYN-ACK or RST came back.',
    wire: {
      pattern: [
        'A SYN, then the same SYN again (same ports, same ISN, no SYN-ACK or RST in between), at the client\'s retransmission times. Wireshark marks it "TCP Retransmission".',
        CLIENT_SYN_TIMING,
      ],
      server:
        'The SYN is captured arriving, but nothing goes back. Either the kernel dropped it (accept queue full, SYN queue full with syncookies=0, or the ¾ tcp_max_syn_backlog rule), or a filter dropped it before TCP saw it. If a SYN-ACK does leave and the client still retransmits, the SYN-ACK is being lost on the way back.',
      client:
        'Only outgoing SYNs are visible, so it cannot tell whether the SYN or the SYN-ACK was lost. One retransmission followed by a SYN-ACK is ordinary loss. A growing run of retransmissions is a drop.',
    },
    kernel: [
      SYN_AT_FULL_QUEUES,
      'A retransmitted SYN that reaches a request sock which already exists gets the SYN-ACK resent at once (rate-limited to one per 500 ms) (§3.3). So if the server keeps state for this connection, a repeated SYN is answered.',
    ],
    lookAlikes: [
      'A firewall or security group that drops SYNs looks exactly the same. So does a SYN dropped because the accept queue is full (≥ 4.10) or the SYN queue is full with syncookies=0 (§4, §10). tcpdiag looks at the same listener over the same period: when it answers other SYNs intermittently while these go unanswered, the cause is a kernel queue drop and not a path that is down. Only the host counters tell accept-queue from SYN-queue overflow.',
      'If a SYN-ACK does come back after one or two retransmissions and the connection then works normally, tcpdiag reports it under handshake-loss, not as an overflow.',
    ],
    confirm: [NSTAT_STEP, SS_STEP, NETSTAT_STEP, HOST_STEP],
    fix: [
      'If ListenOverflows rises, the accept queue is full: see `tcpdiag explain accept-queue-overflow`. If TCPReqQFullDrop rises, the SYN queue is full with syncookies=0: keep net.ipv4.tcp_syncookies=1, raise backlog and somaxconn, and see `tcpdiag explain syn-flood`. If neither counter moves, look for a firewall, security group or load-balancer health problem on the path.',
    ],
    kernels: [
      'SYN drop at a full accept queue: unconditional since 4.10 and in the 3.16.81 and 4.4.y backports; partial before (§4).',
      'Client retransmission timing by kernel version: as listed under On the wire (§6.1).',
      'Queue sizes: §1.1 (≥ 4.4) and §1.2 (≤ 4.3).',
    ],
    sources: ['§3.3', '§4', '§6.1', '§10'],
    related: ['syn-unanswered', 'accept-queue-overflow', 'syn-flood', 'handshake-loss'],
  },
  {
    id: 'refused',
    kind: 'signature',
    title: 'Connection refused',
    summary: 'The SYN was answered with RST+ACK (ack = ISN+1): nothing was listening on that address and port.',
    wire: {
      pattern: [
        'SYN, answered at once by RST+ACK with seq 0 and ack = the client\'s ISN+1 (§6.2). The client\'s connect() fails with ECONNREFUSED (111). Clients often try again, which shows up as a new SYN on the same or a new port.',
      ],
      server: 'The RST leaves right after the SYN arrives, with no delay.',
      client: 'The RST comes back about one RTT after the SYN.',
    },
    kernel: [
      'A SYN for which no listening socket exists is answered by `tcp_v4_send_reset()` with RST+ACK, seq 0 and ack = ISNc+1. In SYN_SENT, the client turns that into ECONNREFUSED (§6.2).',
      'A full accept queue or SYN queue on Linux never produces this. SYNs are then dropped silently, and tcp_abort_on_overflow=1 sends its RST only at the final ACK (§2.3, §11 pitfall 6).',
    ],
    lookAlikes: [
      'reset-after-handshake is a bare RST without the ACK flag, after a completed handshake. refused is RST+ACK in answer to the SYN itself. tcpdiag tells them apart by the flags and by what the RST answers.',
      'Windows servers are believed to answer a SYN with RST+ACK when their backlog is full (§7, unverified). Against a Windows server, a refused SYN may therefore be an overflow.',
      'A firewall rule that rejects with a TCP reset looks the same. Check whether the RST comes from the server\'s own address and TTL.',
    ],
    confirm: [
      { command: "ss -lnt 'sport = :PORT'", text: 'No row means nothing is listening on that port in this network namespace. A row bound to 127.0.0.1 refuses connections to other addresses.' },
      { command: 'nstat -az TcpOutRsts TcpAttemptFails', text: 'On the server, `TcpOutRsts` counts the RSTs sent. On the client, `TcpAttemptFails` counts the failed opens (§8).' },
    ],
    fix: [
      'Start the service, or make it listen on the address and port the clients use (0.0.0.0 or the right interface, and the right network namespace or container port mapping). If clients connect during restarts, have them retry with backoff.',
    ],
    kernels: ['RST+ACK for a SYN with no listener and ECONNREFUSED: all Linux versions covered (§6.2). Queue overflow never RSTs a SYN: 4.19 and 6.18 source (§2.3).'],
    sources: ['§2.3', '§6.2', '§7', '§11'],
    related: ['connection-refused', 'reset-after-handshake'],
  },
  {
    id: 'synack-retransmit',
    kind: 'signature',
    title: 'Server re-sent its SYN-ACK before the handshake ACK',
    summary: 'The server re-sent its SYN-ACK (same ISN) before the client\'s handshake ACK was seen.',
    wire: {
      pattern: [
        'SYN, SYN-ACK, then the same SYN-ACK again (same seq ISNs, same options, a new TSval) about 1 s later, with no client ACK captured in between. Further copies follow at 3, 7, 15 and 31 s if the ACK still does not arrive (§3.2).',
      ],
      server:
        'The server never received the ACK: either the SYN-ACK was lost on the way to the client, or the client\'s ACK was lost on the way back. If the SYN-ACK was lost, the client usually re-sends its SYN too, and that makes the server re-send the SYN-ACK at once (§3.3).',
      client:
        'If the client\'s capture shows the SYN-ACK arriving but no ACK leaving, the client host is the problem. If the SYN-ACK never arrives, it is being lost on the path.',
    },
    kernel: [SYNACK_TIMING, ABORT_0],
    lookAlikes: [
      'If the client\'s ACK was captured before the re-sent SYN-ACK, tcpdiag reports synack-retransmit-after-ack instead. That pattern, and not this one, is the accept-queue overflow fingerprint.',
      'If the handshake then completes and data is ACKed at once, this was path loss (handshake-loss).',
      'A cookie SYN-ACK is never retransmitted, so this signature means the server kept a request sock. Syncookies were not in use for this connection (§5).',
      VANTAGE,
    ],
    confirm: [
      { command: 'nstat -az TcpExtTCPSynRetrans TcpRetransSegs', text: 'Counts SYN and SYN-ACK retransmissions on the host (§8).' },
      SS_STEP,
    ],
    fix: [
      'Usually path loss: check the path (drops, MTU, asymmetric routing, stateful middleboxes). If it comes with synack-retransmit-after-ack on other connections, treat it as accept-queue overflow.',
    ],
    kernels: ['Schedule 1, 3, 7, 15, 31 s with expiry at 63 s: ≥ 3.1, exact since 4.4 (§3.2). Same ISN and options on retransmission: 6.x source (§3.1).'],
    sources: ['§3.1', '§3.2', '§3.3', '§5', '§10'],
    related: ['synack-retransmit-after-ack', 'handshake-loss'],
  },
  {
    id: 'synack-retransmit-after-ack',
    kind: 'signature',
    title: 'SYN-ACK re-sent after the client completed the handshake',
    summary: 'The server re-sent its SYN-ACK after the client\'s handshake ACK: the completed handshake was ignored (accept queue full, tcp_abort_on_overflow=0).',
    wire: {
      pattern: [
        'SYN, SYN-ACK (seq ISNs), then the client\'s ACK with ack = ISNs+1, which the server ignores. Usually the client\'s request data follows and is never ACKed, so the client retransmits it on its RTO: +0.2, +0.4, +0.8 s and so on.',
        'About 1 s after the first SYN-ACK, the server re-sends it with the same seq, the same options and a new TSval (Wireshark: "TCP Retransmission"). The client answers with a challenge ACK: seq = its snd_nxt, ack = ISNs+1, and TSecr echoing the first SYN-ACK (Wireshark: "TCP Dup ACK"). The same pair repeats at 3, 7, 15 and 31 s (§2.2, lab 6.18.44).',
        'The connection recovers when the application accepts: the first client segment after that creates the connection, and the server ACKs the data. If the request expires (63 s, or 7 s under pressure), the server sends nothing, and the client\'s next segment gets a bare RST with seq = ISNs+1 (§3.4).',
      ],
      server:
        'The ACK and the data arrive and nothing is ACKed. Only the SYN-ACK copies leave. Server-first protocols (SMTP, MySQL, SSH banner) show the client idle, waiting for a greeting that never comes.',
      client:
        'connect() has already succeeded, and the application\'s request gets no answer. The same picture can come from the client\'s ACK being lost on the path, so a single such connection in a client-side capture is weak evidence.',
    },
    kernel: [ABORT_0, SYNACK_TIMING, QUEUE_MODEL],
    lookAlikes: [
      'ACK loss on the path (handshake-loss) looks the same in a client-side capture (§10). tcpdiag gives more weight to the overflow when several connections to the same listener show it in the same period, when the client\'s data is never ACKed, and when the capture was taken at the server.',
      'TCP_DEFER_ACCEPT also drops bare ACKs and holds back SYN-ACKs, but the first data segment is ACKed at once (§2.6). Here the data is not ACKed, and SYN-ACKs keep coming at 1, 3 and 7 s.',
      'Since 2025 (6.15?, unverified), a server may drop an ACK whose TSecr does not match a SYN-ACK it sent; it then answers with an ACK, counting `TcpExtTSEcrRejected` (§2.1). An overflow sends nothing.',
      VANTAGE,
    ],
    confirm: [SS_STEP, NSTAT_STEP, NETSTAT_STEP, HOST_STEP, { command: 'sysctl net.ipv4.tcp_abort_on_overflow', text: '0 is the setting that produces this signature. With 1, you would see reset-after-handshake instead (§2.3).' }],
    fix: [
      'This is an accept-queue overflow: see `tcpdiag explain accept-queue-overflow` for the fix (raise backlog and somaxconn together, and accept faster).',
    ],
    kernels: [
      'Silent drop of the final ACK with abort_on_overflow=0: same code in 4.19 and 6.18 (§2.1). Lab-confirmed on 6.18.44 (§2.2).',
      'SYN-ACK schedule: ≥ 3.1, exact since 4.4 (§3.2). Challenge ACK on the client: RFC 5961 behaviour, version ≈3.6, unverified (§6.2).',
      'On < 4.10, more of these appear, because SYNs were still answered while the accept queue was full (§4, §11 pitfall 8).',
    ],
    sources: ['§2.1', '§2.2', '§2.6', '§3.2', '§3.4', '§10'],
    related: ['accept-queue-overflow', 'handshake-data-ignored', 'reset-after-handshake', 'synack-retransmit'],
  },
];
