// --counters on the lab's server captures: where capture and kernel must agree (recorded numbers,
// kernel side = the lab's kernel_counters_delta), and mismatches that must be explained.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernelDelta } from '../../src/knowledge/counters/load.js';
import { TOLERANCE, withinTolerance } from '../../src/knowledge/counters/compare.js';
import type { FindingReport, FindingReportOf } from '../../src/report/model.js';
import { capture, counterFiles, FORMATS, labels, ROOT, runForCounters, SCENARIOS, withCounters, type CaptureRun, type Scenario } from './helpers.js';

// What each server capture shows (tcpdiag's own reading, checked against the kernel below):
// droppedSegments of accept-queue-overflow, synDrops of syn-flood, resets, recognised syncookies.
const CAPTURE: Record<Scenario & string, Record<string, number>> = {
  'accept-overflow-abort0': { TcpExtListenOverflows: 163, TcpExtTCPReqQFullDrop: 0, TcpExtListenDrops: 163, TcpExtEmbryonicRsts: 0, TcpExtSyncookiesSent: 22 },
  'accept-overflow-abort1': { TcpExtListenOverflows: 161, TcpExtTCPReqQFullDrop: 0, TcpExtListenDrops: 161, TcpExtEmbryonicRsts: 0, TcpExtSyncookiesSent: 22 },
  'slow-acceptor-abort0': { TcpExtListenOverflows: 548, TcpExtTCPReqQFullDrop: 0, TcpExtListenDrops: 548, TcpExtEmbryonicRsts: 0, TcpExtSyncookiesSent: 12 },
  'slow-acceptor-abort1': { TcpExtListenOverflows: 196, TcpExtTCPReqQFullDrop: 0, TcpExtListenDrops: 196, TcpExtEmbryonicRsts: 49, TcpExtSyncookiesSent: 0 },
  'syn-flood-nocookies': { TcpExtListenOverflows: 0, TcpExtTCPReqQFullDrop: 3136, TcpExtListenDrops: 3136, TcpExtEmbryonicRsts: 0, TcpExtSyncookiesSent: 0 },
  healthy: {},
};

const runs = new Map<string, Promise<CaptureRun>>();
function run(path: string, filter: { listeners?: string[] } = {}): Promise<CaptureRun> {
  const key = `${path} ${JSON.stringify(filter)}`;
  if (!runs.has(key)) runs.set(key, runForCounters(path, filter));
  return runs.get(key)!;
}

let validateReport: ValidateFunction;
beforeAll(() => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  validateReport = ajv.compile(JSON.parse(readFileSync(`${ROOT}schema/report.schema.json`, 'utf8')) as object);
});

/** The accept-queue finding among a report's findings (the union narrowed), with the source --counters adds. */
function overflow(f: FindingReport | undefined): FindingReportOf<'accept-queue-overflow'> & { abortOnOverflowSource?: string } {
  expect(f?.id).toBe('accept-queue-overflow');
  return f as FindingReportOf<'accept-queue-overflow'>;
}

