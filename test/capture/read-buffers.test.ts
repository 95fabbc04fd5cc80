import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { readBuffers } from '../../src/capture/source.js';
import { readCapture } from '../../src/capture/reader.js';

// The plain-file reader's two buffers start on page boundaries (source.ts: the kernel's copy into a buffer
// 16 bytes past one ran 3x slower here); where no WebAssembly memory can be had, plain Buffers still read.
describe('readBuffers', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('gives two page-aligned buffers of the length asked, apart', () => {
    const [a, b] = readBuffers(5000);
    expect(a.length).toBe(5000);
    expect(b.length).toBe(5000);
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer.byteLength % 65536).toBe(0);
    expect(a.byteOffset % 4096).toBe(0);
    expect(b.byteOffset % 4096).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.length);
    a.fill(1);
    b.fill(2);
    expect(a.every((x) => x === 1)).toBe(true);
    expect(Buffer.isBuffer(a) && Buffer.isBuffer(b)).toBe(true);
  });

  it('falls back to plain Buffers, and a capture still reads the same', async () => {
    const path = 'fixtures/public/get.pcap';
    const frames = async () => {
      const seen: number[] = [];
      const r = await readCapture(path, { onFrame: (f) => seen.push(f.number, f.caplen, f.buf[f.offset + f.caplen - 1]!) }, { chunkBytes: 700 });
      return { seen, r };
    };
    const aligned = await frames();
    vi.stubGlobal('WebAssembly', { Memory: function () { throw new RangeError('out of address space'); } });
    const [a, b] = readBuffers(700);
    expect(a.length).toBe(700);
    // Not a WebAssembly memory (a whole number of 64 KiB pages): the stub was met.
    expect(a.buffer.byteLength % 65536).not.toBe(0);
    a.fill(1);
    b.fill(2);
    expect(a.every((x) => x === 1)).toBe(true);
    const plain = await frames();
    expect(plain.r.error).toBeNull();
    expect(plain.r.frames).toBeGreaterThan(5);
    expect(plain.seen).toEqual(aligned.seen);
    // The frames really come from the file: the last one's last byte is the file's last byte.
    const file = readFileSync(path);
    expect(aligned.seen.at(-1)).toBe(file[file.length - 1]);
  });
});
