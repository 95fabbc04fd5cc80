import type { Finding, FindingId, Severity } from './finding.js';
import type { ListenerStats } from './listener.js';
import { acceptQueueOverflow, overflowShown, port } from './overflow.js';
import type { Vantage } from './vantage.js';
import type { EvidencePicker } from './evidence.js';

/** Many half-open handshakes from many sources (kernel.md §4); a burst of real clients is not a flood. */
const FLOOD_MIN_HALF_OPEN = 100;
const FLOOD_MIN_SOURCES = 20;

function simple(
  id: FindingId,
  severity: Severity,
  l: ListenerStats,
  connections: number,
  verdict: string,
  figures: [string, string][],
  picker: EvidencePicker,
  filter: string,
  fix: string[],
  confirm: string[],
): Finding {
  return {
    id, severity, listener: l.listener, connections, verdict, figures,
    firstTime: l.firstTime, lastTime: l.lastTime, episodes: [],
    evidence: { connections: picker.list, filter },
    fix, confirm, explain: `tcpdiag explain ${id}`, caveats: [],
  };
}

/**
 * Many handshakes left half-open after a single SYN that was never retried (a spoofed source has
 * nobody to retry), from many sources. Real clients behind a full queue retry their SYNs, and a busy
 * listener may have far more good connections than the flood: no ratio to the total.
 */
export function isFlood(l: ListenerStats): boolean {
  const sources = l.sources.size;
  return l.halfOpenOneSyn >= FLOOD_MIN_HALF_OPEN && (sources >= FLOOD_MIN_SOURCES || l.halfOpenOneSyn >= 10 * FLOOD_MIN_HALF_OPEN);
}

function synFlood(l: ListenerStats): Finding {
  const p = port(l.listener);
  // Cookies: half-open handshakes answered once and never re-sent (no request sock behind them).
  const cookies = l.halfOpenCookies > 0 && l.halfOpenCookies * 10 >= l.halfOpen;
  const sources = l.sources.size;
  const f = simple(
    'syn-flood', 'error', l, l.halfOpen,
    `${l.listener} received a SYN flood: ${l.halfOpen} handshakes from ${sources}${l.sourcesCapped ? '+' : ''} sources were never completed; ` +
      (cookies ? 'the listener answered with syncookies, so real clients could still connect.' : `the listener dropped ${l.allUnansweredSyns} SYNs it had no room for (syncookies off), so real clients waited for retransmits too.`),
    [
      ['half-open handshakes', String(l.halfOpen)],
      ['sources', `${sources}${l.sourcesCapped ? '+' : ''}`],
      ['syncookies', cookies ? 'yes' : 'no'],
      ['SYNs never answered', String(l.allUnansweredSyns)],
      ['completed handshakes', String(l.completed)],
    ],
    l.floodEvidence,
    `tcp.dstport==${p} && tcp.flags.syn==1 && tcp.flags.ack==0`,
    cookies
      ? ['Syncookies are doing their job; filter the flood upstream (rate-limit SYNs per source, DDoS scrubbing) and keep net.ipv4.tcp_syncookies=1.']
      : [
          'Turn syncookies on: `sysctl -w net.ipv4.tcp_syncookies=1` (the default); with them off a full SYN queue drops real clients\' SYNs.',
          'Raise the listen() backlog and net.core.somaxconn: since 4.4 the SYN queue limit is the same min(backlog, somaxconn).',
          'Filter the flood upstream (per-source SYN rate limits).',
        ],
    [
      `ss -tn state syn-recv 'sport = :${p}' | wc -l   # half-open requests now`,
      'nstat -az TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent TcpExtListenDrops',
      'dmesg | grep -i "SYN flooding"',
    ],
  );
  f.syncookies = cookies;
  f.halfOpen = l.halfOpen;
  f.sources = sources;
  f.synDrops = l.allUnansweredSyns;
  return f;
}

