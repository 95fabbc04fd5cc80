// The colour rule and the text width of every command's output: used by what the commands run, apart from
// command.ts so that chalk is not loaded by `--help` or a usage error (load-bundle.cts).

import { Chalk } from 'chalk';
import type { TextStyle } from '../report/printer.js';
import type { ColorWhen, OutputOptions } from './command.js';
import type { Output } from './output.js';

/**
 * The colour rule of every command. auto: stdout is a terminal, not a file, NO_COLOR is unset and TERM is
 * not dumb; FORCE_COLOR turns it on anyway, but NO_COLOR, the user's standing wish, beats it. always and
 * never are what they say.
 */
export function colorWanted(when: ColorWhen | false, toFile: boolean): boolean {
  if (when === 'always') return true;
  if (when === 'never' || when === false || toFile) return false;
  const env = process.env;
  const set = (v: string | undefined) => v !== undefined && v !== '';
  if (set(env.NO_COLOR)) return false;
  if (set(env.FORCE_COLOR) && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return Boolean(process.stdout.isTTY) && env.TERM !== 'dumb';
}

/** Text looks: colour by colorWanted, wrapped to the terminal's width when writing to one. */
export function textStyle(o: OutputOptions<string>, out: Output): TextStyle {
  const colour = o.format === 'text' && colorWanted(o.color, out.toFile);
  const tty = !out.toFile && Boolean(process.stdout.isTTY);
  const columns = process.stdout.columns;
  return {
    color: new Chalk({ level: colour ? 1 : 0 }),
    width: tty && columns ? Math.max(40, columns) : null,
  };
}