describe('agreement on the lab scenarios, in every format', () => {
  for (const format of FORMATS) {
    it.each(SCENARIOS)(`${format}: %s`, async (s) => {
      const { report, counters } = withCounters(await run(capture(s)), await loadKernelDelta(counterFiles(s, format)));
      const delta = labels(s).kernel_counters_delta;
      for (const [name, row] of Object.entries(counters.compared)) {
        expect([name, row.capture]).toEqual([name, CAPTURE[s][name]]);
        expect([name, row.kernel]).toEqual([name, delta[name] ?? 0]);
        expect([name, row.agree]).toEqual([name, true]);
      }
      expect(counters.agree).toBe(true);
      expect(validateReport(JSON.parse(JSON.stringify(report))) ? [] : validateReport.errors).toEqual([]);
    });
  }

  it('accept-queue drops at the server match TcpExtListenOverflows within 5 %', () => {
    for (const s of ['accept-overflow-abort0', 'accept-overflow-abort1', 'slow-acceptor-abort0', 'slow-acceptor-abort1'] as const) {
      const kernel = labels(s).kernel_counters_delta['TcpExtListenOverflows']!;
      const seen = CAPTURE[s]['TcpExtListenOverflows']!;
      expect(Math.abs(seen - kernel) / kernel).toBeLessThanOrEqual(0.05);
      expect(withinTolerance(seen, kernel)).toBe(true);
    }
    expect(TOLERANCE).toEqual({ relative: 0.05, absolute: 2 });
    expect(withinTolerance(100, 106)).toBe(false);
    expect(withinTolerance(0, 3)).toBe(false);
  });

  it('abort=1 resets: one EmbryonicRsts each, their ACKs inside ListenOverflows, the listener\'s later RSTs only in TcpOutRsts', async () => {
    const { counters, report } = withCounters(await run(capture('slow-acceptor-abort1')), await loadKernelDelta(counterFiles('slow-acceptor-abort1', 'proc')));
    const row = counters.compared['TcpExtEmbryonicRsts']!;
    expect([row.capture, row.kernel, row.agree]).toEqual([49, 49, true]);
    expect(row.explanation).toContain('the ACK it answers is one ListenOverflows as well');
    expect(row.explanation).toContain('TcpOutRsts moved by 98');
    // 196 = 147 SYNs dropped while the queue was full + the 49 ACKs that were answered with a reset.
    const overflow = report.findings.find((f) => f.id === 'accept-queue-overflow')!;
    expect([overflow.synDrops, overflow.resets, overflow.droppedSegments]).toEqual([147, 49, 196]);
    expect(counters.abortOnOverflow).toEqual({ value: '1', source: 'capture', capture: '1', sysctl: null });
  });
});

describe('the abort policy read from the sysctls of a snapshot', () => {
  it.each([
    ['accept-overflow-abort0', '0'],
    ['accept-overflow-abort1', '1'],
  ] as const)('%s: the capture cannot tell (only syncookie handshakes were dropped); the snapshot says %s', async (s, value) => {
    const plain = await run(capture(s));
    expect(overflow(plain.report.findings[0]).abortOnOverflow).toBe('unknown');
    const { report, counters } = withCounters(plain, await loadKernelDelta(counterFiles(s, 'snapshot')));
    const f = overflow(report.findings[0]);
    expect([f.id, f.abortOnOverflow, f.abortOnOverflowSource]).toEqual(['accept-queue-overflow', value, 'sysctl']);
    expect(f.figures.find(([k]) => k === 'tcp_abort_on_overflow')![1]).toMatch(new RegExp(`^${value} \\(from the sysctls in .*${s}-after\\.json`));
    expect(counters.abortOnOverflow).toEqual({ value, source: 'sysctl', capture: 'unknown', sysctl: Number(value) });
    expect(counters.notes.join(' ')).toContain(`tcp_abort_on_overflow = ${value} is read from the sysctls`);
  });

  it('without sysctls (nstat) the finding stays as the capture has it', async () => {
    const { report } = withCounters(await run(capture('accept-overflow-abort1')), await loadKernelDelta(counterFiles('accept-overflow-abort1', 'nstat')));
    expect(overflow(report.findings[0]).abortOnOverflow).toBe('unknown');
    expect('abortOnOverflowSource' in report.findings[0]!).toBe(false);
  });

  it('a capture showing abort=1 resets beside a sysctl reading of 0 says so', async () => {
    // slow-acceptor-abort1's capture, slow-acceptor-abort0's snapshots (abort=0): another time as well.
    const { report } = withCounters(await run(capture('slow-acceptor-abort1')), await loadKernelDelta(counterFiles('slow-acceptor-abort0', 'snapshot')));
    const f = overflow(report.findings.find((x) => x.id === 'accept-queue-overflow'));
    expect([f.abortOnOverflow, f.abortOnOverflowSource]).toEqual(['1', 'capture']);
    expect(f.caveats.join(' ')).toContain('The counter readings say net.ipv4.tcp_abort_on_overflow=0, but the capture shows 1 behaviour');
  });
});

