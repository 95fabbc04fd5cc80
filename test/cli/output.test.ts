// Where output goes: stdout, files replaced atomically, devices, FIFOs and symlinks written through,
// paths that cannot be written refused before the analysis, temporary files gone after a signal; and
// no stack trace when stdout's reader goes away (EPIPE) or its disk is full (ENOSPC).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, constants, createReadStream, existsSync, lstatSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runBin, runCli } from './run-cli.js';
import { tempDirs } from '../helpers/temp.js';

const tempDir = tempDirs();

const REFUSED = 'fixtures/lab/refused-server.pcap';
const PROC_AFTER = 'fixtures/proc/after';
const ENV = { ...process.env, NO_COLOR: '', FORCE_COLOR: '', GITHUB_ACTIONS: '' };

/** In-process; with `stdout`, a real process writing to that descriptor (a file opened for appending, /dev/full). */
function tcpdiag(args: string[], stdout?: number) {
  return stdout === undefined ? runCli(args) : runBin(args, { stdout });
}

function scratch(): string {
  return tempDir('tcpdiag-output-');
}

/**
 * A stdin that fails the run if it is read: run in-process, a refusal that comes after reading would
 * say so on stderr instead of naming the output.
 */
function unreadStdin(): Readable {
  return new Readable({
    read() {
      this.destroy(new Error('stdin was read before the output was checked'));
    },
  });
}

/** Started with stdin open and never fed: a run that reads stdin waits there until killed. */
function waiting(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stderr };
}

