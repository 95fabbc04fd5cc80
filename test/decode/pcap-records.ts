// Test helpers: the records of a little-endian microsecond pcap, copied out, and one decode of a
// record as the Decoder sees it. For tests that make variants of a real capture's packets in memory.
import { readFileSync } from 'node:fs';
import { Decoder } from '../../src/decode/decoder.js';
import { newSegment, type Decoded, type Segment } from '../../src/decode/segment.js';
import { newFrame } from '../../src/capture/frame.js';

export function pcapRecords(path: string): { linkType: number; records: Uint8Array[] } {
  const b = readFileSync(path);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${path}: not a little-endian microsecond pcap`);
  const records: Uint8Array[] = [];
  for (let p = 24; p < b.length; ) {
    const caplen = b.readUInt32LE(p + 8);
    if (b.readUInt32LE(p + 12) !== caplen) throw new Error(`${path}: record at ${p} is cut by the snaplen`);
    records.push(new Uint8Array(b.subarray(p + 16, p + 16 + caplen)));
    p += 16 + caplen;
  }
  return { linkType: b.readUInt32LE(20), records };
}

export interface OneDecode {
  d: Decoded;
  s: Segment;
  stats: Record<string, number>;
}

/** Decodes one record; origLen larger than the record means the snaplen cut it. */
export function decodeRecord(linkType: number, rec: Uint8Array, origLen = rec.length): OneDecode {
  const decoder = new Decoder(newSegment());
  const f = newFrame();
  f.number = 1;
  f.linkType = linkType;
  f.buf = rec;
  f.offset = 0;
  f.caplen = rec.length;
  f.origLen = origLen;
  const d = decoder.decode(f);
  return { d, s: { ...decoder.segment }, stats: decoder.stats.toObject() };
}
