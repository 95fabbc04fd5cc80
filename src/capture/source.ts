import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Chunks of 4 MiB: few enough reads that the per-chunk cost vanishes, small enough to stay flat in memory. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

export interface ByteSource {
  /** Decompressed chunks. */
  chunks: AsyncIterable<Uint8Array>;
  /** Size on disk when known (a regular file), for progress. */
  totalBytes: number | null;
  /** Raw (possibly compressed) bytes consumed so far. */
  rawBytesRead(): number;
  gzip: boolean;
  close(): void;
}

/**
 * Opens a path or `-` (stdin). Gzip is recognised by its magic (1f 8b), not
 * by the file name, so a renamed or piped .gz works the same.
 */
export async function openSource(path: string, chunkBytes = CHUNK_BYTES): Promise<ByteSource> {
  let raw: Readable;
  let totalBytes: number | null = null;
  if (path === '-') {
    raw = process.stdin;
  } else {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error('is a directory');
    if (st.isFile()) totalBytes = st.size;
    raw = createReadStream(path, { highWaterMark: chunkBytes });
  }
  let rawRead = 0;
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  const head: Buffer | null = first.done ? null : first.value;
  if (head) rawRead += head.length;

  async function* rawChunks(): AsyncGenerator<Buffer> {
    if (head) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      rawRead += r.value.length;
      yield r.value;
    }
  }

  const gzip = head !== null && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  let chunks: AsyncIterable<Uint8Array> = rawChunks();
  if (gzip) {
    // zlib refuses chunks under 64 bytes.
    const gunzip = createGunzip({ chunkSize: Math.max(64, chunkBytes) });
    const feed = async () => {
      try {
        for await (const c of rawChunks()) {
          if (!gunzip.write(c)) await new Promise((r) => gunzip.once('drain', r));
        }
        gunzip.end();
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    };
    void feed();
    chunks = gunzip;
  }
  return {
    chunks,
    totalBytes,
    rawBytesRead: () => rawRead,
    gzip,
    close: () => {
      if (raw !== process.stdin) raw.destroy();
    },
  };
}
