// The read-only live check behind `tcpdiag host`: two snapshots of the listen-queue counters some
// seconds apart, the sysctls that size and steer the queues, and every listener's accept queue.
// The /proc root is a parameter so tests (and --proc-root /proc/PID for another network
// namespace) can point it elsewhere: /proc/net follows the network namespace of the reader, while
// /proc/PID/net shows PID's namespace.

import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { CONTEXT_COUNTERS, LISTEN_COUNTERS, parseSnmpFile, type CounterInfo, type CounterTable } from './proc-counters.js';
import { matchSsListener, parseProcNetTcp, parseSsListeners, TCP_LISTEN, TCP_SYN_RECV, type ProcSocket } from './proc-sockets.js';

export const DEFAULT_PROC_ROOT = '/proc';

export function procRootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['TCPDIAG_PROC_ROOT'] || DEFAULT_PROC_ROOT;
}

export class HostReadError extends Error {}

export interface HostSnapshot {
  counters: CounterTable;
  sockets: ProcSocket[];
}

export async function readHostSnapshot(procRoot: string): Promise<HostSnapshot> {
  const netstat = await readRequired(join(procRoot, 'net/netstat'));
  const snmp = await readRequired(join(procRoot, 'net/snmp'));
  const tcp = await readRequired(join(procRoot, 'net/tcp'));
  // tcp6 is absent when IPv6 is disabled; that is not an error.
  const tcp6 = await readFile(join(procRoot, 'net/tcp6'), 'utf8').catch(() => '');
  return {
    counters: { ...parseSnmpFile(snmp), ...parseSnmpFile(netstat) },
    sockets: [...parseProcNetTcp(tcp, 4), ...parseProcNetTcp(tcp6, 6)],
  };
}

