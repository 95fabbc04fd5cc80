// Every input format of --counters, read from files the real tools printed (fixtures/counters/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { counterDelta, kernelDelta } from '../../src/knowledge/counters/delta.js';
import { loadKernelDelta } from '../../src/knowledge/counters/load.js';
import { parseNetstatS } from '../../src/knowledge/counters/netstat-s.js';
import { CounterInputError, parseCounterText } from '../../src/knowledge/counters/parse.js';
import { parseSnmpFile } from '../../src/knowledge/proc-counters.js';
import { COUNTERS, counterFiles, FORMATS, labels, ROOT, SCENARIOS, type Format } from './helpers.js';

const read = (path: string) => readFileSync(path, 'utf8');

const FORMAT_OF: Record<Format, string> = { nstat: 'nstat', 'netstat-s': 'netstat-s', proc: 'proc-net', snapshot: 'tcpdiag-snapshot' };

/** The counters a format carries: netstat -s and snapshots only Tcp and TcpExt, nstat and the /proc copies all. */
function carried(format: Format, name: string): boolean {
  return format === 'nstat' || format === 'proc' || /^Tcp(Ext)?[A-Z]/.test(name);
}

describe('each format, BEFORE and AFTER of each lab scenario', () => {
  for (const format of FORMATS) {
    it.each(SCENARIOS)(`${format}: %s — AFTER − BEFORE is the lab's kernel_counters_delta`, async (s) => {
      const kd = await loadKernelDelta(counterFiles(s, format));
      expect(kd.before.format).toBe(FORMAT_OF[format]);
      expect(kd.after.format).toBe(FORMAT_OF[format]);
      const delta = labels(s).kernel_counters_delta;
      const names = Object.keys(delta).filter((n) => carried(format, n));
      expect(names.length).toBeGreaterThan(format === 'nstat' || format === 'proc' ? 12 : 6);
      for (const name of names) expect([name, counterDelta(kd, name)]).toEqual([name, delta[name]]);
      // Counters the lab did not see move did not move.
      for (const name of ['TcpExtListenOverflows', 'TcpExtTCPReqQFullDrop', 'TcpExtEmbryonicRsts', 'TcpExtSyncookiesSent']) {
        expect([name, counterDelta(kd, name)]).toEqual([name, delta[name] ?? 0]);
      }
    });
  }

  it('nstat --json', async () => {
    const kd = await loadKernelDelta([`${COUNTERS}nstat-json/before.json`, `${COUNTERS}nstat-json/after-slow-acceptor-abort1.json`]);
    expect(kd.after.format).toBe('nstat-json');
    const delta = labels('slow-acceptor-abort1').kernel_counters_delta;
    for (const [name, value] of Object.entries(delta)) expect([name, counterDelta(kd, name)]).toEqual([name, value]);
  });

  it('a snapshot carries its time, namespace, host and sysctls; the text formats carry none', async () => {
    const snap = await loadKernelDelta(counterFiles('accept-overflow-abort1', 'snapshot'));
    expect(snap.after.netns).toMatch(/^net:\[\d+\]$/);
    expect(snap.after.hostname).not.toBeNull();
    expect(snap.seconds).toBeCloseTo(1795253324.955303 + 1 - (1795253306.837549 - 1), 2);
    expect(snap.sysctls).toMatchObject(labels('accept-overflow-abort1').server.sysctl);
    const nstat = await loadKernelDelta(counterFiles('accept-overflow-abort1', 'nstat'));
    expect([nstat.seconds, nstat.sysctls, nstat.after.netns]).toEqual([null, null, null]);
  });

  it('netstat -s leaves out TcpExt counters that are 0: absent from both readings is 0, not unknown', async () => {
    const before = read(`${COUNTERS}netstat-s/before.txt`);
    expect(before).not.toContain('TCPReqQFullDrop');
    const kd = await loadKernelDelta(counterFiles('accept-overflow-abort0', 'netstat-s'));
    expect(counterDelta(kd, 'TcpExtTCPReqQFullDrop')).toBe(0);
    expect(counterDelta(kd, 'TcpExtEmbryonicRsts')).toBe(0);
    // Outside TcpExt nothing is assumed.
    expect(counterDelta(kd, 'TcpNoSuchCounter')).toBeNull();
  });
});

describe('the netstat -s sentence table', () => {
  // netstat -s (net-tools 2.10) run on /proc files in which every counter had a distinct value.
  const dir = `${COUNTERS}netstat-s-table/`;
  const truth = { ...parseSnmpFile(read(`${dir}snmp.distinct`)), ...parseSnmpFile(read(`${dir}netstat.distinct`)) };
  const parsed = parseNetstatS(read(`${dir}netstat-s.distinct.txt`));

  it('maps every number net-tools printed back to its own counter', () => {
    expect(parsed.unknown).toEqual([]);
    const names = Object.keys(parsed.counters);
    expect(names.length).toBeGreaterThan(140);
    for (const name of names) expect([name, parsed.counters[name]]).toEqual([name, truth[name]]);
  });

  it('finds every TcpExt counter and every Tcp counter netstat prints', () => {
    const tcpExt = Object.keys(truth).filter((n) => n.startsWith('TcpExt'));
    expect(tcpExt.filter((n) => !(n in parsed.counters))).toEqual([]);
    // RtoAlgorithm, RtoMin, RtoMax and MaxConn are settings, not events: netstat -s does not print them.
    const tcp = Object.keys(truth).filter((n) => /^Tcp[A-Z]/.test(n) && !n.startsWith('TcpExt'));
    expect(tcp.filter((n) => !(n in parsed.counters))).toEqual(['TcpRtoAlgorithm', 'TcpRtoMin', 'TcpRtoMax', 'TcpMaxConn']);
  });
});

