import type { ReadProgress } from '../capture/reader.js';

const MIN_BYTES = 8 * 1024 * 1024;
const EVERY_MS = 200;

/** A one-line progress bar on a TTY stderr for big inputs; nothing otherwise. */
export class Progress {
  private readonly enabled: boolean;
  private start = Date.now();
  private last = 0;
  private shown = false;

  constructor(private readonly label: string, quiet: boolean) {
    this.enabled = !quiet && Boolean(process.stderr.isTTY);
  }

  update = (p: ReadProgress): void => {
    if (!this.enabled || p.totalBytes === null || p.totalBytes < MIN_BYTES) return;
    const now = Date.now();
    if (now - this.last < EVERY_MS) return;
    this.last = now;
    const frac = Math.min(1, p.rawBytes / p.totalBytes);
    const secs = (now - this.start) / 1000;
    const pps = secs > 0 ? p.frames / secs : 0;
    const left = frac > 0 ? secs / frac - secs : 0;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const line = `${this.label.slice(-30)} [${bar}] ${(frac * 100).toFixed(0)}%  ${(pps / 1e6).toFixed(2)} M pkt/s  ${left.toFixed(0)} s left`;
    process.stderr.write(`\r${line}\x1b[K`);
    this.shown = true;
  };

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
