// Against /proc files recorded on the build machine (fixtures/proc/before) and a copy with
// counters moved by hand and real listener lines from a network namespace appended
// (fixtures/proc/after; see fixtures/proc/README.md).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addHostCommand } from '../../src/cli/host.js';
import {
  buildHostReport,
  HostReadError,
  procRootFromEnv,
  readHostSnapshot,
  readKernelRelease,
  readSysctls,
  type HostReport,
} from '../../src/knowledge/host-report.js';
import { renderHost } from '../../src/knowledge/host-render.js';
import { parseSnmpFile } from '../../src/knowledge/proc-counters.js';
import { matchSsListener, parseProcNetTcp, parseSsListeners } from '../../src/knowledge/proc-sockets.js';
import { runCommand } from './run-command.js';

const BEFORE = fileURLToPath(new URL('../../fixtures/proc/before', import.meta.url));
const AFTER = fileURLToPath(new URL('../../fixtures/proc/after', import.meta.url));

async function fixtureReport(options: { port?: number; withSs?: boolean } = {}): Promise<HostReport> {
  const ssText = options.withSs === false ? null : await readFile(`${AFTER}/ss-lnte.txt`, 'utf8');
  return buildHostReport({
    before: await readHostSnapshot(BEFORE),
    after: await readHostSnapshot(AFTER),
    intervalSeconds: 5,
    sysctls: await readSysctls(AFTER),
    kernelRelease: await readKernelRelease(AFTER),
    ssText,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
}

describe('/proc/net/netstat and /proc/net/snmp', () => {
  it('reads the counter pairs under nstat names', async () => {
    const netstat = parseSnmpFile(await readFile(`${AFTER}/net/netstat`, 'utf8'));
    expect(netstat['TcpExtListenOverflows']).toBe(36);
    expect(netstat['TcpExtSyncookiesSent']).toBe(4);
    const snmp = parseSnmpFile(await readFile(`${AFTER}/net/snmp`, 'utf8'));
    expect(snmp['TcpPassiveOpens']).toBe(14);
    expect(snmp['TcpRtoMax']).toBe(120000);
  });

  it('skips a misaligned header/value pair instead of mislabelling numbers', () => {
    expect(parseSnmpFile('TcpExt: A B\nIpExt: 1 2\n')).toEqual({});
  });
});

describe('counters that moved', () => {
  it('lists the listen-queue counters that moved with their rate, and no others', async () => {
    const r = await fixtureReport();
    const moved = Object.fromEntries(r.moved.map((c) => [c.name, [c.delta, c.perSecond]]));
    expect(moved).toEqual({
      TcpExtListenOverflows: [36, 7.2],
      TcpExtListenDrops: [38, 7.6],
      TcpExtTCPReqQFullDoCookies: [4, 0.8],
      TcpExtSyncookiesSent: [4, 0.8],
      TcpExtSyncookiesRecv: [2, 0.4],
    });
    const context = Object.fromEntries(r.context.map((c) => [c.name, c.delta]));
    expect(context).toEqual({ TcpPassiveOpens: 12, TcpExtTCPSynRetrans: 10, TcpOutRsts: 3 });
    expect(r.missing).toEqual([]);
  });

  it('reports nothing moved between identical snapshots', async () => {
    const same = await readHostSnapshot(BEFORE);
    const r = buildHostReport({ before: same, after: same, intervalSeconds: 5, sysctls: {}, kernelRelease: 'x', ssText: null });
    expect(r.moved).toEqual([]);
    expect(renderHost(r, 'text')).toContain('none — no listener dropped anything');
  });
});

describe('listeners', () => {
  it('decodes /proc/net/tcp and tcp6 lines', async () => {
    const tcp = parseProcNetTcp(await readFile(`${AFTER}/net/tcp`, 'utf8'), 4, true);
    const full = tcp.find((s) => s.state === 0x0a && s.localPort === 8080)!;
    expect(full).toMatchObject({ localAddress: '127.0.0.1', rxQueue: 5, txQueue: 0, inode: 32276 });
    expect(tcp.filter((s) => s.state === 0x03 && s.localPort === 6060)).toHaveLength(2);
    const tcp6 = parseProcNetTcp(await readFile(`${AFTER}/net/tcp6`, 'utf8'), 6, true);
    expect(tcp6.find((s) => s.state === 0x0a)).toMatchObject({ localAddress: '::1', localPort: 7070, rxQueue: 1 });
  });

  it('decodes other IPv6 forms', () => {
    const line = (hex: string) => `   0: ${hex}:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1 0000000000000000 100 0 0 10 0`;
    const header = '  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode\n';
    const parse = (hex: string) => parseProcNetTcp(header + line(hex), 6, true)[0]!.localAddress;
    expect(parse('B80D0120000000000000000001000000')).toBe('2001:db8::1');
    expect(parse('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(parse('00000000000000000000000000000000')).toBe('::');
  });

  it('flags the full and the nearly full listener, using Send-Q from ss', async () => {
    const r = await fixtureReport();
    const rows = Object.fromEntries(r.listeners.map((l) => [`${l.address}:${l.port}`, [l.acceptQueue, l.limit, l.state, l.synRecv]]));
    expect(rows).toEqual({
      '0.0.0.0:2024': [0, 128, 'ok', 0],
      '127.0.0.1:6060': [0, 16, 'ok', 2], // TCP_DEFER_ACCEPT: two acked request socks (st=03)
      '::1:7070': [1, 128, 'ok', 0],
      '127.0.0.1:8080': [5, 4, 'full', 0], // Recv-Q = Send-Q+1
      '0.0.0.0:9090': [8, 10, 'nearly full', 0], // 80 %
    });
  });

  it('calls a queue full only above Send-Q: Recv-Q = Send-Q is nearly full (§1.1 `>` test)', () => {
    const listener = (port: number, rxQueue: number) => ({
      family: 4 as const, localAddress: '10.0.0.1', localPort: port, remoteAddress: '0.0.0.0', remotePort: 0,
      state: 0x0a, txQueue: 0, rxQueue, inode: port,
    });
    const snapshot = { counters: {}, sockets: [listener(1, 4), listener(2, 5), listener(3, 3), listener(4, 0)] };
    const ss = [1, 2, 3, 4].map((p) => `LISTEN 0 4 10.0.0.1:${p} 0.0.0.0:* ino:${p}`).join('\n');
    const r = buildHostReport({ before: snapshot, after: snapshot, intervalSeconds: 1, sysctls: {}, kernelRelease: 'x', ssText: ss });
    // 4/4 nearly full, 5/4 full, 3/4 = 75 % ok, 0/4 ok.
    expect(r.listeners.map((l) => l.state)).toEqual(['nearly full', 'full', 'ok', 'ok']);
  });

  it('keeps only --port and says the counters are namespace-wide', async () => {
    const r = await fixtureReport({ port: 8080 });
    expect(r.listeners.map((l) => l.port)).toEqual([8080]);
    expect(r.notes.join(' ')).toMatch(/whole network namespace/);
  });

  it('cannot flag anything without ss, and says so', async () => {
    const r = await fixtureReport({ withSs: false });
    expect(new Set(r.listeners.map((l) => l.state))).toEqual(new Set(['limit unknown']));
    expect(r.notes.join(' ')).toMatch(/need `ss`/);
  });

  it('parses ss address forms and matches by inode, then by address', () => {
    const rows = parseSsListeners(
      [
        'State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess',
        'LISTEN 0      4096   127.0.0.53%lo:53        0.0.0.0:*',
        'LISTEN 0      511                *:80              *:*',
        'LISTEN 3      128             [::]:22           [::]:*',
        'LISTEN 0      5      [fe80::1]%eth0:9000       [::]:*',
        'ESTAB  0      0          10.0.0.1:22     10.0.0.2:5555',
      ].join('\n'),
    );
    expect(rows).toEqual([
      { address: '127.0.0.53', port: 53, recvQ: 0, sendQ: 4096 },
      { address: '*', port: 80, recvQ: 0, sendQ: 511 },
      { address: '::', port: 22, recvQ: 3, sendQ: 128 },
      { address: 'fe80::1', port: 9000, recvQ: 0, sendQ: 5 },
    ]);
    const socket = { family: 6 as const, localAddress: '::', localPort: 80, remoteAddress: '::', remotePort: 0, state: 10, txQueue: 0, rxQueue: 0, inode: 9 };
    expect(matchSsListener(socket, rows)?.sendQ).toBe(511); // "*" is the dual-stack wildcard
    expect(matchSsListener({ ...socket, family: 4, localAddress: '0.0.0.0' }, rows)).toBeUndefined();
  });
});

describe('reading', () => {
  it('reads sysctls and the kernel release from the proc root', async () => {
    const sysctls = await readSysctls(AFTER);
    expect(Object.keys(sysctls)).toEqual([
      'net.core.somaxconn',
      'net.ipv4.tcp_max_syn_backlog',
      'net.ipv4.tcp_syncookies',
      'net.ipv4.tcp_abort_on_overflow',
      'net.ipv4.tcp_synack_retries',
    ]);
    expect(Object.values(sysctls).every((v) => typeof v === 'number')).toBe(true);
    expect(await readKernelRelease(AFTER)).toMatch(/^\d+\.\d+/);
  });

  it('gives null for sysctls the root does not have (e.g. /proc/PID)', async () => {
    const sysctls = await readSysctls('/nonexistent-proc');
    expect(Object.values(sysctls).every((v) => v === null)).toBe(true);
  });

  it('fails with HostReadError when /proc/net is missing', async () => {
    await expect(readHostSnapshot('/nonexistent-proc')).rejects.toBeInstanceOf(HostReadError);
  });

  it('takes the proc root from TCPDIAG_PROC_ROOT', () => {
    expect(procRootFromEnv({ TCPDIAG_PROC_ROOT: '/tmp/x' })).toBe('/tmp/x');
    expect(procRootFromEnv({})).toBe('/proc');
  });
});

describe('rendering and command', () => {
  it('renders text with rates, the full listener and the explain hint; JSON parses', async () => {
    const r = await fixtureReport();
    const text = renderHost(r, 'text');
    expect(text).toMatch(/TcpExtListenOverflows\s+\+36\s+7\.2\/s/);
    expect(text).toMatch(/127\.0\.0\.1:8080\s+5\s+4\s+0\s+FULL/);
    expect(text).toMatch(/0\.0\.0\.0:9090\s+8\s+10\s+0\s+nearly full/);
    expect(text).toContain('tcpdiag explain accept-queue-overflow');
    expect(JSON.parse(renderHost(r, 'json'))).toMatchObject({ intervalSeconds: 5, ssUsed: true });
  });

  it('runs on a recorded proc root (no ss there), exit 0 even though counters moved', async () => {
    const r = await runCommand(addHostCommand, ['host', '--proc-root', AFTER, '--interval', '0', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as HostReport;
    expect(report.listeners.find((l) => l.port === 8080)).toMatchObject({ acceptQueue: 5, state: 'limit unknown' });
    expect(report.notes.join(' ')).toMatch(/no live namespace to ask/);
  });

  it('exits 2 on an unreadable proc root and on bad options', async () => {
    expect((await runCommand(addHostCommand, ['host', '--proc-root', '/nonexistent-proc', '--interval', '0'])).exitCode).toBe(2);
    expect((await runCommand(addHostCommand, ['host', '--interval', '-1'])).exitCode).toBe(2);
    expect((await runCommand(addHostCommand, ['host', '--port', '70000', '--interval', '0'])).exitCode).toBe(2);
    expect((await runCommand(addHostCommand, ['host', '--format', 'markdown'])).exitCode).toBe(2);
  });
});
