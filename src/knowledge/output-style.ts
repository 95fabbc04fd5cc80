// Output formats, colour and layout shared by the explain, queues and host renderers. Whether there is
// colour, and how wide a line is, the CLI decides (cli/command.ts): a renderer only follows its style.

import { Chalk, type ChalkInstance } from 'chalk';

export type OutputFormat = 'text' | 'markdown' | 'json';

/** The width prose wraps at off a terminal (files, pipes) and the most it takes on a wide one. */
export const DEFAULT_WIDTH = 100;

export function makeStyle(colour: boolean): ChalkInstance {
  return new Chalk({ level: colour ? 1 : 0 });
}

// The wrap width of the renderer being run; renderers are synchronous, so one at a time.
let currentWidth = DEFAULT_WIDTH;

/**
 * Renders with prose wrapped at `width` columns (a terminal's, at most DEFAULT_WIDTH so lines stay
 * readable) instead of the default, for the one call of `render`.
 */
export function withWidth<T>(width: number | null, render: () => T): T {
  const previous = currentWidth;
  currentWidth = width === null ? DEFAULT_WIDTH : Math.max(40, Math.min(width, DEFAULT_WIDTH));
  try {
    return render();
  } finally {
    currentWidth = previous;
  }
}

// Colour escape codes take no columns on screen.
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (s: string): number => s.replace(ANSI, '').length;

/** Wraps prose at `width` columns (default: the current width); continuation lines get `indent` (first line too). */
export function wrap(text: string, indent = '', width = currentWidth, firstIndent = indent): string {
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
  return wrap(text, indent + '  ', currentWidth, indent + '- ');
}
