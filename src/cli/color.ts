import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour only for people: stdout a TTY, NO_COLOR unset, no --no-color;
 * FORCE_COLOR turns it on anyway. Machine formats never call this.
 */
export function makeColor(wanted: boolean): ChalkInstance {
  return new Chalk({ level: colorEnabled(wanted) ? 1 : 0 });
}

/** The one colour rule of every command: see makeColor. */
export function colorEnabled(wanted: boolean): boolean {
  const env = process.env;
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  // NO_COLOR is the user's standing wish and beats FORCE_COLOR.
  return wanted && !noColor && (force || Boolean(process.stdout.isTTY));
}
