import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addAnalyzeCommand } from './analyze.js';
import { addFlowsCommand } from './flows.js';
import { addExplainCommand } from './explain.js';
import { addQueuesCommand } from './queues.js';
import { addHostCommand } from './host.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tcpdiag');
  const v = version();
  program
    .description('Reads packet captures and tells why TCP connections failed to open: accept-queue and SYN-queue overflow, SYN floods, refused ports, resets after the handshake.')
    .version(v, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) })
    .showHelpAfterError('(run tcpdiag --help for usage)');
  addAnalyzeCommand(program, v);
  addFlowsCommand(program);
  addExplainCommand(program);
  addQueuesCommand(program);
  addHostCommand(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2, as grep and ripgrep do.
      return e.exitCode === 0 ? 0 : 2;
    }
    const err = e as NodeJS.ErrnoException;
    // A file we could not write (--output) or read: one line naming it, no stack trace.
    const what = err.code && err.path ? `cannot ${err.syscall ?? 'use'} ${err.path}: ${err.code}` : err.message;
    process.stderr.write(`tcpdiag: ${what}\n`);
    if (process.env.TCPDIAG_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
