import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Sink } from '../report/printer.js';

const FLUSH_BYTES = 256 * 1024;
/** Room for a flush's worth and the longest string written into it whole: past this, a string goes out on its own. */
const CHUNK_BYTES = 2 * FLUSH_BYTES;

/** An output that cannot be written: named by the path the user gave, never by a temporary name. */
export class OutputError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write ${path}: ${reason}`);
    this.name = 'OutputError';
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  ENXIO: 'no reader on the other end (FIFO or device)',
};

/** "permission denied (EACCES)": what went wrong, in words, with the code to search for. */
export function errnoReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code) return (e as Error).message ?? String(e);
  return `${REASONS[code] ?? (e as Error).message} (${code})`;
}

// Temporary files not yet renamed into place, removed if the process is interrupted.
const liveTemps = new Set<string>();
let signalsHooked = false;

function removeTemps(): void {
  for (const t of liveTemps) {
    try {
      unlinkSync(t);
    } catch {
      // Already gone.
    }
  }
  liveTemps.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeTemps();
  // Die of the signal as the default action would (exit status 128 + n), now that nothing is left behind.
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}

function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // process.exit() from anywhere (an ENOSPC on stdout) skips the finally blocks that would abort.
  process.on('exit', removeTemps);
}

/** How a path given to --output is written. */
type Mode =
  /** stdout (no --output, or `--output -`). */
  | { kind: 'stdout' }
  /** A regular file (or a new one): a temporary file in the same folder, renamed over it at the end. */
  | { kind: 'replace'; existing: Stats | null }
  /** A device, FIFO, socket or symlink: opened and written in place, never replaced. */
  | { kind: 'through' }
  /** One of this process's open descriptors (/dev/stderr, /dev/fd/N): written as it is, at its offset. */
  | { kind: 'fd'; fd: number };

// /dev/stdout and its kin name a descriptor already open: reopening one that is a file would write from
// its start (over what `>>` should append to), so they are written through the descriptor itself.
const OWN_FD = /^(?:\/dev\/fd\/|\/proc\/self\/fd\/)(\d+)$/;
const STD_NAMES: Record<string, number> = { '/dev/stdout': 1, '/dev/stderr': 2 };

function modeOf(path: string): Mode {
  if (path === '-') return { kind: 'stdout' };
  const fd = STD_NAMES[path] ?? (OWN_FD.test(path) ? Number(OWN_FD.exec(path)![1]) : undefined);
  if (fd === 1) return { kind: 'stdout' };
  if (fd !== undefined) {
    try {
      fstatSync(fd);
    } catch (e) {
      throw new OutputError(path, errnoReason(e));
    }
    return { kind: 'fd', fd };
  }
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'replace', existing: null };
    throw new OutputError(path, errnoReason(e));
  }
  if (st.isDirectory()) throw new OutputError(path, 'it is a directory');
  if (st.isSymbolicLink()) {
    // A symlink to a directory is a directory to the user.
    let target: Stats | null = null;
    try {
      target = statSync(path);
    } catch {
      // Dangling: opening it creates the target, or fails and says why.
    }
    if (target?.isDirectory()) throw new OutputError(path, 'it is a directory');
    return { kind: 'through' };
  }
  if (st.isFile()) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      throw new OutputError(path, errnoReason(e));
    }
    return { kind: 'replace', existing: st };
  }
  return { kind: 'through' };
}

/**
 * Where a command's output goes: stdout, or --output FILE. Opened before any
 * work starts, so a directory or an unwritable path fails at once, named as the
 * user gave it. A regular file is written to a temporary file in its folder and
 * renamed over it on success (a failed run never leaves half a report; the old
 * file's mode and owner are kept); a device, FIFO or symlink is written through
 * and never replaced (`-o /dev/stdout` as root must not turn the symlink into a
 * file). Temporary files are removed on SIGINT and SIGTERM. Writes to files are
 * synchronous: output keeps pace with the pipeline without holding a whole flow
 * table in memory.
 *
 * write-file-atomic (allowed as a dependency) was checked and does not fit: it
 * follows symlinks and replaces their target (so a FIFO or /dev/stdout target
 * would be replaced or fail), needs the whole text in memory (flows streams),
 * cannot be opened before the analysis, and brings signal-exit along.
 */
export class Output implements Sink {
  private fd = -1;
  private tmp: string | null = null;
  /**
   * The text written since the last flush, as UTF-8 (written straight into it: strings held in a list, then
   * joined and encoded, were a tenth of a large `flows`; BENCHMARKS.md, session 19).
   */
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private written = 0;
  private readonly mode: Mode;
  private done = false;

  /** `path`: as the user gave it; undefined or `-` for stdout. */
  constructor(private readonly path: string | undefined) {
    this.mode = path === undefined ? { kind: 'stdout' } : modeOf(path);
    if (this.mode.kind === 'replace') this.openTemp(path!, this.mode.existing);
    else if (this.mode.kind === 'fd') this.fd = this.mode.fd;
    else if (this.mode.kind === 'through') {
      try {
        // No O_TRUNC: a symlinked regular file keeps its old text until the new one is written (see commit).
        this.fd = openSync(path!, constants.O_WRONLY | constants.O_CREAT, 0o666);
      } catch (e) {
        throw new OutputError(path!, errnoReason(e));
      }
    }
  }

  /** A file (not stdout): colour and terminal width do not apply. */
  get toFile(): boolean {
    return this.mode.kind !== 'stdout';
  }

  private openTemp(path: string, existing: Stats | null): void {
    const tmp = join(dirname(path), `.${basename(path)}.tcpdiag-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    hookSignals();
    try {
      this.fd = openSync(tmp, 'wx', existing ? existing.mode & 0o7777 : 0o666);
    } catch (e) {
      // The temporary file's name means nothing to the user: say the folder of their path is the problem.
      throw new OutputError(path, errnoReason(e));
    }
    this.tmp = tmp;
    liveTemps.add(tmp);
    if (existing) {
      try {
        // openSync's mode passes through the umask: set it exactly. As root, give it the old owner too.
        fchmodSync(this.fd, existing.mode & 0o7777);
        if (process.getuid?.() === 0) fchownSync(this.fd, existing.uid, existing.gid);
      } catch {
        // Kept as far as allowed; the text still goes out.
      }
    }
  }

  write(s: string): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8 (a surrogate pair, two units, takes 4).
    if (this.used + 3 * s.length > this.chunk.length) {
      this.flush();
      if (3 * s.length > this.chunk.length) {
        this.send(Buffer.from(s));
        return;
      }
    }
    this.used += this.chunk.write(s, this.used);
    if (this.used >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.used === 0) return;
    const data = this.chunk.subarray(0, this.used);
    this.used = 0;
    this.send(data);
    // A stream still holding the buffer (a write it could not finish at once) keeps it: the next text goes
    // into a new one.
    if (this.mode.kind === 'stdout' && process.stdout.writableLength > 0) this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  }

  private send(data: Buffer): void {
    if (this.mode.kind === 'stdout') {
      // The process's own stdout is done with a buffer once its write returns, or holds it as pending (above);
      // another stream in its place (runCli's io: a test's) may keep it, so it gets a copy.
      writeStdout(isProcessStdout(process.stdout) ? data : Buffer.from(data));
      return;
    }
    let off = 0;
    try {
      while (off < data.length) {
        try {
          off += writeSync(this.fd, data, off);
        } catch (e) {
          // A FIFO or device opened non-blocking by someone else: wait for room.
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
      }
    } catch (e) {
      throw new OutputError(this.path!, errnoReason(e));
    }
    this.written += data.length;
  }

  /** Finishes the output: the temporary file is renamed into place. */
  commit(): void {
    if (this.done) return;
    this.flush();
    this.done = true;
    if (this.mode.kind === 'stdout') return;
    if (this.mode.kind === 'fd') {
      this.fd = -1; // not ours to close
      return;
    }
    if (this.mode.kind === 'through') {
      try {
        // Opened without O_TRUNC: cut a regular file behind a symlink to what was written now.
        if (fstatSync(this.fd).isFile()) ftruncateSync(this.fd, this.written);
      } catch (e) {
        this.close();
        throw new OutputError(this.path!, errnoReason(e));
      }
      this.close();
      return;
    }
    this.close();
    try {
      renameSync(this.tmp!, this.path!);
    } catch (e) {
      this.abort();
      throw new OutputError(this.path!, errnoReason(e));
    }
    liveTemps.delete(this.tmp!);
    this.tmp = null;
  }

  /** Drops a half-written file (also when the rename into place is what failed). */
  abort(): void {
    this.done = true;
    this.used = 0;
    if (this.mode.kind === 'fd') this.fd = -1;
    this.close();
    if (!this.tmp) return;
    try {
      unlinkSync(this.tmp);
    } catch {
      // Already gone.
    }
    liveTemps.delete(this.tmp);
    this.tmp = null;
  }

  private close(): void {
    if (this.fd < 0) return;
    try {
      closeSync(this.fd);
    } catch {
      // Nothing left to flush.
    } finally {
      this.fd = -1;
    }
  }
}

