// What every subcommand shares: its usage errors (`tcpdiag <command>: …`, a hint naming its --help,
// exit 2), and the options of a command that writes output (-f/--format, -o/--output, --color).

import { Command, Option } from 'commander';
import { Output, OutputError } from './output.js';

/** A subcommand whose errors are `tcpdiag NAME: …` followed by `(run tcpdiag NAME --help for usage)`. */
export function subcommand(program: Command, name: string): Command {
  return program
    .command(name)
    .configureOutput({ outputError: (s, write) => write(`tcpdiag ${name}: ${s.replace(/^error: /, '')}`) })
    .showHelpAfterError(`(run tcpdiag ${name} --help for usage)`);
}

/** A usage error found after parsing (a value that depends on another): reported like commander's own, exit 2. */
export function usageError(cmd: Command, message: string): never {
  cmd.error(message, { exitCode: 2, code: 'tcpdiag.usage' });
}

/**
 * An input the command cannot start on (a --merge file that cannot be opened): `tcpdiag NAME: MESSAGE`,
 * exit 2, as an unreadable capture; not a usage error, so no --help hint.
 */
export class InputError extends Error {}

export const COLOR_WHEN = ['auto', 'always', 'never'] as const;
export type ColorWhen = (typeof COLOR_WHEN)[number];

export interface OutputOptions<F extends string> {
  format: F;
  output?: string;
  /** `--no-color` makes it false. */
  color: ColorWhen | false;
}

/** -f/--format, -o/--output, --color and --no-color, in the same words on every command. */
export function addOutputOptions(cmd: Command, formats: readonly string[], what = 'the output'): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats).default(formats[0]))
    .option('-o, --output <file>', `write ${what} to FILE instead of stdout (- is stdout; a regular file is replaced atomically)`)
    .addOption(new Option('--color <when>', 'when to colour text (auto: on a terminal, unless NO_COLOR is set or TERM=dumb)').choices(COLOR_WHEN).default('auto'))
    .option('--no-color', 'the same as --color never');
}

/** Runs `write` against the output, then commits it; on any failure the temporary file goes. */
export async function writeTo<T>(out: Output, write: () => T | Promise<T>): Promise<T> {
  try {
    const r = await write();
    out.commit();
    return r;
  } catch (e) {
    out.abort();
    throw e;
  }
}

/**
 * A command's action: its exit code into process.exitCode, and an output it cannot write or an input it
 * cannot open reported as one line naming the user's path (exit 2), the same whether run from main() or
 * in-process by a test.
 */
export function action<A extends unknown[]>(name: string, run: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await run(...args);
    } catch (e) {
      if (!(e instanceof OutputError || e instanceof InputError)) throw e;
      process.stderr.write(`tcpdiag ${name}: ${e.message}\n`);
      process.exitCode = 2;
    }
  };
}
