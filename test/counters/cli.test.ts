// `tcpdiag host --snapshot` and `tcpdiag analyze --counters` as a user runs them (the built CLI, in-process).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseSnmpFile } from '../../src/knowledge/proc-counters.js';
import { runCli } from '../cli/run-cli.js';
import { COUNTERS, ROOT } from './helpers.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

const OVERFLOW = 'fixtures/lab/accept-overflow-abort0-server.pcap';

function tcpdiag(args: string[]) {
  return runCli(args, { env: { NO_COLOR: '1' } });
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validateSnapshot = ajv.compile(JSON.parse(readFileSync(`${ROOT}schema/snapshot.schema.json`, 'utf8')) as object);
const validateReport = ajv.compile(JSON.parse(readFileSync(`${ROOT}schema/report.schema.json`, 'utf8')) as object);

describe('tcpdiag host --snapshot', () => {
  const dir = tempDir('tcpdiag-snapshot-');

  it('writes every Tcp/TcpExt counter, the sysctls and the listeners of a /proc root as versioned JSON', async () => {
    const file = join(dir, 'after.json');
    const r = await tcpdiag(['host', '--snapshot', file, '--proc-root', 'fixtures/proc/after']);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(r.stderr).toMatch(/^tcpdiag host: wrote .*after\.json: \d+ counters, 5 listeners, namespace unknown, \d{4}-/);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    expect(validateSnapshot(snap) ? [] : validateSnapshot.errors).toEqual([]);
    expect([snap.format, snap.formatVersion, snap.netns, snap.procRoot]).toEqual(['tcpdiag-host-snapshot', 1, null, 'fixtures/proc/after']);
    const proc = { ...parseSnmpFile(readFileSync(`${ROOT}fixtures/proc/after/net/snmp`, 'utf8')), ...parseSnmpFile(readFileSync(`${ROOT}fixtures/proc/after/net/netstat`, 'utf8')) };
    const tcp = Object.fromEntries(Object.entries(proc).filter(([k]) => /^Tcp(Ext)?[A-Z]/.test(k)));
    expect(snap.counters).toEqual(tcp);
    expect(snap.kernelRelease).toBe(readFileSync(`${ROOT}fixtures/proc/after/sys/kernel/osrelease`, 'utf8').trim());
    expect(snap.sysctls['net.core.somaxconn']).toBe(Number(readFileSync(`${ROOT}fixtures/proc/after/sys/net/core/somaxconn`, 'utf8')));
    // fixtures/proc/README.md: 127.0.0.1:8080 with backlog 4 and a full queue (rx_queue 5); ss is not run for a recorded root.
    expect(snap.listeners).toContainEqual(expect.objectContaining({ family: 4, address: '127.0.0.1', port: 8080, recvQ: 5, sendQ: 0, limit: null }));
    expect(snap.listeners).toContainEqual(expect.objectContaining({ family: 6, address: '::1', port: 7070, recvQ: 1 }));
  });

  it.skipIf(process.platform !== 'linux')('on this machine: to stdout with -, with the network namespace and the time of reading', async () => {
    const before = Date.now() / 1000;
    const r = await tcpdiag(['host', '--snapshot', '-']);
    expect(r.code).toBe(0);
    const snap = JSON.parse(r.stdout);
    expect(validateSnapshot(snap) ? [] : validateSnapshot.errors).toEqual([]);
    expect(snap.netns).toMatch(/^net:\[\d+\]$/);
    expect(snap.time.epoch).toBeGreaterThanOrEqual(before - 1);
    expect(snap.counters['TcpExtListenOverflows']).toBeTypeOf('number');
  });

  it('snapshot, capture, snapshot, analyze: the counters moved in fixtures/proc/after are the kernel side', async () => {
    const b = join(dir, 'b.json');
    const a = join(dir, 'a.json');
    expect((await tcpdiag(['host', '--snapshot', b, '--proc-root', 'fixtures/proc/before'])).code).toBe(0);
    expect((await tcpdiag(['host', '--snapshot', a, '--proc-root', 'fixtures/proc/after'])).code).toBe(0);
    const r = await tcpdiag(['analyze', OVERFLOW, '--format', 'json', '--counters', b, a]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(validateReport(report) ? [] : validateReport.errors).toEqual([]);
    const c = report.captures[0].counters;
    // fixtures/proc/README.md: ListenOverflows +36, ListenDrops +38, SyncookiesSent +4, EmbryonicRsts unchanged.
    expect(['ListenOverflows', 'ListenDrops', 'SyncookiesSent', 'EmbryonicRsts'].map((n) => c.compared[`TcpExt${n}`].kernel)).toEqual([36, 38, 4, 0]);
    expect(c.compared.TcpExtListenOverflows.agree).toBe(false);
    // The snapshots were taken now; the capture is from November 2026.
    expect(c.captureWithinInterval).toBe(false);
    expect(c.compared.TcpExtListenOverflows.explanation).toContain('do not overlap at all');
  });
});

describe('tcpdiag analyze --counters', () => {
  it('prints the comparison after the findings, and keeps the exit code of the findings', async () => {
    const r = await tcpdiag(['analyze', OVERFLOW, '--counters', `${COUNTERS}nstat/before.txt`, `${COUNTERS}nstat/after-accept-overflow-abort0.txt`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const text = r.stdout.slice(r.stdout.indexOf('Kernel counters for'));
    expect(text).toMatch(/^Kernel counters for fixtures\/lab\/accept-overflow-abort0-server\.pcap: capture and kernel agree\n/);
    expect(text).toMatch(/\n {2}TcpExtListenOverflows +163 +163 {2}yes\n/);
    expect(text).toMatch(/\n {2}TcpExtSyncookiesSent +22 +25 {2}yes \(capture is a lower bound\)\n/);
    expect(r.stdout.indexOf('ERROR   accept-queue-overflow')).toBeLessThan(r.stdout.indexOf('Kernel counters for'));
  });

  it('reads one file holding both readings', async () => {
    const both = join(tempDir('tcpdiag-both-'), 'both.txt');
    writeFileSync(both, readFileSync(`${COUNTERS}proc/before.txt`, 'utf8') + readFileSync(`${COUNTERS}proc/after-accept-overflow-abort0.txt`, 'utf8'));
    const r = await tcpdiag(['analyze', OVERFLOW, '--format', 'json', '--counters', both]);
    const c = JSON.parse(r.stdout).captures[0].counters;
    expect([c.before.part, c.after.part, c.agree, c.compared.TcpExtListenOverflows.kernel]).toEqual([1, 2, true, 163]);
  });

  it('leaves the report as it was without --counters', async () => {
    const r = JSON.parse((await tcpdiag(['analyze', OVERFLOW, '--format', 'json'])).stdout);
    expect('counters' in r.captures[0]).toBe(false);
    expect('abortOnOverflowSource' in r.findings[0]).toBe(false);
  });

  it.each([
    [['fixtures/crafted/not-a-capture.txt', `${COUNTERS}nstat/before.txt`], /^tcpdiag analyze: fixtures\/crafted\/not-a-capture\.txt: not a counter file at byte offset 0 \(expected/],
    [['a', 'b', 'c'], /^tcpdiag analyze: --counters takes BEFORE AFTER, or one file holding both; got 3 files/],
    [[`${COUNTERS}nstat/before.txt`, 'fixtures/missing.txt'], /^tcpdiag analyze: fixtures\/missing\.txt: cannot read: ENOENT\n$/],
  ])('bad counter files: one line on stderr, exit 2 (%j)', async (files, message) => {
    const r = await tcpdiag(['analyze', OVERFLOW, '--counters', ...files]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
