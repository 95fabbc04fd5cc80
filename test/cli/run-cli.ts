// Two ways to run the CLI from a test.
//
// runCli: in-process, through the runCli of the built entry that bin/tcpdiag.js loads (dist/, which
// `npm test` builds first), with its own stdout, stderr, stdin and environment. No node start-up and
// module loading per run (~150 ms of CPU each, ~100 runs in test/cli alone).
//
// runBin: bin/tcpdiag.js in a real process, for what only a process has: a real stdout descriptor (EPIPE,
// ENOSPC on /dev/full, `>>`), signals, a stdin that stays open, the start through the shebang. spawn, not
// spawnSync, which would block the test worker's event loop (on a loaded machine, a test with a dozen
// runs held vitest's own messages past their timeout).

import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/tcpdiag.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the test's environment (NO_COLOR, FORCE_COLOR and GITHUB_ACTIONS emptied first). */
  env?: Record<string, string>;
  /** stdin's content, or (runCli only) the stream itself; empty and closed if not given. */
  input?: Buffer | string | Readable;
}

function environment(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '', FORCE_COLOR: '', GITHUB_ACTIONS: '', ...env };
}

/** The entry bin/tcpdiag.js loads: the one-file bundle unless it is older than the compiled tree. */
function builtEntry(): string {
  const mtime = (p: string) => {
    try {
      return statSync(join(ROOT, p)).mtimeMs;
    } catch {
      return -1;
    }
  };
  const cli = 'dist/cli/main.js';
  if (mtime(cli) < 0) throw new Error(`${cli} is missing: run \`npm run build\` (npm test does) before these tests`);
  return join(ROOT, mtime('dist/bundle/main.js') >= mtime(cli) ? 'dist/bundle/main.js' : cli);
}

type Cli = typeof import('../../src/cli/main.js');
let cli: Promise<Cli> | null = null;

/** Text written to a stream, kept as it arrives (writes complete synchronously, as to a pipe or file on Linux). */
class Collect extends Writable {
  text = '';
  constructor() {
    super({ decodeStrings: false });
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    this.text += String(chunk);
    done();
  }
}

/** tcpdiag ARGS, in this process; `code` is what bin/tcpdiag.js would exit with. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  // The tests name fixtures relative to the repository, as a process started there (runBin) would.
  if (resolve(process.cwd()) !== resolve(ROOT)) throw new Error(`run the tests from ${ROOT}: they name files relative to it`);
  // vitest.config.ts leaves dist/ to Node's own loader: the modules a user runs, not a transformed copy.
  cli ??= import(pathToFileURL(builtEntry()).href) as Promise<Cli>;
  const { runCli: run } = await cli;
  const stdout = new Collect();
  const stderr = new Collect();
  const { input } = opts;
  const stdin = input instanceof Readable ? input : Readable.from(input === undefined ? [] : [Buffer.from(input)]);
  try {
    const code = await run([process.execPath, BIN, ...args], { stdout, stderr, stdin, env: environment(opts.env) });
    return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
  } finally {
    // A capture run favours memory for the rest of its process (src/cli/run-capture.ts favourMemory), through
    // V8 flags, which are process-wide. This worker goes on to run other test files: V8's defaults again.
    // (--expose-gc, also set there, stays: it only makes a collector reachable through a new context.)
    setFlagsFromString('--no-optimize-for-size');
    setFlagsFromString('--semi-space-growth-factor=2');
  }
}

/**
 * tcpdiag ARGS in a real process. `stdout`: a pipe to collect, or a descriptor to write to (a file,
 * /dev/full). `shebang`: bin/tcpdiag.js started as a program (its #! line), not as node's argument.
 */
export function runBin(args: string[], opts: { env?: Record<string, string>; input?: Buffer | string; stdout?: number; shebang?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.shebang ? BIN : process.execPath, opts.shebang ? args : [BIN, ...args], {
      cwd: ROOT,
      env: environment(opts.env),
      stdio: ['pipe', opts.stdout ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += String(d)));
    child.stderr!.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin!.end(opts.input ?? '');
  });
}
