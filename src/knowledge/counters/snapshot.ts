// `tcpdiag host --snapshot FILE`: one reading of this machine's listen-queue counters, queue sysctls
// and listeners, as a versioned JSON document (schema/snapshot.schema.json) that
// `tcpdiag analyze CAPTURE --counters BEFORE AFTER` compares with a capture. Counters are per network
// namespace (kernel.md §8), so the snapshot records which namespace it was read in.

import { readFile, readlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { HostReadError, QUEUE_SYSCTLS, readKernelRelease, type SysctlInfo } from '../host-report.js';
import { parseSnmpFile } from '../proc-counters.js';
import { matchSsListener, parseProcNetTcp, parseSsListeners, TCP_LISTEN, type ProcSocket } from '../proc-sockets.js';

export const SNAPSHOT_FORMAT = 'tcpdiag-host-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 1;

/** The sysctls a snapshot records: the queue sysctls `tcpdiag host` shows, and the client's SYN retries. */
export const SNAPSHOT_SYSCTLS: readonly SysctlInfo[] = [
  ...QUEUE_SYSCTLS,
  { name: 'net.ipv4.tcp_syn_retries', path: 'sys/net/ipv4/tcp_syn_retries', note: 'SYN retransmissions of this host as a client (§6.1)' },
];

export interface SnapshotListener {
  family: 4 | 6;
  address: string;
  port: number;
  /** rx_queue of the st=0A line: connections waiting for accept() (sk_ack_backlog). */
  recvQ: number;
  /** tx_queue of the st=0A line as /proc prints it: always 0 for a listener on Linux (kernel.md §8). */
  sendQ: number;
  /** The queue limit (sk_max_ack_backlog) = Send-Q of `ss -lnt`; null when ss was not available. */
  limit: number | null;
  inode: number;
}

export interface HostCounterSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  tool: 'tcpdiag';
  time: { iso: string; epoch: number };
  hostname: string;
  /** The network namespace the counters belong to, e.g. "net:[4026531840]"; null if unreadable. */
  netns: string | null;
  procRoot: string;
  kernelRelease: string;
  sysctls: Record<string, number | null>;
  /** Every Tcp: (/proc/net/snmp) and TcpExt: (/proc/net/netstat) counter, named as nstat names them. */
  counters: Record<string, number>;
  listeners: SnapshotListener[];
}

export interface SnapshotProcText {
  netstat: string;
  snmp: string;
  tcp: string;
  tcp6: string;
}

export interface SnapshotInput {
  proc: SnapshotProcText;
  /** Epoch milliseconds of the counter reading. */
  timeMs: number;
  hostname: string;
  netns: string | null;
  procRoot: string;
  kernelRelease: string;
  sysctls: Record<string, number | null>;
  /** `ss -lnte` of the same namespace, or null. */
  ssText: string | null;
}

/** Builds the snapshot document from the text of the /proc files (pure). */
export function buildSnapshot(input: SnapshotInput): HostCounterSnapshot {
  const all = { ...parseSnmpFile(input.proc.snmp), ...parseSnmpFile(input.proc.netstat) };
  const counters: Record<string, number> = {};
  for (const name of Object.keys(all).sort()) if (/^Tcp(Ext)?[A-Z]/.test(name)) counters[name] = all[name]!;
  const sockets = [...parseProcNetTcp(input.proc.tcp, 4), ...parseProcNetTcp(input.proc.tcp6, 6)];
  const ssRows = input.ssText === null ? [] : parseSsListeners(input.ssText);
  const listeners = sockets
    .filter((s) => s.state === TCP_LISTEN)
    .map((s) => listenerOf(s, input.ssText === null ? undefined : matchSsListener(s, ssRows)))
    .sort((a, b) => a.port - b.port || a.family - b.family || a.address.localeCompare(b.address));
  return {
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    tool: 'tcpdiag',
    time: { iso: new Date(input.timeMs).toISOString(), epoch: input.timeMs / 1000 },
    hostname: input.hostname,
    netns: input.netns,
    procRoot: input.procRoot,
    kernelRelease: input.kernelRelease,
    sysctls: input.sysctls,
    counters,
    listeners,
  };
}

function listenerOf(s: ProcSocket, ss: { sendQ: number } | undefined): SnapshotListener {
  return { family: s.family, address: s.localAddress, port: s.localPort, recvQ: s.rxQueue, sendQ: s.txQueue, limit: ss ? ss.sendQ : null, inode: s.inode };
}

/** Reads a snapshot from a /proc root (/proc, /proc/PID, or a recorded copy). */
export async function readSnapshot(procRoot: string, ssText: string | null, now: () => number = Date.now): Promise<HostCounterSnapshot> {
  const netstat = await readRequired(join(procRoot, 'net/netstat'));
  const snmp = await readRequired(join(procRoot, 'net/snmp'));
  // The time of the counters, not of the listeners or sysctls: it is what the capture is compared with.
  const timeMs = now();
  const tcp = await readRequired(join(procRoot, 'net/tcp'));
  const tcp6 = await readFile(join(procRoot, 'net/tcp6'), 'utf8').catch(() => '');
  const sysctls: Record<string, number | null> = {};
  for (const s of SNAPSHOT_SYSCTLS) {
    const text = await readFile(join(procRoot, s.path), 'utf8').catch(() => null);
    const value = text === null ? NaN : Number(text.trim());
    sysctls[s.name] = Number.isFinite(value) ? value : null;
  }
  return buildSnapshot({
    proc: { netstat, snmp, tcp, tcp6 },
    timeMs,
    hostname: osHostname(),
    netns: await readNetns(procRoot),
    procRoot,
    kernelRelease: await readKernelRelease(procRoot),
    sysctls,
    ssText,
  });
}

// /proc/self/ns/net for /proc, /proc/PID/ns/net for /proc/PID; a recorded copy has neither.
async function readNetns(procRoot: string): Promise<string | null> {
  for (const link of [join(procRoot, 'self/ns/net'), join(procRoot, 'ns/net')]) {
    const target = await readlink(link).catch(() => null);
    if (target !== null && /^net:\[\d+\]$/.test(target)) return target;
  }
  return null;
}

async function readRequired(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new HostReadError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** `tcpdiag host --snapshot FILE` (FILE `-` = stdout): returns the exit code. HostReadError propagates. */
/** One line for stderr after a snapshot was written to a file. */
export function snapshotWrittenNote(file: string, snapshot: HostCounterSnapshot): string {
  const n = snapshot.listeners.length;
  return `wrote ${file}: ${Object.keys(snapshot.counters).length} counters, ${n} listener${n === 1 ? '' : 's'}, ${snapshot.netns ?? 'namespace unknown'}, ${snapshot.time.iso}`;
}
