// Sockets from /proc/net/tcp and /proc/net/tcp6, and listener limits from `ss -lnt`.
// For a listener (st=0A) rx_queue is sk_ack_backlog — connections waiting for accept() — and the
// limit (sk_max_ack_backlog) is not in /proc at all; only `ss` shows it, as Send-Q (kernel.md §8).

import { endianness } from 'node:os';
import { formatAddress } from '../decode/address.js';

export const TCP_LISTEN = 0x0a;
export const TCP_SYN_RECV = 0x03;

export interface ProcSocket {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: number;
  txQueue: number;
  rxQueue: number;
  inode: number;
}

export function parseProcNetTcp(text: string, family: 4 | 6, littleEndian = endianness() === 'LE'): ProcSocket[] {
  const sockets: ProcSocket[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …"
    if (fields.length < 10 || !/^\d+:$/.test(fields[0]!)) continue;
    const [local, remote, state, queues, , , , , inode] = fields.slice(1);
    const localEnd = splitEndpoint(local!, family, littleEndian);
    const remoteEnd = splitEndpoint(remote!, family, littleEndian);
    const [tx, rx] = queues!.split(':');
    if (!localEnd || !remoteEnd || tx === undefined || rx === undefined) continue;
    sockets.push({
      family,
      localAddress: localEnd.address,
      localPort: localEnd.port,
      remoteAddress: remoteEnd.address,
      remotePort: remoteEnd.port,
      state: parseInt(state!, 16),
      txQueue: parseInt(tx, 16),
      rxQueue: parseInt(rx, 16),
      inode: Number(inode),
    });
  }
  return sockets;
}

function splitEndpoint(field: string, family: 4 | 6, littleEndian: boolean): { address: string; port: number } | null {
  const [hex, portHex] = field.split(':');
  if (hex === undefined || portHex === undefined) return null;
  const expected = family === 4 ? 8 : 32;
  if (hex.length !== expected || !/^[0-9A-Fa-f]+$/.test(hex)) return null;
  return { address: decodeAddress(hex, littleEndian), port: parseInt(portHex, 16) };
}

// The kernel prints each 32-bit word of the (network order) address as a host-order integer, so
// on little-endian machines every 4-byte group comes out reversed.
function decodeAddress(hex: string, littleEndian: boolean): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const group: number[] = [];
    for (let b = 0; b < 8; b += 2) group.push(parseInt(hex.slice(word + b, word + b + 2), 16));
    bytes.push(...(littleEndian ? group.reverse() : group));
  }
  return bytes.length === 4 ? bytes.join('.') : formatIpv6(bytes);
}

function formatIpv6(bytes: number[]): string {
  // ss prints an IPv4-mapped address in mixed notation (RFC 5952 §5); the rest as the decoder does.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const word = (i: number) => ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
  return formatAddress(6, word(0), word(4), word(8), word(12));
}

export interface SsListener {
  /** Address as ss prints it without brackets or %interface; "*" = any address, both families. */
  address: string;
  port: number;
  recvQ: number;
  sendQ: number;
  inode?: number;
}

/** Parses `ss -lnt` (with or without -e and -H); rows other than LISTEN are ignored. */
export function parseSsListeners(text: string): SsListener[] {
  const listeners: SsListener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'LISTEN' || fields.length < 5) continue;
    const recvQ = Number(fields[1]);
    const sendQ = Number(fields[2]);
    const local = fields[3]!;
    const colon = local.lastIndexOf(':');
    const port = Number(local.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || !Number.isFinite(recvQ) || !Number.isFinite(sendQ)) continue;
    const address = local
      .slice(0, colon)
      .replace(/%[^\]]*/, '')
      .replace(/^\[|\]$/g, '');
    const inodeMatch = /\bino:(\d+)/.exec(line);
    listeners.push({ address, port, recvQ, sendQ, ...(inodeMatch ? { inode: Number(inodeMatch[1]) } : {}) });
  }
  return listeners;
}

/** The ss row for a /proc listener: by inode when ss printed it (-e), else by address and port. */
export function matchSsListener(socket: ProcSocket, rows: readonly SsListener[]): SsListener | undefined {
  const byInode = rows.find((r) => r.inode !== undefined && r.inode === socket.inode && socket.inode !== 0);
  if (byInode) return byInode;
  const candidates = rows.filter((r) => r.inode === undefined && r.port === socket.localPort);
  const exact = candidates.find((r) => r.address === socket.localAddress);
  if (exact) return exact;
  // ss prints a dual-stack IPv6 wildcard listener as "*:PORT".
  return socket.localAddress === '::' ? candidates.find((r) => r.address === '*') : undefined;
}
