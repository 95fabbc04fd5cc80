// Capture arguments and --merge (src/cli/capture-paths.ts capturesToRead): analyze, flows and watch -r read
// the same captures from the same arguments, and refuse the same arguments with the same words. Each case
// runs bin/tcpdiag.js as a process for all three commands: a run that read stdin when it should not would
// wait on a stdin held open here, and be killed.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runBin, type CliResult } from './run-cli.js';

const REFUSED = 'fixtures/lab/refused-server.pcap'; // 140 packets
const OVERFLOW = 'fixtures/lab/accept-overflow-abort0-server.pcap'; // 439 packets
// slow-acceptor-abort1's server capture cut into three rotated files (784, 784, 783 packets).
const ROTATED = 'fixtures/merge/rotated';
const PIECES = ['server_00000_20261121092941.pcap.gz', 'server_00001_20261121092944.pcap.gz', 'server_00002_20261121092946.pcap.gz'].map((n) => `${ROTATED}/${n}`);
const MERGED_NAME = PIECES.join(' + ');
const MISSING = 'no/such.pcap';

type Cmd = 'analyze' | 'flows' | 'watch';
const COMMANDS: Cmd[] = ['analyze', 'flows', 'watch'];

/** The command with `options`, then its captures (watch: after -r), in the format that lists the captures read. */
function argv(cmd: Cmd, captures: string[], options: string[] = []): string[] {
  if (cmd === 'analyze') return ['analyze', '-f', 'json', '--fail-on', 'never', '--no-correlate', ...options, ...captures];
  if (cmd === 'flows') return ['flows', ...options, ...captures];
  return ['watch', '-f', 'ndjson', '--fail-on', 'never', ...options, '-r', ...captures];
}

/** Each capture the run read and its packets: analyze's JSON report, flows' text header lines, watch's end report. */
function capturesRead(cmd: Cmd, stdout: string): { path: string; packets: number }[] {
  type Captures = { captures: { path: string; packets: number }[] };
  const pick = (r: Captures) => r.captures.map(({ path, packets }) => ({ path, packets }));
  if (cmd === 'analyze') return pick(JSON.parse(stdout) as Captures);
  if (cmd === 'watch') return pick((JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { report: Captures }).report);
  return [...stdout.matchAll(/^(.+): [\d,]+ connections, ([\d,]+) packets$/gm)].map((m) => ({ path: m[1]!, packets: Number(m[2]!.replace(/,/g, '')) }));
}

/** A usage error as every command prints it: the message, commander's hint, exit 2, nothing on stdout. */
function expectUsageError(cmd: Cmd, r: CliResult, message: string): void {
  expect({ code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr }).toEqual({
    code: 2,
    signal: null,
    stdout: '',
    stderr: `tcpdiag ${cmd}: ${message}\n(run tcpdiag ${cmd} --help for usage)\n`,
  });
}

/** bin/tcpdiag.js with stdin open and never fed nor closed: a run that reads it waits until killed after `ms`. */
function withStdinOpen(args: string[], ms = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGTERM'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(COMMANDS)('%s: stdin (-)', (cmd) => {
  it('read once: `-` given twice is a usage error naming it, before anything is read (no hang, no empty second capture)', async () => {
    for (const captures of [['-', '-'], ['-', REFUSED, '-']]) {
      expectUsageError(cmd, await withStdinOpen(argv(cmd, captures)), '- (stdin) given more than once: stdin can be read only once');
    }
  });

  it('--merge reads files: `-` with --merge is a usage error, alone or beside files', async () => {
    for (const captures of [['-'], ['-', REFUSED]]) {
      expectUsageError(cmd, await withStdinOpen(argv(cmd, captures, ['--merge'])), '--merge reads files, not stdin (-)');
    }
  });

  it('`-` alone is the capture piped in', async () => {
    const r = await runBin(argv(cmd, ['-']), { input: readFileSync(join(ROOT, REFUSED)) });
    expect(r.stderr).toBe('');
    expect(capturesRead(cmd, r.stdout)).toEqual([{ path: '-', packets: 140 }]);
  });

  it('`-` beside a file: one capture beside the other (analyze, flows); watch replays one capture, so a usage error', async () => {
    if (cmd === 'watch') {
      expectUsageError(cmd, await withStdinOpen(argv(cmd, ['-', OVERFLOW])), 'watch replays one capture, and -r names 2: stdin (-) is replayed alone (--merge reads files only)');
      return;
    }
    const r = await runBin(argv(cmd, ['-', OVERFLOW]), { input: readFileSync(join(ROOT, REFUSED)) });
    expect(r.code).toBe(0);
    expect(capturesRead(cmd, r.stdout)).toEqual([{ path: '-', packets: 140 }, { path: OVERFLOW, packets: 439 }]);
  });
});

