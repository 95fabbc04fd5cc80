import { close as closeFd, createReadStream, open as openFd, read as readFd, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * Chunks of 1 MiB: few enough reads that the per-chunk cost vanishes. Larger chunks read no faster,
 * and their copies push the connection table out of the shared cache: with 4 MiB, `analyze` took ~5%
 * more CPU and 6 MB more memory (BENCHMARKS.md).
 */
export const CHUNK_BYTES = 1024 * 1024;
const GZIP_CHUNK_BYTES = 64 * 1024;

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
 * Iterates a stream like `for await` does, except on an error: the chunks the
 * stream produced before it still come out first. The stream's own iterator
 * drops them, so a cut .gz lost its last frames, more or fewer depending on
 * the chunk sizes. At most two chunks wait here: the stream is paused past that.
 */
async function* keepToTheEnd(stream: Readable): AsyncGenerator<Uint8Array> {
  const queue: Buffer[] = [];
  let failure: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  stream.on('data', (c: Buffer) => {
    queue.push(c);
    if (queue.length >= 2) stream.pause();
    signal();
  });
  stream.on('end', () => {
    ended = true;
    signal();
  });
  stream.on('error', (e: Error) => {
    failure = e;
    signal();
  });
  try {
    for (;;) {
      const c = queue.shift();
      if (c) {
        if (queue.length === 0 && !failure && !ended) stream.resume();
        yield c;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    stream.destroy();
  }
}

// Compressions tcpdiag does not read, named so the user knows what to do instead of "not a capture".
const OTHER_COMPRESSIONS: ReadonlyArray<{ magic: readonly number[]; name: string; tool: string }> = [
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz', tool: 'xz -dc' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd', tool: 'zstd -dc' },
  { magic: [0x42, 0x5a, 0x68], name: 'bzip2', tool: 'bzip2 -dc' },
  { magic: [0x04, 0x22, 0x4d, 0x18], name: 'lz4', tool: 'lz4 -dc' },
];

/** Throws, naming the compression, when `head` starts like a compressed file other than gzip. */
function refuseOtherCompression(head: Uint8Array, path: string): void {
  for (const c of OTHER_COMPRESSIONS) {
    if (head.length >= c.magic.length && c.magic.every((b, i) => head[i] === b)) {
      const file = path === '-' ? 'FILE' : path;
      throw new Error(`${c.name}-compressed: tcpdiag reads gzip but not ${c.name}; decompress it first (${c.tool} ${file} | tcpdiag analyze -)`);
    }
  }
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
    if (st.isFile()) {
      const plain = await openPlainFile(path, st.size, chunkBytes);
      if (plain) return plain;
      totalBytes = st.size;
    }
    raw = createReadStream(path, { highWaterMark: chunkBytes });
  }
  let rawRead = 0;
  const it = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Two bytes at least before deciding on gzip: a pipe may hand over its first byte alone.
  let head: Buffer | null = null;
  while (!head || head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = head ? Buffer.concat([head, r.value]) : r.value;
  }
  if (head) {
    rawRead += head.length;
    try {
      refuseOtherCompression(head, path);
    } catch (e) {
      if (raw !== process.stdin) raw.destroy();
      throw e;
    }
  }

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
    // Output in pieces of 64 KiB at most (zlib refuses under 64 bytes): when the data is corrupt, zlib drops what
    // its failing step produced, so the piece size bounds the frames lost before the fault.
    const gunzip = createGunzip({ chunkSize: Math.max(64, Math.min(chunkBytes, GZIP_CHUNK_BYTES)) });
    const feed = async () => {
      try {
        let written: Promise<unknown> = Promise.resolve();
        for await (const c of rawChunks()) {
          written = new Promise((r) => gunzip.write(c, r));
          if (gunzip.writableNeedDrain) await new Promise((r) => gunzip.once('drain', r));
        }
        // end() right behind the last write would inflate that chunk with Z_FINISH, and zlib drops what a
        // failing call produced: a cut .gz would lose its last frames. Let the write finish first.
        await written;
        gunzip.end();
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    };
    void feed();
    chunks = keepToTheEnd(gunzip);
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

const PAGE_BYTES = 4096;
const WASM_PAGE_BYTES = 65536;
// Node's global, which the ES2022 library and @types/node leave undeclared: the one constructor used here.
declare const WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer } };

/**
 * Two read buffers of `len` bytes that start on page boundaries. The kernel copies a file's pages into a
 * read buffer with `rep movsb`, which on this machine's AMD EPYC runs 3x slower when the buffer starts a
 * few bytes past a page boundary (the distance from source to destination modulo 4096 under ~32 bytes):
 * and every large Buffer does, at malloc's 16-byte header past its mapping. Reading the 2 M file took 190
 * ms of CPU (nearly all the kernel's) into such a buffer, 60 into a page-aligned one
 * (scripts/bench/read-alignment.mjs; BENCHMARKS.md, session 13).
 * A WebAssembly memory is mapped by V8 on page boundaries; where one cannot be had (an address-space
 * limit), plain Buffers.
 */
export function readBuffers(len: number): [Buffer, Buffer] {
  const second = Math.ceil(len / PAGE_BYTES) * PAGE_BYTES;
  try {
    const pages = Math.ceil((second + len) / WASM_PAGE_BYTES);
    const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
    return [Buffer.from(mem.buffer, 0, len), Buffer.from(mem.buffer, second, len)];
  } catch {
    return [Buffer.allocUnsafe(len), Buffer.allocUnsafe(len)];
  }
}
/**
 * A regular, uncompressed file read into two buffers reused in turn: no
 * allocation per read for the GC to reclaim, and the next chunk is read (on
 * libuv's thread pool, so on the other core) while the reader parses this
 * one. The reader is done with a chunk (it copies a record that spans two)
 * before it asks for the next, so the buffer it had is free to refill.
 * Null for a gzip file, which goes through the stream path.
 */
async function openPlainFile(path: string, size: number, chunkBytes: number): Promise<ByteSource | null> {
  const fh = await openFile(path);
  const len = Math.max(2, Math.min(chunkBytes, Math.max(size, 2)));
  // A file that one read takes whole gains nothing from alignment: spared the memory's mapping (a --merge of many small files).
  const [buf0, buf1] = size > len ? readBuffers(len) : [Buffer.allocUnsafe(len), null];
  let cur = buf0;
  let first: number;
  try {
    first = (await fh.read(cur, 0, cur.length, 0)).bytesRead;
  } catch (e) {
    await fh.close();
    throw e;
  }
  if (first >= 2 && cur[0] === 0x1f && cur[1] === 0x8b) {
    await fh.close();
    return null;
  }
  try {
    refuseOtherCompression(cur.subarray(0, first), path);
  } catch (e) {
    await fh.close();
    throw e;
  }
  let read = first;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      // A failed close of a file only read loses nothing.
      fh.close().catch(() => undefined);
    }
  };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    // A file read whole by the first read needs no second buffer.
    let next: Buffer | null = read >= size ? null : buf1;
    let pending: Promise<{ bytesRead: number }> | null = null;
    try {
      let n = first;
      while (n > 0) {
        if (next) {
          pending = fh.read(next, 0, next.length, read);
          // Its failure is thrown below, where it is awaited; until then it must not count as unhandled.
          pending.catch(() => undefined);
        }
        yield cur.subarray(0, n);
        if (!pending) {
          n = (await fh.read(cur, 0, cur.length, read)).bytesRead;
          read += n;
          continue;
        }
        n = (await pending).bytesRead;
        pending = null;
        read += n;
        const done = cur;
        cur = next!;
        next = done;
      }
    } finally {
      // A reader that stopped early leaves a read in flight: let it finish before the file closes.
      if (pending) await pending.then(() => undefined, () => undefined);
      close();
    }
  }
  return { chunks: chunks(), totalBytes: size, rawBytesRead: () => read, gzip: false, close };
}