async function readRequired(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new HostReadError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export interface SysctlInfo {
  name: string;
  path: string;
  note: string;
}

// The knobs kernel.md §1–§4 names for the queues; notes say what each one does and does not do.
export const QUEUE_SYSCTLS: readonly SysctlInfo[] = [
  { name: 'net.core.somaxconn', path: 'sys/net/core/somaxconn', note: 'caps every listen() backlog; default 4096 since 5.4, 128 before (§1.1)' },
  {
    name: 'net.ipv4.tcp_max_syn_backlog',
    path: 'sys/net/ipv4/tcp_max_syn_backlog',
    note: 'since 4.4 only the ¾ drop rule when syncookies=0; sized the SYN queue on ≤ 4.3 (§1)',
  },
  { name: 'net.ipv4.tcp_syncookies', path: 'sys/net/ipv4/tcp_syncookies', note: '0 drop, 1 cookies when the SYN queue is full (default), 2 always (§4)' },
  {
    name: 'net.ipv4.tcp_abort_on_overflow',
    path: 'sys/net/ipv4/tcp_abort_on_overflow',
    note: '0 silent drop at a full accept queue (default), 1 RST to the final ACK (§2.2, §2.3)',
  },
  { name: 'net.ipv4.tcp_synack_retries', path: 'sys/net/ipv4/tcp_synack_retries', note: 'SYN-ACK retransmissions, default 5: 1, 3, 7, 15, 31 s, expiry 63 s (§3.2)' },
];

export type SysctlValues = Record<string, number | null>;

/** Values by sysctl name; null when the file is missing or unreadable (e.g. /proc/PID has no sys/). */
export async function readSysctls(procRoot: string): Promise<SysctlValues> {
  const values: SysctlValues = {};
  for (const s of QUEUE_SYSCTLS) {
    const text = await readFile(join(procRoot, s.path), 'utf8').catch(() => null);
    const value = text === null ? NaN : Number(text.trim());
    values[s.name] = Number.isFinite(value) ? value : null;
  }
  return values;
}

/** `uname -r` as the proc root sees it; /proc/PID has no sys/, and the kernel is shared anyway. */
export async function readKernelRelease(procRoot: string): Promise<string> {
  const text = await readFile(join(procRoot, 'sys/kernel/osrelease'), 'utf8').catch(() => null);
  return text?.trim() || release();
}

export interface CounterChange extends CounterInfo {
  before: number;
  after: number;
  delta: number;
  perSecond: number;
}

export type ListenerState = 'full' | 'nearly full' | 'ok' | 'limit unknown';

export interface ListenerRow {
  family: 4 | 6;
  address: string;
  port: number;
  /** Established connections waiting for accept(): rx_queue of the st=0A line. */
  acceptQueue: number;
  /** sk_max_ack_backlog from `ss` Send-Q; null without ss. */
  limit: number | null;
  /** Half-open connections (st=03 lines) on this port. */
  synRecv: number;
  state: ListenerState;
}

export interface HostReport {
  kernelRelease: string;
  intervalSeconds: number;
  port: number | null;
  /** Listen-queue counters that moved. */
  moved: CounterChange[];
  /** Other TCP counters that moved, for proportion. */
  context: CounterChange[];
  /** Watched counters this kernel does not have. */
  missing: string[];
  sysctls: Array<SysctlInfo & { value: number | null }>;
  listeners: ListenerRow[];
  ssUsed: boolean;
  notes: string[];
}

export interface HostReportInput {
  before: HostSnapshot;
  after: HostSnapshot;
  intervalSeconds: number;
  sysctls: SysctlValues;
  kernelRelease: string;
  /** Output of `ss -lnt` (or -lnte) for the same network namespace; null when ss is unavailable. */
  ssText: string | null;
  port?: number;
  /** Why ss was not used, when ssText is null. */
  ssMissingReason?: string;
}

// ≥ 80 % of the limit is worth a warning before connections start to stall.
const NEARLY_FULL_RATIO = 0.8;

export function buildHostReport(input: HostReportInput): HostReport {
  const notes: string[] = [];
  const changes = (list: readonly CounterInfo[]): CounterChange[] =>
    list.flatMap((info) => {
      const before = input.before.counters[info.name];
      const after = input.after.counters[info.name];
      if (before === undefined || after === undefined || after === before) return [];
      if (after < before) {
        notes.push(`${info.name} went backwards (${before} → ${after}): the counters were reset or read from another namespace.`);
        return [];
      }
      const delta = after - before;
      const perSecond = input.intervalSeconds > 0 ? delta / input.intervalSeconds : delta;
      return [{ ...info, before, after, delta, perSecond }];
    });
  const missing = LISTEN_COUNTERS.map((c) => c.name).filter((n) => input.after.counters[n] === undefined);

  const ssRows = input.ssText === null ? [] : parseSsListeners(input.ssText);
  const listeners = input.after.sockets
    .filter((s) => s.state === TCP_LISTEN && (input.port === undefined || s.localPort === input.port))
    .map((s) => listenerRow(s, input.after.sockets, input.ssText === null ? undefined : matchSsListener(s, ssRows)))
    .sort((a, b) => a.port - b.port || a.family - b.family || a.address.localeCompare(b.address));

  if (input.ssText === null) {
    notes.push(
      `Send-Q limits need \`ss\`${input.ssMissingReason ? ` (${input.ssMissingReason})` : ''}; /proc has only the queue length, so full listeners cannot be flagged (kernel.md §8).`,
    );
  }
  if (input.port !== undefined) {
    notes.push('Counters are for the whole network namespace, not for one port: the kernel keeps no per-listener counters (kernel.md §8).');
  }
  return {
    kernelRelease: input.kernelRelease,
    intervalSeconds: input.intervalSeconds,
    port: input.port ?? null,
    moved: changes(LISTEN_COUNTERS),
    context: changes(CONTEXT_COUNTERS),
    missing,
    sysctls: QUEUE_SYSCTLS.map((s) => ({ ...s, value: input.sysctls[s.name] ?? null })),
    listeners,
    ssUsed: input.ssText !== null,
    notes,
  };
}

function listenerRow(socket: ProcSocket, all: readonly ProcSocket[], ss: { sendQ: number } | undefined): ListenerRow {
  const limit = ss ? ss.sendQ : null;
  const queue = socket.rxQueue;
  let state: ListenerState = 'limit unknown';
  if (limit !== null) {
    // kernel.md §1.1/§8: full is sk_ack_backlog > sk_max_ack_backlog, seen as Recv-Q = Send-Q+1.
    if (queue > limit) state = 'full';
    else if (queue > 0 && queue >= NEARLY_FULL_RATIO * limit) state = 'nearly full';
    else state = 'ok';
  }
  const synRecv = all.filter(
    (s) =>
      s.state === TCP_SYN_RECV &&
      s.family === socket.family &&
      s.localPort === socket.localPort &&
      (s.localAddress === socket.localAddress || socket.localAddress === '0.0.0.0' || socket.localAddress === '::'),
  ).length;
  return { family: socket.family, address: socket.localAddress, port: socket.localPort, acceptQueue: queue, limit, synRecv, state };
}