async function until(test: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const expected = (await tcpdiag(['analyze', REFUSED, '--format', 'json'])).stdout;

describe('--output', () => {
  it('- is stdout', async () => {
    const r = await tcpdiag(['analyze', REFUSED, '--format', 'json', '--output', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(JSON.parse(r.stdout).findings[0].id).toBe('connection-refused');
  });

  it('replaces a regular file atomically, keeping its mode, and leaves no temporary file', async () => {
    const dir = scratch();
    const file = join(dir, 'report.json');
    writeFileSync(file, 'old report\n');
    chmodSync(file, 0o640);
    const before = statSync(file);
    const r = await tcpdiag(['analyze', REFUSED, '--format', 'json', '-o', file]);
    expect(r.code).toBe(0);
    const after = statSync(file);
    expect(readFileSync(file, 'utf8')).toBe(expected);
    expect(after.mode & 0o7777).toBe(0o640);
    // A new inode renamed over the old one: a reader of the old file never sees half a report.
    expect(after.ino).not.toBe(before.ino);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('creates a new file with the default mode', async () => {
    const dir = scratch();
    const file = join(dir, 'new.json');
    expect((await tcpdiag(['analyze', REFUSED, '--format', 'json', '-o', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(expected);
    expect(readdirSync(dir)).toEqual(['new.json']);
  });

  it('writes through a symlink and keeps it a symlink (its target gets the report, cut to its length)', async () => {
    const dir = scratch();
    const target = join(dir, 'target.json');
    const link = join(dir, 'link.json');
    writeFileSync(target, 'x'.repeat(expected.length * 2));
    symlinkSync(target, link);
    expect((await tcpdiag(['analyze', REFUSED, '--format', 'json', '-o', link])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe(expected);
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'target.json']);
  });

  it('writes -o /dev/stdout to stdout and never replaces the symlink (this suite runs as root in CI)', async () => {
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
    const r = await tcpdiag(['analyze', REFUSED, '--format', 'json', '-o', '/dev/stdout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });

  it('appends through -o /dev/stdout when stdout is a file opened for appending (>>)', async () => {
    const dir = scratch();
    const file = join(dir, 'log');
    writeFileSync(file, 'before\n');
    const fd = openSync(file, 'a');
    try {
      expect((await tcpdiag(['explain', 'refused', '-f', 'json', '-o', '/dev/stdout'], fd)).code).toBe(0);
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('before\n{')).toBe(true);
    expect(JSON.parse(text.slice('before\n'.length)).id).toBe('refused');
  });

  it('writes through a device and leaves it one', async () => {
    const r = await tcpdiag(['analyze', REFUSED, '--format', 'json', '-o', '/dev/null']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('writes through a FIFO to its reader', async () => {
    const dir = scratch();
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = createReadStream(fifo, 'utf8');
    let got = '';
    reader.on('data', (d) => (got += String(d)));
    const done = once(reader, 'close');
    const child = spawn(process.execPath, [BIN, 'analyze', REFUSED, '--format', 'json', '-o', fifo], { cwd: ROOT, env: ENV });
    const r = await exitOf(child);
    await done;
    expect(r.code).toBe(0);
    expect(got).toBe(expected);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a directory before the analysis starts, naming the path given', async () => {
    const dir = scratch();
    const r = await runCli(['analyze', '-', '-o', dir], { input: unreadStdin() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpdiag analyze: cannot write ${dir}: it is a directory\n`);
  });

  it.each([
    ['flows', ['flows', '-', '-o']],
    ['analyze', ['analyze', '-', '-o']],
  ])('%s refuses an unwritable path before reading, naming it, not a temporary file', async (name, args) => {
    const dir = scratch();
    const notDir = join(dir, 'file');
    writeFileSync(notDir, '');
    const missing = join(dir, 'no', 'such', 'dir', 'out.json');
    let r = await runCli([...args, missing], { input: unreadStdin() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpdiag ${name}: cannot write ${missing}: no such file or directory (ENOENT)\n`);
    r = await runCli([...args, join(notDir, 'out.json')], { input: unreadStdin() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpdiag ${name}: cannot write ${join(notDir, 'out.json')}: a component of the path is not a directory (ENOTDIR)\n`);
    expect(r.stderr).not.toMatch(/\.tmp|\n\s+at /);
  });

  it.runIf(process.getuid?.() !== 0)('refuses a read-only file before the analysis (not as root: root may write it)', async () => {
    const dir = scratch();
    const file = join(dir, 'ro.json');
    writeFileSync(file, 'keep\n');
    chmodSync(file, 0o444);
    const r = await runCli(['analyze', '-', '-o', file], { input: unreadStdin() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tcpdiag analyze: cannot write ${file}: permission denied (EACCES)\n`);
    expect(readFileSync(file, 'utf8')).toBe('keep\n');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('removes its temporary file on %s and dies of the signal', async (signal) => {
    const dir = scratch();
    const child = waiting(['analyze', '-', '-o', join(dir, 'report.json')]);
    const exit = exitOf(child);
    // The temporary file exists from the start: the run is waiting on stdin.
    await until(() => readdirSync(dir).length === 1);
    expect(readdirSync(dir)[0]).toMatch(/^\.report\.json\.tcpdiag-\d+-[0-9a-f]+\.tmp$/);
    child.kill(signal);
    const r = await exit;
    expect(r.signal).toBe(signal);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toBe('');
  });
});

describe('stdout that cannot be written', () => {
  /** Runs with stdout a pipe whose reader is gone before anything is written, as with `| head -1` on a long output. */
  async function withClosedReader(args: string[]) {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.destroy();
    return exitOf(child);
  }

  it.each([
    [['analyze', '--help'], 0],
    [['queues', '--help'], 0],
    [['explain'], 0],
    [['flows', REFUSED], 0],
    [['analyze', REFUSED], 0],
  ])('EPIPE on %j: a quiet exit, no stack trace', async (args, code) => {
    const r = await withClosedReader(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(code);
  });

  it('`analyze --help | head -1` and `queues --help | head -1` print one line and nothing on stderr', () => {
    for (const cmd of ['analyze', 'queues']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" ${cmd} --help | head -1`], { cwd: ROOT, encoding: 'utf8' });
      expect(r.stdout).toBe(`Usage: tcpdiag ${cmd} [options]${cmd === 'analyze' ? ' <captures...>' : ''}\n`);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it.each([
    ['explain', ['explain']],
    ['queues', ['queues', '--backlog', '511']],
    ['host', ['host', '--interval', '0', '--proc-root', PROC_AFTER]],
    ['analyze', ['analyze', REFUSED]],
    ['flows', ['flows', REFUSED]],
  ])('ENOSPC (> /dev/full) on %s: one line, exit 2', async (name, args) => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = await tcpdiag(args, full);
      expect(r.stderr).toBe(`tcpdiag ${name}: cannot write to standard output: no space left on device (ENOSPC)\n`);
      expect(r.code).toBe(2);
    } finally {
      closeSync(full);
    }
  });

  it('ENOSPC on an --output file: one line naming it, exit 2', async () => {
    const r = await tcpdiag(['explain', '-o', '/dev/full']);
    expect(r.stderr).toBe('tcpdiag explain: cannot write /dev/full: no space left on device (ENOSPC)\n');
    expect(r.code).toBe(2);
    expect(existsSync('/dev/full')).toBe(true);
  });
});

describe('text on its way out', () => {
  const FLOOD = 'fixtures/lab-all/syn-flood-cookies/server.pcap.gz';

  it('an --output file holds the UTF-8 of every string written, in order, across flushes and past the buffer', async () => {
    const { Output } = await import('../../src/cli/output.js');
    const dir = scratch();
    const path = join(dir, 'out.txt');
    const out = new Output(path);
    const parts: string[] = [];
    // Enough to flush many times (256 KB a flush), with characters of 1 to 4 bytes of UTF-8 (é, →, an emoji's
    // surrogate pair) at every offset, and two strings longer than the buffer itself.
    for (let i = 0; i < 40_000; i++) parts.push(`{"row":${i},"name":"caf${'é'.repeat(i % 5)} → ${'😀'.repeat(i % 3)}"}\n`);
    parts.splice(12_345, 0, 'x→'.repeat(400_000));
    parts.splice(30_000, 0, '😀'.repeat(300_000));
    for (const p of parts) out.write(p);
    out.commit();
    const want = Buffer.from(parts.join(''));
    expect(want.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(readFileSync(path).equals(want)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pipe on stdout is written blocking, so a slow reader holds tcpdiag back, not its memory; the rows are those of a file', async () => {
    const fileDir = scratch();
    const file = join(fileDir, 'flows.ndjson');
    const fd = openSync(file, 'w');
    try {
      expect((await tcpdiag(['flows', FLOOD, '--format', 'ndjson'], fd)).code).toBe(0);
    } finally {
      closeSync(fd);
    }
    const want = readFileSync(file);
    // More than a pipe holds (64 KB): the writer must wait for the reader.
    expect(want.length).toBeGreaterThan(1024 * 1024);
    const child = spawn(process.execPath, [BIN, 'flows', FLOOD, '--format', 'ndjson'], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = exitOf(child);
    // Nothing is read until the first rows are in the pipe: by then the descriptor's mode is what the writes met.
    await once(child.stdout!, 'readable');
    const fdinfo = readFileSync(`/proc/${child.pid}/fdinfo/1`, 'utf8');
    const flags = parseInt(/^flags:\s+([0-7]+)/m.exec(fdinfo)![1]!, 8);
    expect(flags & constants.O_NONBLOCK).toBe(0);
    const chunks: Buffer[] = [];
    for await (const c of child.stdout!) chunks.push(c as Buffer);
    const r = await exited;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Buffer.concat(chunks).equals(want)).toBe(true);
    rmSync(fileDir, { recursive: true, force: true });
  });
});
