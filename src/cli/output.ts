import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const FLUSH_BYTES = 256 * 1024;

/**
 * Where a report goes: stdout, or a file written atomically (a temp file in
 * the same folder renamed into place on success), so a failed run never
 * leaves half a report. Writes are synchronous: output keeps pace with the
 * pipeline without buffering a whole flow table in memory.
 */
export class Output {
  private fd: number;
  private readonly tmp: string | null;
  private buf: string[] = [];
  private size = 0;
  /** The reader of stdout went away (`| head`): stop writing, not an error. */
  closed = false;

  constructor(private readonly path: string | null) {
    if (path) {
      this.tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
      this.fd = openSync(this.tmp, 'w');
    } else {
      this.tmp = null;
      this.fd = 1;
    }
  }

  write(s: string): void {
    if (this.closed) return;
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0 || this.closed) return;
    const data = Buffer.from(this.buf.join(''));
    this.buf = [];
    this.size = 0;
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }

  /** Finishes the output: renames the temp file into place. */
  commit(): void {
    this.flush();
    if (this.tmp && this.path) {
      this.close();
      renameSync(this.tmp, this.path);
    }
  }

  /** Drops a half-written file (also when the rename into place is what failed). */
  abort(): void {
    if (!this.tmp) return;
    this.close();
    try {
      unlinkSync(this.tmp);
    } catch {
      // Already gone.
    }
  }

  private fdOpen = true;

  private close(): void {
    if (!this.fdOpen) return;
    this.fdOpen = false;
    try {
      closeSync(this.fd);
    } catch {
      // Nothing left to flush.
    }
  }
}
