// `tcpdiag watch --port`: tcpdump's stream as a path the capture reader can open. tcpdump writes to
// our pipe; we copy each chunk to --save (synchronously, so a crash loses nothing already read) and
// into a FIFO that the reader reads like any `-r` input.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export class LiveError extends Error {}

/** The command to run instead when tcpdiag cannot start tcpdump itself. */
export function pipeHint(iface: string, port: number): string {
  return `tcpdump -i ${iface} -U -w - 'tcp port ${port}' | tcpdiag watch -r -`;
}

/** tcpdump on PATH, or null. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // next
    }
  }
  return null;
}

const IMMEDIATE_BUFFER_KIB = 32768;

/** Whether this tcpdump takes --immediate-mode (4.6 and later list it in their usage). */
function supportsImmediateMode(tcpdump: string): boolean {
  const r = spawnSync(tcpdump, ['--help'], { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.includes('--immediate-mode');
}

export interface LiveCapture {
  /** The FIFO to read. */
  path: string;
  /** Stops tcpdump; its stream then ends. */
  stop(): void;
  /** Resolves when tcpdump has exited: null when it ran, else the reason it failed (one line). */
  exited: Promise<string | null>;
  /** Bytes read from tcpdump so far. */
  bytes(): number;
  cleanup(): void;
}

export function startTcpdump(tcpdump: string, iface: string, port: number, save: string | undefined): LiveCapture {
  const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-watch-'));
  const fifo = join(dir, 'capture.fifo');
  try {
    execFileSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    throw new LiveError('cannot make a FIFO (mkfifo)');
  }
  let saveFd = -1;
  if (save) {
    try {
      saveFd = openSync(save, 'w', 0o600);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw new LiveError(`cannot write --save ${save}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  // --immediate-mode: without it libpcap hands packets over in blocks, up to a second late (TPACKET_V3;
  // 0.4 s measured on loopback), and a window would close before the packets of its last second had
  // arrived. Immediate mode uses a ring of one slot per packet, each as large as the snapshot length
  // (64 KiB and more): with the default 2 MiB buffer a burst of 30 SYNs on loopback lost most of them,
  // hence -B (KiB).
  const immediate = supportsImmediateMode(tcpdump) ? ['--immediate-mode', '-B', String(IMMEDIATE_BUFFER_KIB)] : [];
  const child: ChildProcess = spawn(tcpdump, [...immediate, '-i', iface, '-U', '-w', '-', `tcp port ${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer = createWriteStream(fifo);
  let bytes = 0;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4096);
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (saveFd >= 0) {
      let off = 0;
      while (off < chunk.length) off += writeSync(saveFd, chunk, off);
    }
    if (!writer.write(chunk)) {
      child.stdout!.pause();
      writer.once('drain', () => child.stdout!.resume());
    }
  });
  const exited = new Promise<string | null>((resolve) => {
    let done = false;
    const finish = (why: string | null) => {
      if (done) return;
      done = true;
      writer.end();
      if (saveFd >= 0) closeSync(saveFd);
      resolve(why);
    };
    child.on('error', (e: NodeJS.ErrnoException) => finish(`cannot run ${tcpdump}: ${e.code ?? e.message}`));
    child.on('close', (code, signal) => {
      if (bytes > 0 || signal) return finish(null);
      // No capture at all: tcpdump's own last line says why (no permission, no such interface).
      const lines = stderr.trim().split('\n').filter((l) => l && !/^(tcpdump: )?listening on|^\d+ packets/.test(l));
      const why = lines.find((l) => l.startsWith('tcpdump: ')) ?? lines.pop();
      finish(`tcpdump failed (exit ${code})${why ? `: ${why.trim()}` : ''}`);
    });
  });
  return {
    path: fifo,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
    exited,
    bytes: () => bytes,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
