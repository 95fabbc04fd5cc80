import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addAnalyzeCommand } from './analyze.js';
import { addFlowsCommand } from './flows.js';
import { addExplainCommand } from './explain.js';
import { addQueuesCommand } from './queues.js';
import { addHostCommand } from './host.js';
import { addWatchCommand } from './watch.js';
import { guardStdout, OutputError, setStdoutCommand, writeStdout } from './output.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

/** --help and --version exit 0; usage errors exit 2, as grep and ripgrep do. */
export function exitCodeOf(e: CommanderError): number {
  return e.exitCode === 0 ? 0 : 2;
}

/**
 * The standard streams and environment a run reads and writes; a field left out is the process's own.
 * bin/tcpdiag.js leaves them all out; a test passes streams that collect text, and runs the CLI in-process.
 */
export interface CliIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
}

const STREAMS = ['stdout', 'stderr', 'stdin'] as const;
let previousRun: Promise<unknown> = Promise.resolve();

/**
 * Runs the CLI on `argv` (node, script, arguments…) and returns its exit code. The commands, and the
 * capture reader behind `-`, use process.stdout, stderr, stdin, env and exitCode where they need them: for
 * the run, those are the ones given here, and the process's own again after it. Runs are therefore one
 * at a time: a second waits for the first.
 */
export function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const run = previousRun.then(() => withIo(io, () => main(argv)));
  previousRun = run.catch(() => undefined);
  return run;
}

async function withIo(io: CliIo, run: () => Promise<number>): Promise<number> {
  const saved = STREAMS.map((name) => [name, Object.getOwnPropertyDescriptor(process, name)!] as const);
  const { env, exitCode } = process;
  for (const name of STREAMS) {
    const stream = io[name];
    if (stream) Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
  }
  if (io.env) process.env = io.env;
  process.exitCode = undefined;
  try {
    return await run();
  } finally {
    for (const [name, descriptor] of saved) Object.defineProperty(process, name, descriptor);
    process.env = env;
    process.exitCode = exitCode;
  }
}

export async function main(argv: string[]): Promise<number> {
  guardStdout();
  const program = new Command('tcpdiag');
  const v = version();
  let command = '';
  program
    .description('Reads packet captures and tells why TCP connections failed to open: accept-queue and SYN-queue overflow, SYN floods, refused ports, resets after the handshake.')
    .version(v, '-V, --version')
    .exitOverride()
    // Help goes through the guarded stdout: `tcpdiag analyze --help | head -1` ends quietly.
    .configureOutput({ writeOut: (s) => writeStdout(s), outputError: (s, write) => write(`tcpdiag: ${s.replace(/^error: /, '')}`) })
    .showHelpAfterError('(run tcpdiag --help for usage)')
    .hook('preAction', (_program, action) => {
      command = action.name();
      setStdoutCommand(command);
    });
  addAnalyzeCommand(program, v);
  addFlowsCommand(program);
  addExplainCommand(program);
  addQueuesCommand(program);
  addHostCommand(program);
  addWatchCommand(program, v);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return exitCodeOf(e);
    const who = command ? `tcpdiag ${command}` : 'tcpdiag';
    if (e instanceof OutputError) {
      process.stderr.write(`${who}: ${e.message}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    // A file we could not read: one line naming it, no stack trace.
    const what = err.code && err.path ? `cannot ${err.syscall ?? 'use'} ${err.path}: ${err.code}` : err.message;
    process.stderr.write(`${who}: ${what}\n`);
    if (process.env.TCPDIAG_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
