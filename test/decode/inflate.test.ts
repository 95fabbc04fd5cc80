// decode/inflate.ts against node:zlib's deflateRaw (zlib itself is the oracle): every block type
// (stored, fixed, dynamic), overlapping matches, and the three failure results.
import { describe, expect, it } from 'vitest';
import { constants, deflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { inflateRaw, INFLATE_BAD, INFLATE_CUT, INFLATE_TOO_BIG } from '../../src/decode/inflate.js';
import { fixture } from '../capture/oracle.js';

function inputs(): Array<[string, Buffer]> {
  let x = 12345;
  const random = Buffer.alloc(5000);
  for (let i = 0; i < random.length; i++) random[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([7])],
    ['a run (overlapping matches)', Buffer.alloc(3000, 0x61)],
    ['random (incompressible)', random],
    ['a real capture', readFileSync(fixture('public/get.pcap'))],
  ];
}

const out = new Uint8Array(70000);

describe('inflateRaw', () => {
  for (const [name, data] of inputs()) {
    for (const [opt, options] of [
      ['level 0 (stored blocks)', { level: 0 }],
      ['fixed Huffman', { strategy: constants.Z_FIXED }],
      ['default (dynamic Huffman)', {}],
      ['Huffman only', { strategy: constants.Z_HUFFMAN_ONLY }],
      ['level 9, small window', { level: 9, windowBits: 9 }],
    ] as const) {
      it(`${name}, ${opt}`, () => {
        const z = deflateRawSync(data, options);
        const n = inflateRaw(z, 0, z.length, out, 5, out.length);
        expect(n).toBe(data.length);
        expect(Buffer.from(out.subarray(5, 5 + n)).equals(data)).toBe(true);
      });
    }
  }

  it('input cut short: INFLATE_CUT; output too small: INFLATE_TOO_BIG; garbage: INFLATE_BAD', () => {
    const data = readFileSync(fixture('public/get.pcap'));
    const z = deflateRawSync(data);
    expect(inflateRaw(z, 0, z.length - 10, out, 0, out.length)).toBe(INFLATE_CUT);
    expect(inflateRaw(z, 0, z.length, out, 0, 1000)).toBe(INFLATE_TOO_BIG);
    // Block type 3 is reserved.
    expect(inflateRaw(Uint8Array.of(0x07), 0, 1, out, 0, out.length)).toBe(INFLATE_BAD);
    // A stored block whose length and complement disagree.
    expect(inflateRaw(Uint8Array.of(0x01, 0x05, 0x00, 0x00, 0x00), 0, 5, out, 0, out.length)).toBe(INFLATE_BAD);
    // A match reaching back before the start of the output (fixed block: length 3, distance 1, first thing).
    expect(inflateRaw(Uint8Array.of(0x03, 0x02, 0x00), 0, 3, out, 0, out.length)).toBe(INFLATE_BAD);
  });
});

describe('inflateRaw on hostile input', () => {
  it('random bytes, and real DEFLATE with one byte changed: a result or an error code, never a throw or a write past outEnd', () => {
    let x = 99;
    const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) >>> 16;
    const z = deflateRawSync(readFileSync(fixture('public/get.pcap')).subarray(0, 1500));
    const guard = new Uint8Array(4096);
    const results = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const input = i % 2 ? Uint8Array.from({ length: 1 + (rnd() % 300) }, rnd) : Uint8Array.from(z);
      if (i % 2 === 0) input[rnd() % input.length] ^= 1 << (rnd() % 8);
      guard.fill(0xee);
      const n = inflateRaw(input, 0, input.length, guard, 0, 1500);
      expect(n === INFLATE_CUT || n === INFLATE_BAD || n === INFLATE_TOO_BIG || (n >= 0 && n <= 1500)).toBe(true);
      expect(guard.subarray(1500).every((v) => v === 0xee)).toBe(true);
      results.add(n < 0 ? n : 0);
    }
    // All three failures were met, and some inputs inflated.
    expect([...results].sort((a, b) => a - b)).toEqual([INFLATE_TOO_BIG, INFLATE_BAD, INFLATE_CUT, 0]);
  });
});