/** What openPlainFile needs of a file: fs/promises' FileHandle does the same, but loading it costs a small run ~2 ms. */
interface PlainFile {
  read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** A file opened for reading with node:fs's callbacks (node:fs is loaded at start-up anyway; node:fs/promises is not). */
function openFile(path: string): Promise<PlainFile> {
  return new Promise((resolve, reject) => {
    openFd(path, 'r', (err, fd) => {
      if (err) {
        reject(err);
        return;
      }
      resolve({
        read: (buf, offset, length, position) =>
          new Promise((done, fail) => readFd(fd, buf, offset, length, position, (e, bytesRead) => (e ? fail(e) : done({ bytesRead })))),
        close: () => new Promise((done, fail) => closeFd(fd, (e) => (e ? fail(e) : done()))),
      });
    });
  });
}

/**
 * Bytes already in memory (a Buffer, like the file chunks) as a source, in pieces of `chunkBytes`: the
 * tracker's warm-up capture goes through the same reader loop as a file, chunk boundaries included.
 */
export function bytesSource(bytes: Buffer, chunkBytes = CHUNK_BYTES): ByteSource {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let p = 0; p < bytes.length; p += chunkBytes) yield bytes.subarray(p, Math.min(bytes.length, p + chunkBytes));
  }
  return { chunks: chunks(), totalBytes: bytes.length, rawBytesRead: () => bytes.length, gzip: false, close: () => undefined };
}
