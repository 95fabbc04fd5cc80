// Output formats, colour and layout shared by the explain, queues and host commands.

import { Chalk, type ChalkInstance } from 'chalk';
import { colorEnabled } from '../cli/color.js';

export type OutputFormat = 'text' | 'markdown' | 'json';

export function parseFormat<T extends OutputFormat>(value: string, allowed: readonly T[]): T | undefined {
  return allowed.find((f) => f === value);
}

/** Colour by the rule every command follows (cli/color.ts), and never into a file. */
export function colourWanted(toFile: boolean): boolean {
  return colorEnabled(!toFile);
}

export function makeStyle(colour: boolean): ChalkInstance {
  return new Chalk({ level: colour ? 1 : 0 });
}

// Colour escape codes take no columns on screen.
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string): number => s.replace(ANSI, '').length;

/** Wraps prose at `width` columns; continuation lines get `indent` (first line too). */
export function wrap(text: string, indent = '', width = 100, firstIndent = indent): string {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const lines: string[] = [];
  let line = firstIndent;
  let lineHasWord = false;
  for (const word of words) {
    if (lineHasWord && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (lineHasWord ? ' ' : '') + word;
    }
    lineHasWord = true;
  }
  lines.push(line);
  return lines.join('\n');
}

/** A bullet item with hanging indent. */
export function bullet(text: string, indent = '  '): string {
  return wrap(text, indent + '  ', 100, indent + '- ');
}
