import { fileURLToPath } from 'node:url';
// Every option's value check, and the usage errors every command reports in one style.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from './run-cli.js';
import { boundText, canonicalIpv6, parseListener, parsePort, parseTimeBound, windowError } from '../../src/cli/options.js';
import { epochBound, epochBoundOf, fromStartBound } from '../../src/track/time-bound.js';
import { colorWanted } from '../../src/cli/text-style.js';
import { hostExitCode } from '../../src/cli/host-run.js';
import { buildHostReport, type ListenerRow } from '../../src/knowledge/host-report.js';
import { findEntry } from '../../src/knowledge/catalog.js';
import { renderEntry } from '../../src/knowledge/explain-render.js';
import { withWidth } from '../../src/knowledge/output-style.js';
import { fold } from '../../src/report/text.js';
import { Chalk } from 'chalk';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

// attr.pcap: Redis on [::1]:6379 and 127.0.0.1:6379; first packet 2025-06-26T15:31:54.985978Z, last 15:31:59.084594Z.
const ATTR = 'fixtures/public/attr.pcap';
const REFUSED = 'fixtures/lab/refused-server.pcap';

function tcpdiag(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env });
}

describe('--since/--until', () => {
  it('reads ISO 8601 times, a time without a zone as UTC', async () => {
    expect(parseTimeBound('2026-11-21T10:00:00Z')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 0 });
    expect(parseTimeBound('2026-11-21T10:00:00')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 0 });
    expect(parseTimeBound('2026-11-21 10:00')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 0 });
    expect(parseTimeBound('2026-11-21')).toEqual({ kind: 'epoch', sec: 1795219200, nsec: 0 });
    expect(parseTimeBound('2026-11-21T12:00:00+02:00')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 0 });
    expect(parseTimeBound('2026-11-21T05:30:00-0430')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 0 });
    expect(parseTimeBound('2026-11-21T10:00:00.25Z')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 250_000_000 });
    // Exact to the nanosecond, past what a float of epoch seconds holds.
    expect(parseTimeBound('2026-11-21T10:00:00.123456789Z')).toEqual({ kind: 'epoch', sec: 1795255200, nsec: 123_456_789 });
  });

  it('reads +S as seconds from the start and @S as epoch seconds', async () => {
    expect(parseTimeBound('+30')).toEqual({ kind: 'fromStart', ns: 30e9 });
    expect(parseTimeBound('+0.5')).toEqual({ kind: 'fromStart', ns: 500_000_000 });
    expect(parseTimeBound('@1795253382')).toEqual({ kind: 'epoch', sec: 1795253382, nsec: 0 });
    expect(parseTimeBound('@1795253382.5')).toEqual({ kind: 'epoch', sec: 1795253382, nsec: 500_000_000 });
    expect(parseTimeBound('@1795253382.000000001')).toEqual({ kind: 'epoch', sec: 1795253382, nsec: 1 });
    // Digits past the nanosecond are dropped, as a capture's times have none.
    expect(parseTimeBound('+1.0000000019')).toEqual({ kind: 'fromStart', ns: 1_000_000_001 });
  });

  it.each(['-3', '1795253382', '30', 'yesterday', '2026-13-01', '2026-02-30T00:00:00Z', '2026-11-21T25:00', '+', '@x', '+-3', ''])(
    'refuses %j',
    (v) => {
      expect(() => parseTimeBound(v)).toThrow(InvalidArgumentError);
    },
  );

  it('says what a bare number could have meant', () => {
    expect(() => parseTimeBound('1795253382')).toThrow(/write \+1795253382 for seconds from the start, or @1795253382 for epoch seconds/);
  });

  it('finds --since after --until when both are of one kind', () => {
    expect(windowError(parseTimeBound('+5'), parseTimeBound('+1'))).toMatch(/--since \+5 is after --until \+1/);
    expect(windowError(parseTimeBound('2026-11-21T10:00:01Z'), parseTimeBound('2026-11-21T10:00:00Z'))).toMatch(/is after/);
    expect(windowError(parseTimeBound('+1'), parseTimeBound('+5'))).toBeNull();
    expect(windowError(parseTimeBound('+1'), parseTimeBound('@5'))).toBeNull();
    // Exactly: a nanosecond apart, where floats of epoch seconds (~0.24 µs apart in 2026) are one number.
    expect(windowError(parseTimeBound('@1796596065.000000002'), parseTimeBound('@1796596065.000000001'))).toBe(
      '--since 2026-12-06T22:27:45.000000002Z is after --until 2026-12-06T22:27:45.000000001Z: the window is empty',
    );
    expect(windowError(parseTimeBound('+1.000000002'), parseTimeBound('+1.000000001'))).toMatch(/--since \+1\.000000002 is after --until \+1\.000000001/);
    expect(windowError(parseTimeBound('@1796596065.000000001'), parseTimeBound('@1796596065.000000001'))).toBeNull();
  });

  it('writes a bound as the user meant it, with the digits it has', () => {
    expect(boundText(parseTimeBound('+1.5'))).toBe('+1.5');
    expect(boundText(parseTimeBound('+30'))).toBe('+30');
    expect(boundText(fromStartBound(18_097_631_796))).toBe('+18.097631796');
    expect(boundText(parseTimeBound('@1796596065.5'))).toBe('2026-12-06T22:27:45.500Z');
    expect(boundText(parseTimeBound('2026-12-06T22:27:40.875202386Z'))).toBe('2026-12-06T22:27:40.875202386Z');
    // A program's float of epoch seconds, rounded to the nanosecond once.
    expect(epochBoundOf(1796596060.875)).toEqual({ kind: 'epoch', sec: 1796596060, nsec: 875_000_000 });
    expect(epochBound(1796596060, 1_500_000_000)).toEqual({ kind: 'epoch', sec: 1796596061, nsec: 500_000_000 });
  });

  it('is a usage error on the command line: exit 2, the command named, the hint naming its --help', async () => {
    for (const cmd of ['analyze', 'flows']) {
      const r = await tcpdiag([cmd, REFUSED, '--since', '-3']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `tcpdiag ${cmd}: option '--since <time>' argument '-3' is invalid. a bare number is ambiguous: write +3 for seconds from the start, or @3 for epoch seconds\n(run tcpdiag ${cmd} --help for usage)\n`,
      );
      const after = await tcpdiag([cmd, REFUSED, '--since', '+5', '--until', '+1']);
      expect(after.code).toBe(2);
      expect(after.stderr).toBe(`tcpdiag ${cmd}: --since +5 is after --until +1: the window is empty\n(run tcpdiag ${cmd} --help for usage)\n`);
    }
  });

  it('keeps the window given in each form, and says when it is outside the capture', async () => {
    const all = JSON.parse((await tcpdiag(['analyze', ATTR, '-f', 'json'])).stdout).captures[0];
    const relative = JSON.parse((await tcpdiag(['analyze', ATTR, '-f', 'json', '--until', '+2'])).stdout);
    const iso = JSON.parse((await tcpdiag(['analyze', ATTR, '-f', 'json', '--until', '2025-06-26T15:31:56.985978'])).stdout);
    const epoch = JSON.parse((await tcpdiag(['analyze', ATTR, '-f', 'json', '--until', '@1750951916.985978'])).stdout);
    expect(relative.filters.until).toBe('+2');
    // The bound as given, with its own digits (it was cut to the millisecond: .985Z).
    expect(iso.filters.until).toBe('2025-06-26T15:31:56.985978Z');
    const kept = relative.captures[0].packets - relative.captures[0].outsideWindow;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(all.packets);
    expect(iso.captures[0].outsideWindow).toBe(relative.captures[0].outsideWindow);
    expect(epoch.captures[0].outsideWindow).toBe(relative.captures[0].outsideWindow);

    const outside = await tcpdiag(['analyze', ATTR, '--since', '2026-01-01']);
    expect(outside.code).toBe(0);
    expect(outside.stderr).toBe(
      `tcpdiag analyze: ${ATTR}: the --since/--until window (2026-01-01T00:00:00.000Z to the end) is outside the capture (2025-06-26T15:31:54.985978Z to 2025-06-26T15:31:59.084594Z): no packet was kept\n`,
    );
    expect((await tcpdiag(['flows', ATTR, '--until', '@1000'])).stderr).toMatch(/window \(the start to 1970-01-01T00:16:40\.000Z\) is outside the capture/);
  });

  it('compares a bound with each frame to the nanosecond, as tshark does, in every form', async () => {
    // tshark -T fields -e frame.time_epoch: frame 1 1796596060.875202386, frame 2 .875243274, frame 3 .875259505;
    // tshark -Y 'frame.time_epoch >= 1796596060.875202500' keeps 436 of the 437 frames.
    const NSEC = fileURLToPath(new URL('../../fixtures/lab-nsec/accept-overflow-abort1/server.pcap.gz', import.meta.url));
    const left = async (...args: string[]) => {
      const r = JSON.parse((await tcpdiag(['analyze', NSEC, '-f', 'json', '--fail-on', 'never', ...args])).stdout);
      return [r.captures[0].outsideWindow, r.filters.since ?? r.filters.until];
    };
    expect(await left('--since', '2026-12-06T22:27:40.875202500Z')).toEqual([1, '2026-12-06T22:27:40.875202500Z']);
    expect(await left('--since', '2026-12-06T22:27:40.875202386Z')).toEqual([0, '2026-12-06T22:27:40.875202386Z']);
    expect(await left('--since', '@1796596060.875202387')).toEqual([1, '2026-12-06T22:27:40.875202387Z']);
    expect(await left('--since', '+0.000000001')).toEqual([1, '+0.000000001']);
    expect(await left('--since', '2026-12-06T22:27:40.875250123Z')).toEqual([2, '2026-12-06T22:27:40.875250123Z']);
    expect(await left('--until', '@1796596060.875243273')).toEqual([436, '2026-12-06T22:27:40.875243273Z']);
  });
});

