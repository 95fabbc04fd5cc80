// Capture arguments as analyze, flows and watch -r take them: files, `-` for stdin, or a folder, which
// stands for the captures in it; with --merge, several files read as one capture in time order. One
// function (capturesToRead) for the three, so that the same arguments read the same captures everywhere.

import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openFault } from '../capture/reader.js';
import { mergedName } from '../report/merged.js';
import { InputError, usageError } from './command.js';

/** What a file in a folder must be called to be read as a capture (tcpdump, Wireshark, rotated -C/-G files). */
const CAPTURE_NAME = /\.(?:pcap|pcapng|cap|dmp|pcap\d+|pcapng\d+)(?:\.gz)?$|\.pcap\d*\.gz$|\.pcap\.\d+$/i;

export function isCaptureName(name: string): boolean {
  return CAPTURE_NAME.test(name);
}

/**
 * Each folder replaced by the captures directly in it, in name order (rotated files sort in time order
 * when numbered with leading zeros, as tcpdump -C and -G with strftime names do). The reason instead when
 * a folder holds none: a typo'd folder should not pass as a clean run.
 */
export function expandCapturePaths(given: readonly string[]): { paths: string[] } | { error: string } {
  const paths: string[] = [];
  for (const p of given) {
    let dir = false;
    try {
      dir = p !== '-' && statSync(p).isDirectory();
    } catch {
      // Not there or unreadable: the reader names the file and the reason.
    }
    if (!dir) {
      paths.push(p);
      continue;
    }
    let names: string[];
    try {
      names = readdirSync(p);
    } catch (e) {
      return { error: `${p}: cannot read the folder: ${(e as Error).message}` };
    }
    // A dangling link named like a capture is no capture.
    const found = names.filter(isCaptureName).sort().map((n) => join(p, n)).filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
    if (found.length === 0) return { error: `${p}: a folder with no capture in it (*.pcap, *.pcapng, *.cap, optionally .gz)` };
    paths.push(...found);
  }
  return { paths };
}

/** What a command reads. */
export interface CapturesToRead {
  /** The captures in the order given: files, `-`, or (--merge) the merged capture's name alone. */
  paths: string[];
  /** --merge of two files or more: read as one capture in time order, named paths[0]. */
  merge?: { files: string[] };
}

export interface CaptureArgs {
  merge: boolean;
  /** watch -r: one capture only (`-`, a file, a folder holding one, or files with --merge). */
  one?: boolean;
}

/**
 * analyze's, flows' and watch -r's capture arguments and --merge → what the command reads. The rule, as a
 * tcpdump, Wireshark or Zeek user expects it; a command-line fault is a usage error naming the argument
 * (exit 2), found before anything is read:
 * - `-` is stdin, one capture, and stdin can be read once: `-` given twice is a usage error (a second read
 *   would find the stream used up, or wait on a terminal).
 * - `-` beside files is one capture beside theirs. --merge reads files only (as mergecap), so `-` with
 *   --merge is a usage error; so is `-` beside anything for watch, which replays one capture.
 * - A folder stands for the captures directly in it, in name order; a folder with none is a usage error.
 * - A file named twice (spelled differently, through a link, or also in a folder given) is read once, at
 *   its first place: twice would only report its findings twice, or merge every packet with itself.
 * - A file that cannot be opened, read alone: an unreadable capture as any other (the command names it,
 *   reads the rest, exits 2). In a --merge the merged capture would lack a piece: named here, exit 2,
 *   nothing read (as mergecap).
 * - An empty argument (an unset shell variable), or a name starting with `-` that is no file (an option
 *   written right after -r, which takes it as a capture), is a usage error naming it. No argument at all
 *   is commander's usage error.
 */
export function capturesToRead(cmd: Command, given: readonly string[], o: CaptureArgs): CapturesToRead {
  if (given.length === 0) usageError(cmd, 'no capture given');
  for (const p of given) {
    if (p === '') usageError(cmd, "an empty capture path ('': an unset shell variable?)");
    if (p !== '-' && p.startsWith('-') && statSync(p, { throwIfNoEntry: false }) === undefined) {
      usageError(cmd, `${p}: no such capture file; an option right after -r is read as a capture: give it before -r (or write ./${p} for a file so named)`);
    }
  }
  if (given.filter((p) => p === '-').length > 1) usageError(cmd, '- (stdin) given more than once: stdin can be read only once');
  if (o.merge && given.includes('-')) usageError(cmd, '--merge reads files, not stdin (-)');
  const expanded = expandCapturePaths(given);
  if ('error' in expanded) usageError(cmd, expanded.error);
  const seen = new Set<string>();
  const files = expanded.paths.filter((p) => {
    const key = p === '-' ? p : sameFile(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (o.one && files.length > 1 && !o.merge) {
    usageError(
      cmd,
      files.includes('-')
        ? `watch replays one capture, and -r names ${files.length}: stdin (-) is replayed alone (--merge reads files only)`
        : `watch replays one capture, and -r names ${files.length}: give --merge to read them as one in time order (a rotated tcpdump -C/-G capture, or several interfaces)`,
    );
  }
  if (!o.merge || files.length < 2) return { paths: files };
  for (const f of files) {
    try {
      accessSync(f, constants.R_OK);
    } catch (e) {
      throw new InputError(`${f}: ${openFault(e as NodeJS.ErrnoException)}`);
    }
  }
  return { paths: [mergedName(files)], merge: { files } };
}

/** The file a path names, links followed; a path that is not there stands for itself. */
function sameFile(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}
