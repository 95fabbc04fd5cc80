// `tcpdiag watch` as a user runs it (the built CLI in-process, test/cli/run-cli.ts: `npm run build` first): -r FILE and -r - give the
// report analyze gives, with its exit codes; ndjson is one event a line; usage and tcpdump errors exit 2.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import { ROOT, runCli } from '../cli/run-cli.js';
import { watchTextPrinter } from '../../src/cli/watch-print.js';
import type { FindingEvent } from '../../src/diagnose/window.js';

const OVERFLOW = 'fixtures/lab/accept-overflow-abort0-server.pcap';
const REFUSED = 'fixtures/lab/refused-server.pcap';
const HEALTHY = 'fixtures/public/get.pcap';

function tcpdiag(args: string[], input?: Buffer, env: Record<string, string> = {}) {
  return runCli(args, { env, input });
}

interface Event {
  type: string;
  [k: string]: unknown;
}

function events(text: string): Event[] {
  return text.trim().split('\n').map((l) => JSON.parse(l) as Event);
}

describe('tcpdiag watch -r', () => {
  it('ends with the analyze report of the same capture, and its exit code', async () => {
    const analyzed = JSON.parse((await tcpdiag(['analyze', '--format', 'json', OVERFLOW])).stdout) as { findings: unknown[]; captures: { connections: number }[] };
    const w = await tcpdiag(['watch', '-r', OVERFLOW, '--format', 'ndjson']);
    expect(w.code).toBe(1);
    const ev = events(w.stdout);
    const end = ev.at(-1)!;
    expect(end.type).toBe('end');
    expect(end.exitCode).toBe(1);
    const report = end.report as typeof analyzed;
    expect(report.findings).toEqual(analyzed.findings);
    expect(report.captures[0]!.connections).toBe(30);
    // Windows, then findings, every line one event.
    expect(ev.filter((e) => e.type === 'window').length).toBeGreaterThan(1);
    const started = ev.filter((e) => e.type === 'finding' && e.change === 'started');
    expect(started.map((e) => e.id)).toEqual(['accept-queue-overflow']);
    const windowConns = ev
      .filter((e) => e.type === 'window')
      .flatMap((e) => e.listeners as { connections: number }[])
      .reduce((s, l) => s + l.connections, 0);
    expect(windowConns).toBe(30);
  });

  it('reads a pipe (-r -) the same as the file', async () => {
    const fromFile = await tcpdiag(['watch', '-r', REFUSED, '--format', 'ndjson']);
    const fromPipe = await tcpdiag(['watch', '-r', '-', '--format', 'ndjson'], readFileSync(join(ROOT, REFUSED)));
    // The same but for the capture's name.
    const strip = (t: string) => events(t.replaceAll('"fixtures/lab/refused-server.pcap"', '"-"')).map((e) => (e.type === 'end' ? { ...e, report: { ...(e.report as object), captures: [] } } : e));
    expect(strip(fromPipe.stdout)).toEqual(strip(fromFile.stdout));
    expect(fromFile.code).toBe(0); // connection-refused is a warning: below the default --fail-on error
    expect((await tcpdiag(['watch', '-r', REFUSED, '--fail-on', 'warning'])).code).toBe(1);
  });

  it('text: window blocks with rates, the finding with its verdict, then the report', async () => {
    const w = await tcpdiag(['watch', '-r', OVERFLOW, '--interval', '5']);
    expect(w.stdout).toMatch(/198\.18\.0\.3:8080 {2}SYN [\d.]+\/s {2}handshakes [\d.]+\/s {2}SYN drops [\d.]+\/s {2}ignored [\d.]+\/s {2}resets [\d.]+\/s {2}refused [\d.]+\/s/);
    expect(w.stdout).toMatch(/accept-queue-overflow started at 198\.18\.0\.3:8080 \[error\]: \d+ connections \(first at 09:27:39\.351\)\n {2}The accept queue of 198\.18\.0\.3:8080 overflowed/);
    const end = w.stdout.indexOf('end of watch: the full report');
    expect(end).toBeGreaterThan(0);
    expect(w.stdout.slice(end)).toContain('ERROR   accept-queue-overflow  198.18.0.3:8080  24 connections');
  });

  it('a client segment sent within the grace before a window\'s end is counted in the next window, not dropped yet (live.ts openFacts)', async () => {
    // healthy-lossy/client, port 38090: its client segment of 09:31:59.989505 is 10.5 ms before the window's
    // end at 09:32:00, within the grace (3x the listener's turnaround, 61 ms here) and not answered then.
    // It counts in 09:32:00-09:32:01 (9 and 4 before the tracker wrote the direction's last time again).
    const w = await tcpdiag(['watch', '-r', 'fixtures/accuracy/healthy-lossy/client.pcap.gz', '--interval', '1', '--format', 'ndjson']);
    const dropped = events(w.stdout)
      .filter((e) => e.type === 'window')
      .map((e) => (e.listeners as { droppedSegments: number }[]).map((l) => l.droppedSegments));
    expect(dropped).toEqual([[4], [8], [8], [5], [11], [7], [2], [], [], [3]]);
  });

  it('a healthy capture: no finding, exit 0', async () => {
    const w = await tcpdiag(['watch', '-r', HEALTHY, '--format', 'ndjson']);
    expect(w.code).toBe(0);
    expect(events(w.stdout).filter((e) => e.type === 'finding')).toEqual([]);
  });

  it('--duration on a replay keeps that much capture time, as analyze --until +SECONDS', async () => {
    const w = events((await tcpdiag(['watch', '-r', OVERFLOW, '--duration', '3', '--format', 'ndjson'])).stdout).at(-1)!;
    const a = JSON.parse((await tcpdiag(['analyze', '--format', 'json', '--until', '+3', OVERFLOW])).stdout) as { findings: unknown[]; captures: { connections: number }[] };
    const report = w.report as typeof a;
    expect(report.captures[0]!.connections).toBe(a.captures[0]!.connections);
    expect(report.findings).toEqual(a.findings);
  });
});