describe('--listener and --port', () => {
  it('refuse what is not an address and port', () => {
    for (const bad of ['999.1.1.1:80', '1.2.3:80', '1.2.3.4', '1.2.3.4:0', '1.2.3.4:65536', '1.2.3.4:8o', '::1:80', '[::g]:80', '[1.2.3.4]:80', 'host:80']) {
      expect(() => parseListener(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parseListener('::1:80')).toThrow(/in brackets/);
    for (const bad of ['0', '65536', '8e1', '0x50', ' 80', '-1', 'http']) expect(() => parsePort(bad), bad).toThrow(InvalidArgumentError);
    expect(parsePort('443', [80])).toEqual([80, 443]);
  });

  it('write IPv6 as the report does (RFC 5952), whatever the spelling', () => {
    for (const spelling of ['::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::0:1']) expect(canonicalIpv6(spelling)).toBe('::1');
    expect(canonicalIpv6('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIpv6('2001:db8::ffff:1.2.3.4')).toBe('2001:db8::ffff:102:304');
    expect(parseListener('[2001:0db8:0000::0001]:443')).toEqual(['[2001:db8::1]:443']);
    expect(parseListener('10.0.0.5:443', ['[::1]:80'])).toEqual(['[::1]:80', '10.0.0.5:443']);
  });

  it('match the capture\'s listener in any IPv6 spelling', async () => {
    for (const spelling of ['[::1]:6379', '[0:0:0:0:0:0:0:1]:6379', '[0000::0001]:6379']) {
      const r = JSON.parse((await tcpdiag(['analyze', ATTR, '-f', 'json', '--listener', spelling])).stdout);
      expect(r.captures[0].listeners.map((l: { listener: string }) => l.listener)).toEqual(['[::1]:6379']);
    }
  });

  it('are usage errors on the command line', async () => {
    const r = await tcpdiag(['analyze', REFUSED, '--listener', '999.1.1.1:80']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "tcpdiag analyze: option '--listener <ip:port>' argument '999.1.1.1:80' is invalid. '999.1.1.1' is not an IPv4 address (four numbers 0-255, as 10.0.0.5)\n(run tcpdiag analyze --help for usage)\n",
    );
    expect((await tcpdiag(['flows', REFUSED, '--port', '70000'])).code).toBe(2);
    expect((await tcpdiag(['host', '--port', '0', '--interval', '0'])).stderr).toMatch(/^tcpdiag host: option '--port <n>' argument '0' is invalid\. not a TCP port/);
  });
});

describe('usage errors of every command', () => {
  it.each([
    ['analyze', ['analyze', REFUSED, '--format', 'yaml'], /^tcpdiag analyze: option '-f, --format <format>' argument 'yaml' is invalid\. Allowed choices are text, json, ndjson, markdown, junit, sarif, html\.$/],
    ['flows', ['flows', REFUSED, '-f', 'xml'], /^tcpdiag flows: option '-f, --format <format>' argument 'xml' is invalid\. Allowed choices are text, json, ndjson, csv\.$/],
    ['explain', ['explain', '--color', 'sometimes'], /^tcpdiag explain: option '--color <when>' argument 'sometimes' is invalid\. Allowed choices are auto, always, never\.$/],
    ['queues', ['queues', '--backlog', 'abc'], /^tcpdiag queues: option '--backlog <n>' argument 'abc' is invalid\. not an integer \(a whole number, such as 511\)$/],
    ['queues', ['queues'], /^tcpdiag queues: --backlog N is required/],
    ['host', ['host', '--interval', 'soon'], /^tcpdiag host: option '--interval <seconds>' argument 'soon' is invalid\. not a number of seconds from 0 to 3600$/],
    ['host', ['host', '--fail-on', 'maybe'], /^tcpdiag host: option '--fail-on <level>' argument 'maybe' is invalid\. Allowed choices are error, warning, never\.$/],
  ])('%s: %j', async (name, args, message) => {
    const r = await tcpdiag(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe(`(run tcpdiag ${name} --help for usage)`);
    expect(lines).toHaveLength(2);
    expect(r.stdout).toBe('');
  });

  it('an unknown command names tcpdiag --help', async () => {
    expect((await tcpdiag(['bogus'])).stderr).toBe("tcpdiag: unknown command 'bogus'\n(run tcpdiag --help for usage)\n");
  });

  it('-f/--format, -o/--output and --color are on every command that writes output', async () => {
    for (const cmd of ['analyze', 'flows', 'explain', 'queues', 'host']) {
      const help = (await tcpdiag([cmd, '--help'])).stdout;
      for (const flag of ['-f, --format <format>', '-o, --output <file>', '--color <when>', '--no-color']) expect(help, `${cmd} ${flag}`).toContain(flag);
    }
  });
});

describe('colour', () => {
  const env = process.env;
  function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
    const saved = { ...env };
    Object.assign(env, vars);
    for (const [k, v] of Object.entries(vars)) if (v === undefined) delete env[k];
    try {
      return f();
    } finally {
      for (const k of Object.keys(vars)) delete env[k];
      Object.assign(env, saved);
    }
  }

  it('auto follows NO_COLOR, FORCE_COLOR and TERM=dumb; always and never are what they say; a file gets none on auto', async () => {
    expect(withEnv({ FORCE_COLOR: '1', NO_COLOR: undefined, TERM: 'xterm' }, () => colorWanted('auto', false))).toBe(true);
    expect(withEnv({ FORCE_COLOR: '1', NO_COLOR: '1' }, () => colorWanted('auto', false))).toBe(false);
    expect(withEnv({ FORCE_COLOR: undefined, NO_COLOR: undefined, TERM: 'dumb' }, () => colorWanted('auto', false))).toBe(false);
    expect(withEnv({ FORCE_COLOR: '1', NO_COLOR: undefined }, () => colorWanted('auto', true))).toBe(false);
    expect(withEnv({ NO_COLOR: '1' }, () => colorWanted('always', true))).toBe(true);
    expect(withEnv({ FORCE_COLOR: '1' }, () => colorWanted('never', false))).toBe(false);
    expect(withEnv({ FORCE_COLOR: '1' }, () => colorWanted(false, false))).toBe(false);
  });

  it('on the command line: --color always colours even a pipe, --no-color and --color never do not', async () => {
    // eslint-disable-next-line no-control-regex
    const ESC = /\x1b\[/;
    for (const cmd of [['analyze', REFUSED], ['explain', 'refused'], ['queues', '--backlog', '511']]) {
      expect((await tcpdiag([...cmd, '--color', 'always'])).stdout, cmd[0]).toMatch(ESC);
      expect((await tcpdiag([...cmd, '--color', 'auto'])).stdout).not.toMatch(ESC);
      expect((await tcpdiag([...cmd, '--no-color'], { FORCE_COLOR: '1' })).stdout).not.toMatch(ESC);
      expect((await tcpdiag([...cmd, '--color', 'never'], { FORCE_COLOR: '1' })).stdout).not.toMatch(ESC);
    }
    expect((await tcpdiag(['analyze', REFUSED, '--color', 'always', '-f', 'json'])).stdout).not.toMatch(ESC);
  });
});

describe('host --fail-on', () => {
  const snapshot = (counters: Record<string, number>) => ({ counters, sockets: [] });
  const report = (moved: boolean) =>
    buildHostReport({
      before: snapshot({ TcpExtListenOverflows: 10, TcpExtListenDrops: 10 }),
      after: snapshot({ TcpExtListenOverflows: moved ? 12 : 10, TcpExtListenDrops: moved ? 12 : 10 }),
      intervalSeconds: 5,
      sysctls: {},
      kernelRelease: '6.18.0',
      ssText: null,
    });

  it('exits 1 on error when a listen-queue counter moved, 0 when none did or on never', async () => {
    expect(report(true).moved.length).toBeGreaterThan(0);
    expect(hostExitCode(report(true), 'error')).toBe(1);
    expect(hostExitCode(report(true), 'never')).toBe(0);
    expect(hostExitCode(report(false), 'error')).toBe(0);
    expect(hostExitCode(report(false), 'warning')).toBe(0);
  });

  it('exits 1 on a full queue (error) and a nearly full one (warning)', async () => {
    const r = report(false);
    const full = { ...r, listeners: [{ state: 'full' } as ListenerRow] };
    const nearly = { ...r, listeners: [{ state: 'nearly full' } as ListenerRow] };
    expect(hostExitCode(full, 'error')).toBe(1);
    expect(hostExitCode(nearly, 'error')).toBe(0);
    expect(hostExitCode(nearly, 'warning')).toBe(1);
  });

  it('end to end: counters that move during the interval give exit 1 with --fail-on error, 0 without', async () => {
    // A /proc that holds the "before" counters at the first reading and the "after" ones (ListenOverflows
    // moved; fixtures/proc/README.md) at the second.
    const run = async (failOn: 'error' | 'never') => {
      const dir = tempDir('tcpdiag-host-');
      cpSync(join(ROOT, 'fixtures/proc/before'), dir, { recursive: true });
      // net/netstat as a FIFO for the first reading: it waits for the text written to it, whatever the
      // machine's load. Then, during the interval, a regular file with the moved counters.
      const netstat = join(dir, 'net/netstat');
      rmSync(netstat);
      expect(spawnSync('mkfifo', [netstat]).status).toBe(0);
      const child = spawn(process.execPath, [BIN, 'host', '--proc-root', dir, '--interval', '2', '--fail-on', failOn, '-f', 'json'], { cwd: ROOT, env: process.env });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      const exited = once(child, 'exit');
      await writeFile(netstat, readFileSync(join(ROOT, 'fixtures/proc/before/net/netstat')));
      rmSync(netstat);
      cpSync(join(ROOT, 'fixtures/proc/after/net/netstat'), netstat);
      const [exit] = (await exited) as [number];
      return { exit, moved: (JSON.parse(out) as { moved: { name: string }[] }).moved.map((c) => c.name) };
    };
    const [error, never] = await Promise.all([run('error'), run('never')]);
    expect(error.moved).toContain('TcpExtListenOverflows');
    expect(error.exit).toBe(1);
    expect(never.moved).toContain('TcpExtListenOverflows');
    expect(never.exit).toBe(0);
  });
});

describe('text on a terminal', () => {
  it('folds prose at the width given, and leaves it on one line without one (files, pipes)', async () => {
    const text = 'the accept queue of this listener was full and the kernel dropped the final ACK of 163 handshakes';
    expect(fold(text, null, '  ')).toBe(`  ${text}`);
    const folded = fold(text, 40, '  ').split('\n');
    expect(folded.length).toBeGreaterThan(2);
    for (const line of folded) expect(line.length).toBeLessThanOrEqual(40);
    expect(folded.every((l) => l.startsWith('  ') && !l.startsWith('   '))).toBe(true);
    expect(folded.join(' ').replace(/\s+/g, ' ').trim()).toBe(text);
  });

  it('wraps explain, queues and host prose at the terminal width, at most 100 columns', async () => {
    const entry = findEntry('accept-queue-overflow')!;
    const at = (w: number | null) => withWidth(w, () => renderEntry(entry, 'text', new Chalk({ level: 0 })));
    // Commands, "see also" lines and the sources line are kept whole: a wrapped command cannot be pasted.
    const prose = (s: string) => s.split('\n').filter((l) => !/^ {2}(\$ |tcpdiag explain )|Sources: /.test(l));
    const widest = (s: string) => Math.max(...prose(s).map((l) => l.length));
    expect(widest(at(60))).toBeLessThanOrEqual(60);
    expect(widest(at(null))).toBeLessThanOrEqual(100);
    expect(widest(at(null))).toBeGreaterThan(60);
    expect(at(300)).toBe(at(null));
  });
});