// ---- stdout -----------------------------------------------------------------------------------------

let stdoutClosed = false;
let stdoutCommand = '';

/**
 * Writes to stdout through process.stdout, synchronously: a file through fs.writeSync, a terminal, and a pipe
 * or socket once blockStdout has made it blocking. Its errors arrive as events: see guardStdout. Once the
 * reader has gone (`| head`), nothing more is written.
 */
export function writeStdout(text: string | Uint8Array): void {
  if (stdoutClosed) return;
  if (process.stdout !== stdoutLookedAt) blockStdout();
  process.stdout.write(text);
}

/** The stream blockStdout last looked at (runCli may put another in process.stdout's place). */
let stdoutLookedAt: unknown = null;

/** Node's own stdout: a terminal, pipe or socket (net.Socket, tty.WriteStream), or a file (SyncWriteStream), which it marks with `_type`. */
function isProcessStdout(stream: NodeJS.WriteStream): boolean {
  return typeof (stream as unknown as { _type?: unknown })._type === 'string';
}

/**
 * A pipe or socket on stdout (`tcpdiag flows big.pcap --format ndjson | jq ...`) written as a terminal is:
 * each write waits until the reader has room for it. Node leaves such a descriptor non-blocking on Linux and
 * queues in memory whatever the reader has not taken yet, so a slow reader let the process grow with the
 * output (flows of the 2 M tiled file into `cat`: 528 MB peak RSS where a file took 110 MB; BENCHMARKS.md,
 * session 19). A terminal's stream is blocking already (node's tty.WriteStream); a file is written
 * synchronously (fs.writeSync). Set before the first write, as libuv asks.
 */
function blockStdout(): void {
  stdoutLookedAt = process.stdout;
  const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => number } })._handle;
  if (!process.stdout.isTTY && typeof handle?.setBlocking === 'function') handle.setBlocking(true);
}

/** The reader of stdout went away: the rest of the output is not wanted. */
export function stdoutGone(): boolean {
  return stdoutClosed;
}

/**
 * No stack trace for a stdout that cannot be written. EPIPE (the reader went away, as with `| head -1`)
 * is not an error: output stops and the command exits as it would have. Anything else (ENOSPC on
 * `> /dev/full`) is one line on stderr and exit 2. Node reports these as 'error' events, after the
 * write call returned, so they are handled here rather than where the text was written.
 */
export function guardStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (stdoutClosed) return;
    stdoutClosed = true;
    if (e.code === 'EPIPE') return;
    const who = stdoutCommand ? `tcpdiag ${stdoutCommand}` : 'tcpdiag';
    process.stderr.write(`${who}: cannot write to standard output: ${errnoReason(e)}\n`);
    removeTemps();
    process.exit(2);
  });
}

/** The command whose output stdout carries, for guardStdout's message. */
export function setStdoutCommand(name: string): void {
  stdoutCommand = name;
}
