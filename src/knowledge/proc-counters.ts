// /proc/net/netstat (TcpExt:) and /proc/net/snmp (Tcp:) are pairs of lines — a header naming the
// counters and a line of values — per network namespace (kernel.md §8). Names are kept in the form
// nstat prints them ("TcpExtListenOverflows") because that is what operators type.

export type CounterTable = Record<string, number>;

export function parseSnmpFile(text: string): CounterTable {
  const table: CounterTable = {};
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const prefix = names[0]!.replace(/:$/, '');
    if (values[0] !== names[0]) continue; // misaligned pair: never guess which number is which
    for (let k = 1; k < names.length && k < values.length; k++) {
      const value = Number(values[k]);
      if (Number.isFinite(value)) table[prefix + names[k]] = value;
    }
  }
  return table;
}

export interface CounterInfo {
  name: string;
  meaning: string;
  /** The catalog entry that explains what this counter moving means. */
  explain?: string;
}

// Meanings from kernel.md §8 (and §11 pitfalls 4, 5, 14 for what they are not).
export const LISTEN_COUNTERS: readonly CounterInfo[] = [
  {
    name: 'TcpExtListenOverflows',
    meaning: 'accept queue full when a final ACK, data or a SYN arrived — counts dropped segments, not connections',
    explain: 'accept-queue-overflow',
  },
  {
    name: 'TcpExtListenDrops',
    meaning: 'every drop at a listener (≥ ListenOverflows; alone it does not mean SYN-queue overflow)',
    explain: 'accept-queue-overflow',
  },
  { name: 'TcpExtTCPReqQFullDrop', meaning: 'SYN dropped: SYN queue full and tcp_syncookies=0', explain: 'syn-flood' },
  { name: 'TcpExtTCPReqQFullDoCookies', meaning: 'SYN answered with a syncookie (SYN queue full, or syncookies=2)', explain: 'syncookie' },
  { name: 'TcpExtSyncookiesSent', meaning: 'cookie SYN-ACKs sent', explain: 'syncookie' },
  { name: 'TcpExtSyncookiesRecv', meaning: 'valid cookie ACKs received', explain: 'syncookie' },
  {
    name: 'TcpExtSyncookiesFailed',
    meaning: 'ACKs to a listener that failed cookie validation (also late ACKs of expired requests)',
    explain: 'syncookie',
  },
  {
    name: 'TcpExtEmbryonicRsts',
    meaning: 'RSTs sent from a request sock (tcp_abort_on_overflow=1, or a bad SYN/RST in SYN_RECV)',
    explain: 'reset-after-handshake',
  },
  {
    name: 'TcpExtTCPBacklogDrop',
    meaning: 'the backlog of a socket busy in its owner overflowed — unrelated to the listen() backlog',
  },
];

// Shown only when they moved: they put the listen counters in proportion.
export const CONTEXT_COUNTERS: readonly CounterInfo[] = [
  { name: 'TcpPassiveOpens', meaning: 'connections accepted into SYN_RECV (passive opens)' },
  { name: 'TcpExtTCPSynRetrans', meaning: 'SYN and SYN-ACK retransmissions (client and server in one namespace add up)' },
  { name: 'TcpAttemptFails', meaning: 'failed connection attempts' },
  { name: 'TcpOutRsts', meaning: 'RSTs sent' },
  { name: 'TcpEstabResets', meaning: 'ESTABLISHED/CLOSE_WAIT connections reset' },
];