describe('mismatches are explained, not hidden', () => {
  it('counters of another scenario (another time): do not agree, and the readings do not overlap the capture', async () => {
    const { counters } = withCounters(await run(capture('accept-overflow-abort0')), await loadKernelDelta(counterFiles('slow-acceptor-abort0', 'snapshot')));
    expect(counters.agree).toBe(false);
    expect(counters.captureWithinInterval).toBe(false);
    const row = counters.compared['TcpExtListenOverflows']!;
    expect([row.capture, row.kernel, row.agree]).toEqual([163, 540, false]);
    expect(row.explanation).toContain('377 more in the kernel');
    expect(row.explanation).toContain('do not overlap at all: these counters are from another time');
  });

  it('a capture filtered to one listener by --listener: the counters cover every listener', async () => {
    const { counters } = withCounters(await run(capture('slow-acceptor-abort0'), { listeners: ['198.18.0.3:9999'] }), await loadKernelDelta(counterFiles('slow-acceptor-abort0', 'nstat')));
    const row = counters.compared['TcpExtListenOverflows']!;
    expect([row.capture, row.kernel, row.agree]).toEqual([0, 540, false]);
    expect(row.explanation).toContain('The report was filtered (--listener 198.18.0.3:9999), but the counters cover every listener of the network namespace.');
    expect(row.explanation).toContain('carry no time');
    expect(counters.notes.join(' ')).toContain('shows no queue overflow');
  });

  it('a large unrelated ListenOverflows: overflows at a listener the capture did not see', async () => {
    const { counters } = withCounters(await run(`${ROOT}fixtures/lab/refused-server.pcap`), await loadKernelDelta(counterFiles('accept-overflow-abort0', 'netstat-s')));
    const row = counters.compared['TcpExtListenOverflows']!;
    expect([row.capture, row.kernel, row.agree]).toEqual([0, 163, false]);
    expect(row.explanation).toContain('not per listener: drops at listeners this capture did not see count too (it saw 2 listeners: 198.18.0.3:9, 198.18.0.3:8080)');
  });

  it('a capture that shows overflows the counters never counted: not these counters (another namespace, a pod)', async () => {
    const { counters } = withCounters(await run(capture('accept-overflow-abort0')), await loadKernelDelta(counterFiles('healthy', 'snapshot')));
    const row = counters.compared['TcpExtListenOverflows']!;
    expect([row.capture, row.kernel, row.agree]).toEqual([163, 0, false]);
    expect(row.explanation).toContain('The kernel counted none');
    expect(row.explanation).toContain('a capture in a pod against the host\'s counters will not agree');
    expect(counters.compared['TcpExtSyncookiesSent']!.agree).toBe(false);
  });
});

describe('a real run: snapshot, capture, snapshot (fixtures/counters/live)', () => {
  it.each([
    ['abort0', 34, 35, 3, '0'],
    ['abort1', 30, 30, 4, '1'],
  ] as const)('%s: dropped segments %i in the capture, %i in the kernel', async (dir, seen, counted, cookies, abort) => {
    const live = `${ROOT}fixtures/counters/live/${dir}/`;
    const kd = await loadKernelDelta([`${live}before.json`, `${live}after.json`]);
    const { counters, report } = withCounters(await run(`${live}server.pcap.gz`), kd);
    expect(kd.before.netns).toMatch(/^net:\[\d+\]$/);
    const lo = counters.compared['TcpExtListenOverflows']!;
    expect([lo.capture, lo.kernel, lo.agree]).toEqual([seen, counted, true]);
    expect(counters.compared['TcpExtSyncookiesSent']!.kernel).toBe(cookies);
    expect(counters.compared['TcpExtEmbryonicRsts']!.kernel).toBe(0);
    expect([counters.agree, counters.captureWithinInterval]).toEqual([true, true]);
    expect(counters.abortOnOverflow).toEqual({ value: abort, source: 'sysctl', capture: 'unknown', sysctl: Number(abort) });
    expect(overflow(report.findings[0]).abortOnOverflow).toBe(abort);
  });
});