// fixtures/merge/rotated: slow-acceptor-abort1's server capture cut into three rotated files (784, 784
// and 783 packets; scripts/fixtures/make_merge.sh). Replayed as one, they are the whole capture.
const ROTATED = 'fixtures/merge/rotated';
const WHOLE = 'fixtures/lab-all/slow-acceptor-abort1/server.pcap.gz';

describe('tcpdiag watch -r --merge', () => {
  it('a rotated capture replayed as one: the whole capture\'s windows and findings, the end report as analyze --merge', async () => {
    const merged = await tcpdiag(['watch', '-r', ROTATED, '--merge', '--format', 'ndjson']);
    const whole = await tcpdiag(['watch', '-r', WHOLE, '--format', 'ndjson']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(whole.code);
    const m = events(merged.stdout);
    const w = events(whole.stdout);
    // Every window and finding event of the merged files is the whole capture's (the names aside).
    expect(m.slice(0, -1)).toEqual(w.slice(0, -1));
    expect(m.filter((e) => e.type === 'window').length).toBeGreaterThan(1);
    type End = { findings: { id: string; connections: number; evidence: { connections: { inFiles?: { file: string }[] }[] } }[]; captures: { path: string; files?: string[]; packets: number; connections: number }[] };
    const end = m.at(-1)!.report as End;
    const files = ['server_00000_20261121092941', 'server_00001_20261121092944', 'server_00002_20261121092946'].map((n) => `${ROTATED}/${n}.pcap.gz`);
    expect(end.captures.map((c) => [c.path, c.files, c.packets, c.connections])).toEqual([[files.join(' + '), files, 2351, 240]]);
    // One by one the pieces count 158 overflowed connections; as one capture, the whole capture's 130.
    expect(end.findings.find((f) => f.id === 'accept-queue-overflow')?.connections).toBe(130);
    const analyzed = JSON.parse((await tcpdiag(['analyze', '--merge', ...files, '--format', 'json', '--fail-on', 'never'])).stdout) as End;
    expect(end.findings).toEqual(analyzed.findings);
    // The evidence says in which file each connection's frames are.
    for (const f of end.findings) for (const e of f.evidence.connections) expect(e.inFiles!.length).toBeGreaterThan(0);
  });

  it('several files without --merge, --merge with stdin or without -r: usage errors (exit 2)', async () => {
    const several = await tcpdiag(['watch', '-r', ROTATED]);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('watch replays one capture, and -r names 3: give --merge');
    const stdin = await tcpdiag(['watch', '-r', '-', `${ROTATED}/server_00000_20261121092941.pcap.gz`, '--merge'], Buffer.alloc(0));
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('--merge reads files, not stdin (-)');
    const noRead = await tcpdiag(['watch', '--port', '8080', '--merge']);
    expect(noRead.code).toBe(2);
    expect(noRead.stderr).toContain('--merge is for -r');
  });
});

describe('tcpdiag watch text: numbers as the reports write them', () => {
  it('a SYN flood (labels.json: 3000 spoofed SYNs) reads 3,000 connections, in the finding line and its verdict', async () => {
    const w = await tcpdiag(['watch', '-r', 'fixtures/lab-all/syn-flood-cookies/server.pcap.gz', '--fail-on', 'never']);
    expect(w.stdout).toMatch(/syn-flood started at 198\.18\.0\.3:8080 \[error\]: 3,000 connections \(first at [\d:.]+\)\n {2}198\.18\.0\.3:8080 received a SYN flood: 3,000 handshakes from [\d,]+ sources/);
    expect(w.stdout).not.toMatch(/\b\d{4,} (connections|handshakes|finished)/);
  });

  it('one connection is singular', () => {
    let out = '';
    const p = watchTextPrinter({ write: (x: string) => (out += x), flush: () => {} }, new Chalk({ level: 0 }), false);
    const base = { type: 'finding', window: 1, windowStart: 0, windowEnd: 5, id: 'handshake-loss', severity: 'warning', listener: '10.0.0.1:80', verdict: 'v', began: null } as const;
    p.print({ ...base, change: 'started', connections: 1, added: 1 } as FindingEvent);
    p.print({ ...base, change: 'grew', connections: 1200, added: 1199 } as FindingEvent);
    expect(out).toContain('[warning]: 1 connection\n');
    expect(out).toContain('[warning]: +1,199, 1,200 connections\n');
  });
});

describe('tcpdiag watch errors', () => {
  it('needs -r or --port', async () => {
    const r = await tcpdiag(['watch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give -r FILE');
  });

  it('tcpdump missing: one line naming the pipe to run instead, exit 2', async () => {
    const r = await tcpdiag(['watch', '--port', '8080'], undefined, { PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("tcpdiag watch: tcpdump not found on PATH; capture with it and pipe instead: tcpdump -i any -U -w - 'tcp port 8080' | tcpdiag watch -r -\n");
  });

  it.skipIf(spawnSync('sh', ['-c', 'command -v tcpdump']).status !== 0)('tcpdump fails (no such interface): its reason and the pipe to run instead, exit 2', async () => {
    const r = await tcpdiag(['watch', '--port', '8080', '-i', 'tcpdiag-nosuch0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tcpdiag watch: tcpdump failed \(exit 1\): tcpdump: .*tcpdiag-nosuch0.*; run instead: tcpdump -i tcpdiag-nosuch0 -U -w - 'tcp port 8080' \| tcpdiag watch -r -\n$/);
  });

  it('an unreadable capture: exit 2, one line', async () => {
    const r = await tcpdiag(['watch', '-r', 'fixtures/no-such.pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tcpdiag watch: fixtures\/no-such\.pcap: cannot open: no such file\n$/);
  });
});
