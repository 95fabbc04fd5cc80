// Capture arguments as analyze and flows take them: files, `-` for stdin, or a folder, which stands for
// the captures in it.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What a file in a folder must be called to be read as a capture (tcpdump, Wireshark, rotated -C/-G files). */
const CAPTURE_NAME = /\.(?:pcap|pcapng|cap|dmp|pcap\d+|pcapng\d+)(?:\.gz)?$|\.pcap\d*\.gz$|\.pcap\.\d+$/i;

export function isCaptureName(name: string): boolean {
  return CAPTURE_NAME.test(name);
}

/**
 * Each folder replaced by the captures directly in it, in name order (rotated files sort in time order
 * when numbered with leading zeros, as tcpdump -C and -G with strftime names do). Null and the reason when
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
    const found = names.filter(isCaptureName).sort().map((n) => join(p, n)).filter((f) => statSync(f).isFile());
    if (found.length === 0) return { error: `${p}: a folder with no capture in it (*.pcap, *.pcapng, *.cap, optionally .gz)` };
    paths.push(...found);
  }
  return { paths };
}