describe('one file holding both readings', () => {
  const both = (format: Format, s = 'slow-acceptor-abort1') => counterFiles(s as 'slow-acceptor-abort1', format).map(read);

  it.each(FORMATS)('%s: BEFORE and AFTER one after the other', (format) => {
    const [b, a] = both(format);
    const readings = parseCounterText(b! + a!, 'both.txt');
    expect(readings.map((r) => r.part)).toEqual([1, 2]);
    const kd = kernelDelta(readings[0]!, readings[1]!);
    expect(counterDelta(kd, 'TcpExtEmbryonicRsts')).toBe(49);
    expect(counterDelta(kd, 'TcpExtListenOverflows')).toBe(196);
  });

  it('snapshots as a JSON array and as {before, after}', () => {
    const [b, a] = both('snapshot').map((t) => JSON.parse(t) as unknown);
    for (const text of [JSON.stringify([b, a]), JSON.stringify({ before: b, after: a })]) {
      const [rb, ra] = parseCounterText(text, 'both.json');
      expect(counterDelta(kernelDelta(rb!, ra!), 'TcpExtListenOverflows')).toBe(196);
    }
  });
});

describe('bad input: one line naming the file', () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '  \n', /^x\.txt: empty file/],
    ['a capture', read(`${ROOT}fixtures/crafted/not-a-capture.txt`), /^x\.txt: not a counter file at byte offset \d+/],
    ['JSON of something else', '{"kernel_counters_delta": {}}', /^x\.txt: JSON at byte offset 0 is neither a tcpdiag snapshot nor `nstat --json` output/],
    ['cut JSON', '{"format": "tcpdiag-host-snapshot", "formatVersion": 1', /^x\.txt: JSON cut short \(unclosed from byte offset 0\)/],
    ['a newer snapshot format', '{"format": "tcpdiag-host-snapshot", "formatVersion": 2}', /^x\.txt: snapshot format version 2 is newer than this tcpdiag reads \(1\)/],
    ['a /proc header without its values', 'TcpExt: SyncookiesSent ListenOverflows\nIpExt: InOctets\n', /^x\.txt: the header "TcpExt:" at byte offset 0 is not followed by its 2 values/],
    ['a /proc value line short of values', 'Tcp: A B C\nTcp: 1 2\n', /^x\.txt: the header "Tcp:" at byte offset 0 is not followed by its 3 values/],
    ['a broken nstat line', '#kernel\nTcpExtListenOverflows  12  0.0\nTcpExtListenDrops twelve\n', /^x\.txt: not an nstat line at byte offset 39: "TcpExtListenDrops twelve"/],
  ];
  it.each(cases)('%s', (_, text, message) => {
    let err: unknown;
    try {
      parseCounterText(text, 'x.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CounterInputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('three readings in one file, or two files of which one holds two', async () => {
    const nstat = read(`${COUNTERS}nstat/before.txt`);
    expect(() => parseCounterText(nstat + nstat + nstat, 'three.txt')).toThrow(/^three\.txt: holds 3 readings/);
    await expect(loadKernelDelta([`${COUNTERS}nstat/before.txt`])).rejects.toThrow(/before\.txt: holds one reading; give BEFORE and AFTER/);
    await expect(loadKernelDelta(['/nonexistent/before.txt', `${COUNTERS}nstat/before.txt`])).rejects.toThrow(/^\/nonexistent\/before\.txt: cannot read: ENOENT$/);
  });

  it('readings from two network namespaces, or AFTER taken before BEFORE', () => {
    const [b, a] = counterFiles('healthy', 'snapshot').map(read).map((t) => JSON.parse(t) as Record<string, unknown>);
    const other = { ...a!, netns: 'net:[1]' };
    const [rb] = parseCounterText(JSON.stringify(b), 'b.json');
    const [ro] = parseCounterText(JSON.stringify(other), 'a.json');
    expect(() => kernelDelta(rb!, ro!)).toThrow(/^a\.json: read in network namespace net:\[1\], but b\.json in net:\[\d+\]: counters are per namespace/);
    const [ra] = parseCounterText(JSON.stringify(a), 'a.json');
    expect(() => kernelDelta(ra!, rb!)).toThrow(/give BEFORE first/);
  });
});

describe('netstat -s in another language or version', () => {
  it('does not take an unknown sentence for a zero', () => {
    const text = read(`${COUNTERS}netstat-s/after-accept-overflow-abort0.txt`).replace('times the listen queue of a socket overflowed', 'mal lief die Warteschlange über');
    const [r] = parseCounterText(text, 'de.txt');
    expect(r!.counters['TcpExtListenOverflows']).toBeUndefined();
    expect(r!.absentIsZero).toEqual([]);
    const [b] = parseCounterText(read(`${COUNTERS}netstat-s/before.txt`), 'before.txt');
    expect(counterDelta(kernelDelta(b!, r!), 'TcpExtListenOverflows')).toBeNull();
  });
});
