// Signatures seen after the handshake, plus syncookies and port reuse (kernel.md §2, §5, §6.2, §9).

import {
  ABORT_1,
  COOKIE_OVERFLOW,
  FIX_ABORT_DEBUG,
  HOST_STEP,
  NETSTAT_STEP,
  QUEUE_MODEL,
  SS_STEP,
  VANTAGE,
} from '../../diagnose/explain/fragments.js';
import type { CatalogEntry } from './types.js';

export const AFTER_HANDSHAKE_ENTRIES: readonly CatalogEntry[] = [
  {
    id: 'handshake-data-ignored',
    kind: 'signature',
    title: 'Handshake completed, data ignored',
    summary: 'The client completed the handshake and sent data; the server stayed silent for at least one client RTO while the client retransmitted (syncookie flavour of accept-queue overflow).',
    wire: {
      pattern: [
        'SYN, SYN-ACK, ACK, then client data that is never ACKed. The client retransmits it on its own RTO (≥ 200 ms, doubling), and the server sends nothing at all: no ACK and no SYN-ACK copies. It recovers when a client segment arrives after the application has made room; the server then ACKs the data. A segment that arrives after the cookie has expired (valid for 2 minutes) fails the cookie check and gets an RST from the listener (§3.4, §5).',
      ],
      server: 'Data arrives and nothing leaves. The SYN-ACK was usually a cookie: it is never retransmitted, and if the client\'s SYN had no timestamps, it carries only an MSS option (§5).',
      client: 'connect() succeeded, and writes go unanswered until the retransmissions get through or the application times out.',
    },
    kernel: [
      COOKIE_OVERFLOW,
      'Any socket the server\'s kernel had would ACK the data, whether or not the application reads it. Silence at the TCP level therefore means that no socket exists for this connection (§2.2, §2.5).',
      QUEUE_MODEL,
    ],
    lookAlikes: [
      'With a request sock (no cookie) and tcp_abort_on_overflow=0, the same overflow also shows SYN-ACK copies at 1, 3, 7 s. tcpdiag reports that as synack-retransmit-after-ack.',
      'Data loss on the path: the server eventually ACKs once a copy gets through, and other connections to the same listener are fine.',
      'An application that reads slowly still has its data ACKed by the kernel. That is not this signature.',
      VANTAGE,
    ],
    confirm: [
      { command: 'nstat -az TcpExtSyncookiesSent TcpExtSyncookiesRecv TcpExtListenOverflows TcpExtListenDrops', text: 'SyncookiesRecv rising together with ListenOverflows means cookie ACKs are arriving at a full accept queue (§2.5, §8).' },
      SS_STEP,
      HOST_STEP,
    ],
    fix: [
      'Same as accept-queue overflow (`tcpdiag explain accept-queue-overflow`). Cookies were sent because the SYN queue was also full, and that queue has the same limit, min(backlog, somaxconn) (§1.1), so raising the limit helps both. tcp_abort_on_overflow does not change this case (§2.5).',
    ],
    kernels: ['Silent drop of a cookie ACK at a full accept queue, even with abort_on_overflow=1: lab 6.18.44 (§2.5), with the code path as in 6.7 syncookies.c (§5).'],
    sources: ['§2.2', '§2.5', '§5'],
    related: ['accept-queue-overflow', 'syncookie', 'synack-retransmit-after-ack'],
  },
  {
    id: 'reset-after-handshake',
    kind: 'signature',
    title: 'Bare RST right after the handshake',
    summary: 'The server answered the client\'s handshake ACK or first data with a bare RST (no ACK flag, seq = the client\'s ack) and never ACKed data (tcp_abort_on_overflow=1).',
    wire: {
      pattern: [
        'SYN, SYN-ACK (ISNs), ACK (and often data), then from the server an RST with flags R only, seq = ISNs+1 (the client\'s ack), ack 0, window 0 and no options. The client\'s next recv or send fails with ECONNRESET (104), "Connection reset by peer" (§2.3; lab 6.18.44: `[RST] Seq=1 Win=0`).',
      ],
      server: 'The RST leaves within microseconds of the client\'s ACK or data.',
      client: 'The RST comes back about one RTT after the ACK. The application sees connect() succeed, and then the first read or write fails.',
    },
    kernel: [ABORT_1, QUEUE_MODEL],
    lookAlikes: [
      'Request expiry: after the SYN-ACK copies (1, 3, 7 … s) the request is dropped silently, and the client\'s next segment gets the same kind of bare RST (§3.4). tcpdiag separates them by timing. The overflow RST follows the first ACK or data at once; the expiry RST comes 7 s or more later, after SYN-ACK retransmissions.',
      'An ACK number that does not match the SYN-ACK (ack ≠ ISNs+1) is also answered with an RST, by the listener (§2.1). tcpdiag checks the ack value.',
      'A cookie ACK that fails validation: `SyncookiesFailed` rises, then RST (§3.4, §5).',
      'A FreeBSD server with net.inet.tcp.syncache.rst_on_sock_fail=1 (its default) sends an RST on listen-queue overflow too (§7).',
      'An RST+ACK sent after the server ACKed or sent data is reset-by-application, not this.',
    ],
    confirm: [
      { command: 'nstat -az TcpExtEmbryonicRsts TcpExtListenOverflows TcpExtListenDrops', text: '`EmbryonicRsts` rising together with `ListenOverflows` is this overflow (§2.3, §8).' },
      { command: 'sysctl net.ipv4.tcp_abort_on_overflow', text: 'It is 1 on a server that shows this signature.' },
      SS_STEP,
      NETSTAT_STEP,
    ],
    fix: [
      'An accept-queue overflow with tcp_abort_on_overflow=1. Fix the queue (`tcpdiag explain accept-queue-overflow`).',
      FIX_ABORT_DEBUG,
    ],
    kernels: ['RST format (seq = ack_seq, no ACK flag, window 0): 6.18 source and lab 6.18.44; the code path is identical in 4.19 (§2.1, §2.3).'],
    sources: ['§2.1', '§2.3', '§3.4', '§7'],
    related: ['accept-queue-overflow', 'synack-retransmit-after-ack', 'reset-by-application'],
  },
  {
    id: 'reset-by-application',
    kind: 'signature',
    title: 'Reset by the application',
    summary: 'RST+ACK after the server had ACKed or sent data: a real connection was aborted (SO_LINGER 0, close with unread data, or a crash).',
    wire: {
      pattern: [
        'A normal handshake, then the server ACKs the client\'s data or sends some of its own, then an RST+ACK from the server. The client\'s next call fails with ECONNRESET (104), or EPIPE in CLOSE_WAIT (§6.2).',
      ],
      server: 'The RST leaves when the application closes or dies, often right after a request arrives or at the end of a response.',
      client: 'Data was exchanged, then "Connection reset by peer".',
    },
    kernel: [
      'The server ACKed data or sent data, so a full socket existed and the connection had left the listen queues. The reset comes from that socket being aborted, not from a queue. Usual causes: close() with SO_LINGER set to 0, close() while received data is still unread, or the process crashing or being killed, after which the kernel closes its sockets. An RST on an ESTABLISHED connection makes the client\'s calls fail with ECONNRESET (§6.2).',
    ],
    lookAlikes: [
      'reset-after-handshake is a bare RST (no ACK flag, seq = ISNs+1) right after the handshake, before any data was ACKed. That is the queue overflow. tcpdiag separates the two by the ACK flag and by whether the server had ACKed or sent data.',
      'A load balancer or proxy idle timeout also resets established connections. Look at which address the RST comes from and how long the connection was idle.',
    ],
    confirm: [
      { command: 'nstat -az TcpOutRsts TcpEstabResets', text: 'On the server, `TcpOutRsts` counts the RSTs sent. On the client, `TcpEstabResets` counts connections reset (§8).' },
      { command: "ss -tnp 'sport = :PORT'", text: 'Shows which process owns the connections, to match against application logs, restarts and crashes.' },
    ],
    fix: [
      'Look at the application, not at the kernel: crashes, restarts, SO_LINGER 0 in the server or its framework, or closing a connection without reading the request. The listen queues are not involved.',
    ],
    kernels: ['RST handling and errnos: all versions covered (§6.2).'],
    sources: ['§6.2'],
    related: ['application-resets', 'reset-after-handshake'],
  },
  {
    id: 'syncookie',
    kind: 'signature',
    title: 'SYN-ACK carried a syncookie',
    summary: 'The SYN-ACK is inferred to carry a syncookie: the SYN queue was full (tcp_syncookies=1) or cookies are forced (=2).',
    wire: {
      pattern: [
        'Signs of a cookie SYN-ACK (§5):\n' +
          '- It is never retransmitted, even when the client\'s ACK is missing.\n' +
          '- When the client\'s SYN had no timestamps, the SYN-ACK carries only an MSS option: no SACK_PERM and no window scale (lab: `options [mss 65495]`).\n' +
          '- With timestamps, the options are encoded in the low 6 bits of the SYN-ACK TSval. They can only be read passively when tcp_timestamps=2.\n' +
          '- Several SYN-ACKs sent within 64 ms carry the identical TSval.\n' +
          '- The server\'s later segments are sized from the cookie MSS table (IPv4 536/1300/1440/1460; IPv6 1220/1420/1440/8940).',
        'A normal Linux SYN-ACK has the options in the order MSS, SACK_PERM, TS, NOP, WS (§10).',
      ],
      server: 'Many SYNs arrive, SYN-ACKs leave, and none of them is ever retransmitted.',
      client: 'The handshake completes normally. Without timestamps in its SYN, the connection runs without window scaling or SACK, which makes it slow on long paths.',
    },
    kernel: [
      'When the SYN queue is full and tcp_syncookies=1, or for every SYN when it is 2, the kernel encodes the connection in the ISN (a hash, ISNc, a minute counter and the MSS index) and keeps no state (`TCPReqQFullDoCookies`, `SyncookiesSent`). The final ACK is checked as a cookie, but only if this listener sent cookies in the last 120 s. A valid one counts `SyncookiesRecv` and creates the connection; a bad one counts `SyncookiesFailed` and gets an RST. A cookie is valid for 2 minutes (§5).',
      'The first time per listener, the kernel logs (§4): since 6.2, "TCP: request_sock_TCP: Possible SYN flooding on port ADDR:PORT. Sending cookies."; on 4.x–6.1, "…on port PORT. Sending cookies.  Check SNMP counters."; on 3.x the line starts "TCP: TCP:". Nothing is logged in mode 2.',
      COOKIE_OVERFLOW,
      QUEUE_MODEL,
    ],
    lookAlikes: [
      'A SYN-ACK that is not retransmitted only because the client\'s ACK arrived in time is normal. tcpdiag infers a cookie from a missing ACK with no retransmission, or from an MSS-only SYN-ACK answering a SYN that had options.',
      'Some middleboxes (SYN proxies) answer with their own cookies and strip options. Their TTL or IP ID may differ from the server\'s.',
    ],
    confirm: [
      { command: 'nstat -az TcpExtSyncookiesSent TcpExtSyncookiesRecv TcpExtSyncookiesFailed TcpExtTCPReqQFullDoCookies', text: 'SyncookiesSent and TCPReqQFullDoCookies rising mean the SYN queue is full and cookies are being sent (§8).' },
      { command: 'dmesg | grep -i "SYN flooding"', text: 'The first cookie per listener is logged, with the port (§4).' },
      SS_STEP,
    ],
    fix: [
      'Cookies are a safety valve: keep net.ipv4.tcp_syncookies=1. If a legitimate burst fills the SYN queue, raise backlog and somaxconn, which is the same limit as the accept queue (§1.1). If it is a flood, see `tcpdiag explain syn-flood`. Avoid tcp_syncookies=2 unless you are under attack: every connection then loses its options when the client sends no timestamps (§5).',
    ],
    kernels: [
      'Cookie format, options in the TSval, 120 s validity: 6.7 syncookies.c (§5). Option loss without TS: lab 6.18.44. TS offset per host pair in 4.1x–6.x and per 4-tuple in 6.18.44 (§5). Log format: §4.',
    ],
    sources: ['§2.5', '§4', '§5', '§10'],
    related: ['syn-flood', 'handshake-data-ignored'],
  },
];

