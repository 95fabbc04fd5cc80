import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addAnalyzeCommand } from './analyze.js';
import { addFlowsCommand } from './flows.js';

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
  await addKnowledgeCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2, as grep and ripgrep do.
      return e.exitCode === 0 ? 0 : 2;
    }
    const err = e as Error;
    process.stderr.write(`tcpdiag: ${err.message}\n`);
    if (process.env.TCPDIAG_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

/** explain, queues and host live in their own modules; a missing one must not break the rest. */
async function addKnowledgeCommands(program: Command): Promise<void> {
  const mods: [string, string][] = [['./explain.js', 'addExplainCommand'], ['./queues.js', 'addQueuesCommand'], ['./host.js', 'addHostCommand']];
  for (const [path, fn] of mods) {
    try {
      const m = (await import(path)) as Record<string, (p: Command) => void>;
      m[fn]?.(program);
    } catch {
      // Not built yet.
    }
  }
}
