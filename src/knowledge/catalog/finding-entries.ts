// Per-listener findings: what tcpdiag concludes from many connections to one server port.

import {
  ABORT_0,
  ABORT_1,
  CLIENT_SYN_TIMING,
  COOKIE_OVERFLOW,
  FIX_ABORT_DEBUG,
  FIX_ACCEPT_FASTER,
  FIX_RAISE_TOGETHER,
  HOST_STEP,
  NETSTAT_STEP,
  NSTAT_STEP,
  OLD_SYN_QUEUE,
  QUEUE_MODEL,
  QUEUES_STEP,
  SS_STEP,
  SYN_AT_FULL_QUEUES,
  SYNACK_TIMING,
  VANTAGE,
} from './fragments.js';
import type { CatalogEntry } from './types.js';

export const FINDING_ENTRIES: readonly CatalogEntry[] = [
  {
    id: 'accept-queue-overflow',
    kind: 'finding',
    severity: 'error',
    title: 'Accept queue overflow',
    summary: 'The listener\'s accept queue was full: completed handshakes were ignored or reset and new SYNs dropped, because the application did not accept() fast enough.',
    wire: {
      pattern: [
        'Several connections to one server port show one or more of these signatures in the same period:\n' +
          '- synack-retransmit-after-ack: the handshake ACK is ignored, SYN-ACK copies follow at 1, 3, 7 s, and the client\'s data is not ACKed (tcp_abort_on_overflow=0).\n' +
          '- reset-after-handshake: a bare RST answers the handshake ACK (tcp_abort_on_overflow=1).\n' +
          '- handshake-data-ignored: a cookie-opened connection whose data is met with silence.\n' +
          '- syn-retransmit or syn-unanswered: SYNs dropped while the queue is full (≥ 4.10).',
        'Connections that do get through show a delay of a few seconds, ending when the application accepts.',
      ],
      server: 'ACKs and data arrive and are not answered, or are answered by a bare RST. SYNs go unanswered in bursts, while other SYNs to the same port are answered.',
      client: 'connect() succeeds but the first request hangs (abort=0) or fails with ECONNRESET (abort=1). New connections time out or take 1, 3, 7 s or more.',
    },
    kernel: [QUEUE_MODEL, ABORT_0, ABORT_1, COOKIE_OVERFLOW, SYN_AT_FULL_QUEUES, SYNACK_TIMING, OLD_SYN_QUEUE],
    lookAlikes: [
      'Path loss of the handshake ACK (handshake-loss) affects random connections and recovers at the next retransmission. Overflow affects many connections to the same listener at once, and their data stays un-ACKed until the application accepts.',
      'A SYN flood fills the SYN queue (cookies, or TCPReqQFullDrop) with handshakes that are never completed. In an overflow the handshakes do complete, and the accept queue is what is full.',
      'TCP_DEFER_ACCEPT drops bare ACKs but ACKs the first data at once (§2.6).',
      'ListenDrops alone, or "SYNs to LISTEN sockets dropped", is not proof of SYN-queue overflow; it rises with every listener drop (§11 pitfall 4).',
      VANTAGE,
    ],
    confirm: [SS_STEP, NSTAT_STEP, NETSTAT_STEP, HOST_STEP, QUEUES_STEP],
    fix: [FIX_RAISE_TOGETHER, FIX_ACCEPT_FASTER, FIX_ABORT_DEBUG],
    kernels: [
      'Queue sizes: §1.1 for ≥ 4.4 (SYN queue `>=` up to 6.12, `>` from 6.13 and in stable backports); §1.2 for ≤ 4.3. somaxconn default 4096 from 5.4, 128 before.',
      'Behaviour at a full queue: 4.19 and 6.18 source; lab 6.18.44 (§2). SYN drop at a full accept queue: unconditional from 4.10 (and 3.16.81, 4.4.y); partial before (§4).',
      'SYN-ACK schedule: ≥ 3.1, exact since 4.4 (§3.2).',
    ],
    sources: ['§1', '§2', '§3', '§4', '§8', '§10', '§11'],
    related: ['synack-retransmit-after-ack', 'reset-after-handshake', 'handshake-data-ignored', 'syn-retransmit', 'syn-flood'],
  },
  {
    id: 'syn-flood',
    kind: 'finding',
    severity: 'error',
    title: 'SYN flood / SYN queue full',
    summary: 'Many SYNs that never complete the handshake filled the SYN queue: SYN-ACKs carry syncookies, or SYNs are dropped when syncookies are off.',
    wire: {
      pattern: [
        'Many SYNs, often from many sources or ports, whose SYN-ACKs are never ACKed. The SYN-ACKs are syncookies (no retransmission, MSS-only options when the SYN had no timestamps) when tcp_syncookies=1. When tcp_syncookies=0 the SYNs are dropped outright, so legitimate clients show syn-retransmit or syn-unanswered.',
      ],
      server: 'SYN rate far above the completed-handshake rate; cookie SYN-ACKs or no answer at all.',
      client: 'Legitimate clients connect late (cookies work, so usually only slightly later) or time out (syncookies=0).',
    },
    kernel: [
      SYN_AT_FULL_QUEUES,
      QUEUE_MODEL,
      OLD_SYN_QUEUE,
      'The first time per listener, the kernel logs "Possible SYN flooding on port …": "Sending cookies." with syncookies=1, or "Dropping request." with syncookies=0. The port is printed as ADDR:PORT since 6.2, and the line starts "TCP: TCP:" on 3.x (§4).',
    ],
    lookAlikes: [
      'Accept-queue overflow: there the handshakes complete, and the application is too slow to accept them. Here the handshakes are never completed. Only `TCPReqQFullDrop` and `TCPReqQFullDoCookies` show SYN-queue overflow (§4, §11 pitfall 4).',
      'A legitimate burst, for example all clients reconnecting after a restart, can fill a small SYN queue, which has the same limit as the accept queue since 4.4 (§1.1). The SYNs then come from known clients, which go on to complete.',
    ],
    confirm: [
      { command: 'nstat -az TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent TcpExtSyncookiesRecv', text: 'TCPReqQFullDoCookies and SyncookiesSent rising (syncookies=1), or TCPReqQFullDrop rising (syncookies=0), is SYN-queue overflow (§8).' },
      { command: 'dmesg | grep -i "SYN flooding"', text: 'The per-listener log line (§4).' },
      { command: "ss -tn state syn-recv 'sport = :PORT' | wc -l", text: 'The number of half-open requests (§8).' },
      QUEUES_STEP,
    ],
    fix: [
      'Keep `net.ipv4.tcp_syncookies=1`, the default. Cookies keep legitimate clients working while the SYN queue is full (§4, §5). Do not turn them off to "fix" the log message.',
      'For legitimate bursts, raise the backlog and somaxconn together (the SYN queue limit is min(backlog, somaxconn) since 4.4). With syncookies=0, also make sure tcp_max_syn_backlog is large, because of the ¾ rule (§1.1).',
      'For a real attack, filter upstream (provider, load balancer, SYN proxy). tcp_syncookies=2 sends cookies for every SYN, at the cost of TCP options for clients without timestamps (§5).',
    ],
    kernels: ['SYN-queue logic: 6.x source (§4); lab 6.18.44 (synq0, synq1, synq2 runs). Queue sizes as in §1.1 (≥ 4.4) and §1.2 (≤ 4.3). Log text: §4.'],
    sources: ['§1.1', '§1.2', '§4', '§5', '§8'],
    related: ['syncookie', 'syn-unanswered', 'accept-queue-overflow'],
  },
  {
    id: 'connection-refused',
    kind: 'finding',
    severity: 'warning',
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
    fix: ['Make sure the service is up and listening on the address and port the clients use; have clients retry with backoff during restarts.'],
    kernels: ['All versions covered (§6.2).'],
    sources: ['§2.3', '§6.2', '§7'],
    related: ['refused'],
  },
  {
    id: 'application-resets',
    kind: 'finding',
    severity: 'warning',
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
    fix: ['Investigate the application: crashes, restarts, SO_LINGER 0 in the server or its framework, or closing without reading the request.'],
    kernels: ['All versions covered (§6.2).'],
    sources: ['§2.3', '§6.2'],
    related: ['reset-by-application', 'reset-after-handshake'],
  },
  {
    id: 'handshake-loss',
    kind: 'finding',
    severity: 'warning',
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
    fix: ['Look at the path: drops on interfaces or links, MTU problems, overloaded middleboxes or NAT tables. The listen queues are fine.'],
    kernels: ['SYN-ACK schedule: ≥ 3.1, exact since 4.4 (§3.2). Client SYN schedule: §6.1.'],
    sources: ['§3.2', '§3.3', '§6.1', '§10'],
    related: ['synack-retransmit', 'syn-retransmit', 'accept-queue-overflow'],
  },
  {
    id: 'capture-evictions',
    kind: 'finding',
    severity: 'warning',
    title: 'tcpdiag evicted connections',
    summary: 'tcpdiag\'s connection table dropped connections under memory pressure; counts in this report may be incomplete.',
    wire: {
      pattern: ['Not a network event. The capture held more concurrent connections than tcpdiag\'s connection table was allowed to keep, so the oldest or least active ones were evicted before they finished.'],
      server: 'Not applicable.',
      client: 'Not applicable.',
    },
    kernel: ['Not a kernel behaviour: this concerns tcpdiag itself.'],
    lookAlikes: ['Evicted connections may be missing from every other finding. A real overflow can be under-counted, and a signature that needs the whole connection (such as recovery after overflow) can be missed.'],
    confirm: [{ text: 'The report gives the number of evicted connections. Compare it with the total number of connections in the capture.' }],
    fix: [
      'Narrow the capture to the service, for example `tcpdump -w out.pcap \'tcp port 443\'`. Split a long capture into shorter ones, or give tcpdiag a larger connection-table limit (see `tcpdiag analyze --help`).',
    ],
    kernels: ['Independent of the kernel.'],
    sources: [],
    related: [],
  },
];