export function listenerFindings(l: ListenerStats, vantage: Vantage): Finding[] {
  const out: Finding[] = [];
  const p = port(l.listener);
  const flood = isFlood(l);
  if (flood) out.push(synFlood(l));
  const overflow = overflowShown(l, vantage, flood);
  if (overflow) out.push(acceptQueueOverflow(l, vantage, flood));
  if (l.refused > 0) {
    const f = simple(
      'connection-refused', 'warning', l, l.refused,
      `${l.refused} connection attempt${l.refused > 1 ? 's' : ''} to ${l.listener} ${l.refused > 1 ? 'were' : 'was'} refused: the host answered the SYN with RST+ACK, so nothing was listening on port ${p} (or a firewall rejected it).`,
      [['refused', String(l.refused)], ['answered handshakes', String(l.answered)]],
      l.refusedEvidence,
      `tcp.srcport==${p} && tcp.flags.reset==1 && tcp.flags.ack==1 && tcp.seq_raw==0`,
      [`Check that the service is running and bound to ${l.listener} (not only to 127.0.0.1), and that clients use the right port.`],
      [`ss -lnt 'sport = :${p}'   # is anything listening?`, 'nstat -az TcpOutRsts TcpAttemptFails'],
    );
    out.push(f);
  }
  if (!flood && l.answered === 0 && l.refused === 0 && l.synDropConns > 0) {
    out.push(simple(
      'syn-unanswered', 'warning', l, l.synDropConns,
      `No SYN to ${l.listener} was ever answered (${l.unansweredSyns} SYNs): the server is down, unreachable, or a firewall drops them silently.`,
      [['connections', String(l.synDropConns)], ['SYNs', String(l.unansweredSyns)]],
      l.unansweredEvidence,
      `tcp.dstport==${p} && tcp.flags.syn==1 && tcp.flags.ack==0`,
      ['Check routing and firewalls between the clients and the server, and that the server host is up.'],
      [`ss -lnt 'sport = :${p}'`, 'iptables -L -n -v | grep -i drop   # or nft list ruleset'],
    ));
  }
  if (l.appResets > 0) {
    out.push(simple(
      'application-resets', 'warning', l, l.appResets,
      `${l.listener} reset ${l.appResets} connection${l.appResets > 1 ? 's' : ''} after handling data (RST+ACK): the application aborted them (SO_LINGER 0, a crash, or closing with unread data) — not a queue overflow.`,
      [['resets', String(l.appResets)]],
      l.appResetEvidence,
      `tcp.srcport==${p} && tcp.flags.reset==1 && tcp.flags.ack==1`,
      ['Look at the application: an abortive close (SO_LINGER with timeout 0), closing a socket with unread input, or a crashing worker.'],
      ['nstat -az TcpExtTCPAbortOnData TcpExtTCPAbortOnClose TcpEstabResets TcpOutRsts'],
    ));
  }
  // Ignored handshakes too few to call an overflow are reported as what they may equally be: loss.
  const lost = l.handshakeLossConns + (overflow ? 0 : l.ignoredHandshakes);
  if (!overflow && !flood && lost > 0) {
    const picker = l.handshakeLossConns > 0 ? l.lossEvidence : l.overflowEvidence;
    out.push(simple(
      'handshake-loss', 'warning', l, lost,
      `${lost} handshake${lost > 1 ? 's' : ''} with ${l.listener} needed a retransmitted SYN, SYN-ACK or first segment: packets were lost on the path` +
        (l.ignoredHandshakes > 0 && !overflow
          ? `, or the client's ACK never reached the server (${l.ignoredHandshakes} SYN-ACK${l.ignoredHandshakes > 1 ? 's' : ''} re-sent after the ACK, too few to call a full queue).`
          : '; the listener itself answered promptly (no sign of a full queue).'),
      [['connections', String(lost)]],
      picker,
      `tcp.port==${p} && tcp.flags.syn==1 && tcp.analysis.retransmission`,
      ['Look for loss on the path (interface errors, drops on a switch or firewall, congestion); the listen queue is not the problem.'],
      ['ip -s link   # interface errors and drops', 'nstat -az TcpRetransSegs TcpExtTCPSynRetrans'],
    ));
  }
  if (l.portReuse > 0) {
    out.push(simple(
      'port-reuse', 'info', l, l.portReuse,
      `${l.portReuse} new connection${l.portReuse > 1 ? 's' : ''} to ${l.listener} reused the 4-tuple of a recent one (TIME_WAIT reuse); normal for busy clients with few source ports.`,
      [['connections', String(l.portReuse)]],
      l.reuseEvidence,
      `tcp.port==${p} && tcp.analysis.reused_ports`,
      ['Nothing to fix unless clients run out of ports: widen net.ipv4.ip_local_port_range on clients, or reuse connections (keep-alive, pooling).'],
      ['ss -tan state time-wait | wc -l'],
    ));
  }
  return out;
}
