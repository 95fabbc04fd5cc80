// `netstat -s` (net-tools) prints /proc/net/snmp and /proc/net/netstat as sentences. Which sentence
// is which counter was read off net-tools 2.10 itself: every counter of a copied /proc/net/netstat
// and /proc/net/snmp set to a distinct value, `netstat -s` run on those files (a private mount
// namespace with the copy bound over /proc), and each printed number traced back to its counter.
// Counters net-tools has no sentence for are printed as "Name: value". In the TcpExt section it
// prints only counters that are not zero, so there a counter that is absent is 0.

/** Sentence with the number replaced by N → counter name as nstat prints it. */
export const NETSTAT_S_SENTENCES: Readonly<Record<'Tcp' | 'TcpExt', Readonly<Record<string, string>>>> = {
  Tcp: {
    'N active connection openings': 'TcpActiveOpens',
    'N active connections openings': 'TcpActiveOpens', // older net-tools
    'N passive connection openings': 'TcpPassiveOpens',
    'N failed connection attempts': 'TcpAttemptFails',
    'N connection resets received': 'TcpEstabResets',
    'N connections established': 'TcpCurrEstab',
    'N segments received': 'TcpInSegs',
    'N segments send out': 'TcpOutSegs', // older net-tools
    'N segments sent out': 'TcpOutSegs',
    'N segments retransmitted': 'TcpRetransSegs',
    'N segments retransmited': 'TcpRetransSegs', // older net-tools
    'N bad segments received': 'TcpInErrs',
    'N resets sent': 'TcpOutRsts',
  },
  TcpExt: {
    'N SYN cookies sent': 'TcpExtSyncookiesSent',
    'N SYN cookies received': 'TcpExtSyncookiesRecv',
    'N invalid SYN cookies received': 'TcpExtSyncookiesFailed',
    // net-tools' wording; the counter counts RSTs *sent* from a request sock (kernel.md §8).
    'N resets received for embryonic SYN_RECV sockets': 'TcpExtEmbryonicRsts',
    'N packets pruned from receive queue because of socket buffer overrun': 'TcpExtPruneCalled',
    'N packets pruned from receive queue': 'TcpExtRcvPruned',
    'N packets dropped from out-of-order queue because of socket buffer overrun': 'TcpExtOfoPruned',
    'N ICMP packets dropped because they were out-of-window': 'TcpExtOutOfWindowIcmps',
    'N ICMP packets dropped because socket was locked': 'TcpExtLockDroppedIcmps',
    'N TCP sockets finished time wait in fast timer': 'TcpExtTW',
    'N time wait sockets recycled by time stamp': 'TcpExtTWRecycled',
    'N active connections rejected because of time stamp': 'TcpExtPAWSActive',
    'N packets rejects in established connections because of timestamp': 'TcpExtPAWSEstab', // older net-tools
    'N packets rejected in established connections because of timestamp': 'TcpExtPAWSEstab',
    'N delayed acks sent': 'TcpExtDelayedACKs',
    'N delayed acks further delayed because of locked socket': 'TcpExtDelayedACKLocked',
    'Quick ack mode was activated N times': 'TcpExtDelayedACKLost',
    'N times the listen queue of a socket overflowed': 'TcpExtListenOverflows',
    'N SYNs to LISTEN sockets dropped': 'TcpExtListenDrops',
    'N SYNs to LISTEN sockets ignored': 'TcpExtListenDrops', // older net-tools (kernel.md §8)
    'N packet headers predicted': 'TcpExtTCPHPHits',
    'N acknowledgments not containing data payload received': 'TcpExtTCPPureAcks',
    'N predicted acknowledgments': 'TcpExtTCPHPAcks',
    'N times recovered from packet loss due to fast retransmit': 'TcpExtTCPRenoRecovery',
    'Detected reordering N times using SACK': 'TcpExtTCPSACKReorder',
    'Detected reordering N times using reno fast retransmit': 'TcpExtTCPRenoReorder',
    'Detected reordering N times using time stamp': 'TcpExtTCPTSReorder',
    'N congestion windows fully recovered without slow start': 'TcpExtTCPFullUndo',
    'N congestion windows partially recovered using Hoe heuristic': 'TcpExtTCPPartialUndo',
    'N congestion windows recovered without slow start after partial ack': 'TcpExtTCPLossUndo',
    'N timeouts after reno fast retransmit': 'TcpExtTCPRenoFailures',
    'N timeouts in loss state': 'TcpExtTCPLossFailures',
    'N fast retransmits': 'TcpExtTCPFastRetrans',
    'N retransmits in slow start': 'TcpExtTCPSlowStartRetrans',
    'N packets collapsed in receive queue due to low socket buffer': 'TcpExtTCPRcvCollapsed',
    'N connections reset due to unexpected data': 'TcpExtTCPAbortOnData',
    'N connections reset due to early user close': 'TcpExtTCPAbortOnClose',
    'N connections aborted due to memory pressure': 'TcpExtTCPAbortOnMemory',
    'N connections aborted due to timeout': 'TcpExtTCPAbortOnTimeout',
    'N connections aborted after user close in linger timeout': 'TcpExtTCPAbortOnLinger',
    'N times unable to send RST due to no memory': 'TcpExtTCPAbortFailed',
    'TCP ran low on memory N times': 'TcpExtTCPMemoryPressures',
  },
};

export interface NetstatSParse {
  counters: Record<string, number>;
  /** Whether a TcpExt section was present (then its absent counters are 0). */
  sawTcpExt: boolean;
  /** Sentences in the Tcp/TcpExt sections this table does not know (another net-tools version or language). */
  unknown: string[];
}

const NAMED = /^([A-Za-z][A-Za-z0-9_]*): (\d+)$/;

/** Parses one `netstat -s` output. Only the Tcp and TcpExt sections are read. */
export function parseNetstatS(text: string): NetstatSParse {
  const counters: Record<string, number> = {};
  const unknown: string[] = [];
  let section: string | null = null;
  let sawTcpExt = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const header = /^([A-Za-z0-9]+):\s*$/.exec(line);
      section = header ? header[1]! : null;
      if (section === 'TcpExt') sawTcpExt = true;
      continue;
    }
    if (section !== 'Tcp' && section !== 'TcpExt') continue;
    const s = line.trim();
    const named = NAMED.exec(s);
    if (named) {
      counters[section + named[1]!] = Number(named[2]);
      continue;
    }
    const number = /\d+/.exec(s);
    const name = number ? NETSTAT_S_SENTENCES[section][s.replace(number[0], 'N')] : undefined;
    if (number && name) counters[name] = Number(number[0]);
    else unknown.push(s);
  }
  return { counters, sawTcpExt, unknown };
}
