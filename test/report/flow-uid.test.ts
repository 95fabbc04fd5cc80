import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectionUid } from '../../src/report/flow.js';

/**
 * connectionUid writes 96 bits of a SHA-256 in base62 with plain numbers (six 16-bit digits divided by 62
 * in turn). It must give what the BigInt version before it gave: uids are how flows rows join with
 * earlier outputs and with each other across runs.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The version before session 12, kept as the oracle. */
function bigIntUid(capture: string, firstFrame: number, tuple: string): string {
  const h = createHash('sha256').update(`${capture}\u0000${firstFrame}\u0000${tuple}`).digest();
  let n = (BigInt(h.readUInt32BE(0)) << 64n) | (BigInt(h.readUInt32BE(4)) << 32n) | BigInt(h.readUInt32BE(8));
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return `C${out || '0'}`;
}

describe('connectionUid', () => {
  it('gives the uid flows printed before: the first connection of fixtures/lab-all/refused/server.pcap.gz', () => {
    // From `tcpdiag flows --format ndjson` of that file, session 11's build.
    expect(connectionUid('fixtures/lab-all/refused/server.pcap.gz', 1, '198.18.0.2:49642 198.18.0.3:9 0')).toBe('C3bHooXSJijzZP6D8');
  });

  it('agrees with the BigInt base62 on 50 000 connections', () => {
    let shortest = Infinity;
    for (let i = 0; i < 50_000; i++) {
      const args = [`capture-${i % 13}.pcap`, i * 7 + 1, `10.${i >> 8 & 255}.${i & 255}.1:${1024 + i} [2001:db8::${i.toString(16)}]:443 ${i % 3}`] as const;
      const uid = connectionUid(...args);
      expect(uid).toBe(bigIntUid(...args));
      shortest = Math.min(shortest, uid.length);
    }
    // 96 bits take up to 17 base62 digits; ~1 uid in 100 has 15 or fewer (its top digits zero): those ran too.
    expect(shortest).toBeLessThanOrEqual(16);
  });
});
