import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour only for people: stdout a TTY, NO_COLOR unset, no --no-color;
 * FORCE_COLOR turns it on anyway. Machine formats never call this.
 */
export function makeColor(wanted: boolean): ChalkInstance {
  const env = process.env;
  let on = wanted && Boolean(process.stdout.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '');
  if (wanted && env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') on = true;
  if (!wanted) on = false;
  return new Chalk({ level: on ? 1 : 0 });
}
