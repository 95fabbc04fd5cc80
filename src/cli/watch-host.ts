// `tcpdiag watch --port`: the host half of each window. The listener's accept queue as /proc/net/tcp
// shows it now (Recv-Q; Send-Q, the limit, only from `ss -lnt`), and how far the listen-queue counters
// moved since the last window (kernel.md §8). Read synchronously: a few small /proc files per window.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSnmpFile, type CounterTable } from '../knowledge/proc-counters.js';
import { parseProcNetTcp, parseSsListeners, TCP_LISTEN } from '../knowledge/proc-sockets.js';

/** The counters a window shows, in the order the issue names them. */
export const WATCH_COUNTERS = [
  'TcpExtListenOverflows',
  'TcpExtListenDrops',
  'TcpExtTCPReqQFullDrop',
  'TcpExtSyncookiesSent',
  'TcpExtEmbryonicRsts',
] as const;

export interface QueueNow {
  /** Local address of the listening socket. */
  address: string;
  port: number;
  /** Connections waiting for accept(). */
  recvQ: number;
  /** The accept queue's limit (listen backlog), when `ss` could tell. */
  sendQ: number | null;
}

export interface HostWindow {
  /** Listening sockets on the watched port, now. */
  queues: QueueNow[];
  /** How far each counter moved in the window; null when the counters could not be read. */
  counters: Record<string, number> | null;
  /** How far each moved since the watch began. */
  total: Record<string, number> | null;
  /** Which half is missing, and why (not Linux, no permission). */
  missing: string | null;
}

/** Reads /proc between windows; `sample()` gives the window that just ended. */
export class HostWatch {
  private last: CounterTable | null = null;
  private first: CounterTable | null = null;
  private readonly why: string | null;

  constructor(
    private readonly port: number,
    private readonly procRoot = '/proc',
  ) {
    this.why = process.platform === 'linux' ? null : `not Linux (${process.platform}): no kernel counters, the capture alone`;
    if (!this.why) this.first = this.last = this.readCounters();
  }

  /** Why the host half is missing (null: it is there). */
  get missing(): string | null {
    if (this.why) return this.why;
    return this.last ? null : `cannot read ${join(this.procRoot, 'net/netstat')}: the capture alone`;
  }

  sample(): HostWindow {
    if (this.why) return { queues: [], counters: null, total: null, missing: this.why };
    const now = this.readCounters();
    const moved = (from: CounterTable | null) => {
      if (!now || !from) return null;
      const d: Record<string, number> = {};
      for (const name of WATCH_COUNTERS) d[name] = (now[name] ?? 0) - (from[name] ?? 0);
      return d;
    };
    const counters = moved(this.last);
    const total = moved(this.first);
    this.last = now ?? this.last;
    const queues = this.readQueues();
    return { queues, counters, total, missing: counters ? null : this.missing };
  }

  private readCounters(): CounterTable | null {
    try {
      const netstat = readFileSync(join(this.procRoot, 'net/netstat'), 'utf8');
      const snmp = readFileSync(join(this.procRoot, 'net/snmp'), 'utf8');
      return { ...parseSnmpFile(snmp), ...parseSnmpFile(netstat) };
    } catch {
      return null;
    }
  }

  private readQueues(): QueueNow[] {
    const read = (f: string) => {
      try {
        return readFileSync(join(this.procRoot, f), 'utf8');
      } catch {
        return '';
      }
    };
    const sockets = [...parseProcNetTcp(read('net/tcp'), 4), ...parseProcNetTcp(read('net/tcp6'), 6)].filter(
      (s) => s.state === TCP_LISTEN && s.localPort === this.port,
    );
    if (sockets.length === 0) return [];
    const limits = this.ssLimits();
    return sockets.map((s) => {
      const row = limits.find((r) => r.port === s.localPort && (r.address === s.localAddress || (s.localAddress === '::' && r.address === '*')));
      return { address: s.localAddress, port: s.localPort, recvQ: s.rxQueue, sendQ: row ? row.sendQ : null };
    });
  }

  /** `ss -lnt sport = :PORT`: the only place the backlog limit shows; empty when ss is missing. */
  private ssLimits(): ReturnType<typeof parseSsListeners> {
    if (this.procRoot !== '/proc') return [];
    try {
      const text = execFileSync('ss', ['-lnt', `sport = :${this.port}`], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
      return parseSsListeners(text);
    } catch {
      return [];
    }
  }
}

/** Agreement between the capture's estimate and a counter: within 10 % of the larger, never closer than 2. */
export function agrees(capture: number, kernel: number): boolean {
  return Math.abs(capture - kernel) <= Math.max(2, 0.1 * Math.max(capture, kernel));
}