describe.each(COMMANDS)('%s: files', (cmd) => {
  it('a missing file alone: an unreadable capture, named in one line on stderr, exit 2', async () => {
    const r = await runBin(argv(cmd, [MISSING]));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpdiag ${cmd}: ${MISSING}: cannot open: no such file\n`);
    expect(capturesRead(cmd, r.stdout)).toEqual([{ path: MISSING, packets: 0 }]);
  });

  it('a missing file beside another: the other is still read, exit 2 (watch replays one capture: a usage error)', async () => {
    if (cmd === 'watch') {
      const r = await runBin(argv(cmd, [MISSING, REFUSED]));
      expectUsageError(cmd, r, 'watch replays one capture, and -r names 2: give --merge to read them as one in time order (a rotated tcpdump -C/-G capture, or several interfaces)');
      return;
    }
    const r = await runBin(argv(cmd, [MISSING, REFUSED]));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpdiag ${cmd}: ${MISSING}: cannot open: no such file\n`);
    expect(capturesRead(cmd, r.stdout)).toEqual([{ path: MISSING, packets: 0 }, { path: REFUSED, packets: 140 }]);
  });

  it('a missing file in a --merge: the merged capture would lack a piece, so nothing is read: one line naming it, exit 2', async () => {
    for (const captures of [[ROTATED, MISSING], [MISSING, ...PIECES]]) {
      const r = await runBin(argv(cmd, captures, ['--merge']));
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: `tcpdiag ${cmd}: ${MISSING}: cannot open: no such file\n` });
    }
  });

  it('a file named twice (another spelling, or inside a folder also given) is read once, at its first place', async () => {
    const twice = await runBin(argv(cmd, [`./${REFUSED}`, REFUSED]));
    expect(twice.code).toBe(0);
    expect(capturesRead(cmd, twice.stdout)).toEqual([{ path: `./${REFUSED}`, packets: 140 }]);
    // Merged with itself, every packet of the first piece would be there twice (3135).
    const merged = await runBin(argv(cmd, [ROTATED, PIECES[0]!], ['--merge']));
    expect(capturesRead(cmd, merged.stdout)).toEqual([{ path: MERGED_NAME, packets: 2351 }]);
  });
});

describe.each(COMMANDS)('%s: folders', (cmd) => {
  it('with --merge, a folder is the captures in it read as one, in time order', async () => {
    const r = await runBin(argv(cmd, [ROTATED], ['--merge']));
    expect(r.stderr).toBe('');
    expect(capturesRead(cmd, r.stdout)).toEqual([{ path: MERGED_NAME, packets: 2351 }]);
  });

  it('without --merge, the captures in it one by one, in name order (watch replays one capture: a usage error)', async () => {
    const r = await runBin(argv(cmd, [ROTATED]));
    if (cmd === 'watch') {
      expectUsageError(cmd, r, 'watch replays one capture, and -r names 3: give --merge to read them as one in time order (a rotated tcpdump -C/-G capture, or several interfaces)');
      return;
    }
    expect(r.stderr).toBe('');
    expect(capturesRead(cmd, r.stdout)).toEqual(PIECES.map((path, i) => ({ path, packets: [784, 784, 783][i] })));
  });

  it('a folder with no capture in it is a usage error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-args-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'notes.txt'), 'not a capture');
    mkdirSync(join(dir, 'old.pcap')); // a folder named like a capture is none
    expectUsageError(cmd, await runBin(argv(cmd, [dir])), `${dir}: a folder with no capture in it (*.pcap, *.pcapng, *.cap, optionally .gz)`);
  });
});

describe.each(COMMANDS)('%s: no capture', (cmd) => {
  it('no argument: commander\'s usage error', async () => {
    const r = await runBin(cmd === 'watch' ? ['watch', '-r'] : [cmd]);
    expectUsageError(cmd, r, cmd === 'watch' ? "option '-r, --read <capture...>' argument missing" : "missing required argument 'captures'");
  });

  it('an empty argument (an unset shell variable) is a usage error, not a file called \'\'', async () => {
    expectUsageError(cmd, await withStdinOpen(argv(cmd, [''])), "an empty capture path ('': an unset shell variable?)");
  });

  it('an option\'s name where a capture is expected (watch -r --merge DIR) is a usage error naming it', async () => {
    const args = cmd === 'watch' ? ['watch', '-r', '--merge', ROTATED] : [cmd, '--', '--merge', ROTATED];
    expectUsageError(cmd, await runBin(args), '--merge: no such capture file; an option right after -r is read as a capture: give it before -r (or write ./--merge for a file so named)');
  });
});
