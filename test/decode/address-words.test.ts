// The segment's address words are signed 32-bit integers (decode/segment.ts): V8 keeps them as small integers,
// where a word past 2^31 held unsigned was a boxed double written and compared on every packet (BENCHMARKS.md,
// session 21). The tracker compares them with its slots' Int32Array view; a decoder that went back to unsigned
// words would split every connection of an address from 128.0.0.0 on.
import { describe, expect, it } from 'vitest';
import { formatAddress } from '../../src/decode/address.js';
import { Decoded } from '../../src/decode/segment.js';
import { Tracker } from '../../src/track/tracker.js';
import type { Connection } from '../../src/track/connection.js';
import { fixture } from '../capture/oracle.js';
import { decodeRecord, pcapRecords } from './pcap-records.js';

const { linkType, records } = pcapRecords(fixture('lab/refused-server.pcap'));

describe('address words', () => {
  it('are signed: the lab clients (198.18.0.x) and server (198.18.0.3) have the top bit set, and print as they are', () => {
    const { d, s } = decodeRecord(linkType, records[0]!);
    expect(d).toBe(Decoded.Tcp);
    expect([s.src0, s.src1, s.src2]).toEqual([0, 0, 0xffff]);
    expect(s.src3).toBeLessThan(0);
    expect(s.dst3).toBeLessThan(0);
    expect(s.src3 >>> 24).toBe(198);
    expect(formatAddress(4, s.src0, s.src1, s.src2, s.src3)).toMatch(/^198\.18\.0\.\d+$/);
    expect(formatAddress(4, s.dst0, s.dst1, s.dst2, s.dst3)).toMatch(/^198\.18\.0\.\d+$/);
  });

  it('find their connection in both directions, which the record gives back unsigned', () => {
    const got: Connection[] = [];
    const t = new Tracker((c) => got.push(c));
    let n = 0;
    for (const rec of records) {
      const { d, s } = decodeRecord(linkType, rec);
      if (d !== Decoded.Tcp) continue;
      s.frame = ++n;
      t.add(s);
    }
    t.end();
    // refused-server.pcap: 30 connections (as `tcpdiag flows` counts them), refused ones and completed ones,
    // each with packets from both sides in the one record.
    expect(got.length).toBe(30);
    for (const c of got) {
      expect(c.client.packets, `connection ${c.id}`).toBeGreaterThan(0);
      expect(c.server.packets, `connection ${c.id}`).toBeGreaterThan(0);
      expect(c.s3).toBeGreaterThan(2 ** 31);
      expect(formatAddress(4, c.s0, c.s1, c.s2, c.s3)).toBe('198.18.0.3');
    }
  });
});
