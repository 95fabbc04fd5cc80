// LINKTYPE_NFLOG beyond what fixtures/public/nflog-http.pcap shows as it is (its 13 frames are compared
// with tshark field by field in tshark.test.ts): the same frames with their TLVs in big-endian order (a
// capture from a big-endian host), with the payload cut by the logging rule's copy range, with a
// non-IP family, without a payload attribute, and with a broken TLV length.
import { describe, expect, it } from 'vitest';
import { Decoded, TCP_SYN } from '../../src/decode/segment.js';
import { formatAddress } from '../../src/decode/address.js';
import { LINKTYPE_NFLOG } from '../../src/decode/link.js';
import { fixture, readTshark } from '../capture/oracle.js';
import { decodeRecord, pcapRecords } from './pcap-records.js';

const REL = 'public/nflog-http.pcap';

/** [offset, length, type] of each TLV, read little-endian (the fixture was captured on x86). */
function tlvs(rec: Uint8Array): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let q = 4; q + 4 <= rec.length; ) {
    const len = rec[q]! | (rec[q + 1]! << 8);
    out.push([q, len, rec[q + 2]! | (rec[q + 3]! << 8)]);
    q += (len + 3) & ~3;
  }
  return out;
}

function decode(rec: Uint8Array, origLen = rec.length) {
  return decodeRecord(LINKTYPE_NFLOG, rec, origLen);
}

const { linkType, records: recs } = pcapRecords(fixture(REL));
const rows = readTshark(REL)!;

describe('NFLOG (link type 239)', () => {
  it('the fixture: 13 records, each with the payload as its last TLV (type 9), little-endian', () => {
    expect(linkType).toBe(LINKTYPE_NFLOG);
    expect(recs.length).toBe(13);
    expect(rows.length).toBe(13);
    for (const r of recs) {
      const t = tlvs(r);
      expect(t.at(-1)![2]).toBe(9);
      expect(r[0]).toBe(2); // AF_INET
    }
  });

  it('TLVs in big-endian order (a big-endian capturing host) decode to the same TCP as tshark reads', () => {
    recs.forEach((rec, i) => {
      const be = new Uint8Array(rec);
      for (const [q] of tlvs(rec)) {
        [be[q], be[q + 1]] = [rec[q + 1]!, rec[q]!];
        [be[q + 2], be[q + 3]] = [rec[q + 3]!, rec[q + 2]!];
      }
      expect(be).not.toEqual(rec);
      const { d, s } = decode(be);
      const row = rows[i]!;
      expect(d, `frame ${i + 1}`).toBe(Decoded.Tcp);
      expect(formatAddress(4, s.src0, s.src1, s.src2, s.src3)).toBe(row['ip.src']);
      expect(formatAddress(4, s.dst0, s.dst1, s.dst2, s.dst3)).toBe(row['ip.dst']);
      expect([s.srcPort, s.dstPort, s.seq, s.ack, s.payloadLen]).toEqual(
        ['tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len'].map((k) => Number(row[k as keyof typeof row])),
      );
    });
  });

  it('a payload cut by the copy range (--nflog-size 80) is a cut packet: TCP, length from the IP header', () => {
    // Frame 8: 1603 bytes of HTTP response. Keep 80 bytes of the IP packet, as the kernel does when
    // the rule copies only 80: the TLV says 84, the record ends there, the IP header still says 1643.
    const rec = recs[7]!;
    const [q, len] = tlvs(rec).at(-1)!;
    expect(len - 4).toBe(1643);
    const cut = new Uint8Array(rec.subarray(0, q + 4 + 80));
    cut[q] = 84;
    cut[q + 1] = 0;
    const { d, s } = decode(cut);
    expect(d).toBe(Decoded.Tcp);
    expect([s.srcPort, s.dstPort, s.seq, s.payloadLen]).toEqual([80, 49762, 1131904002, 1603]);
    // tshark 4.0.17 on this record (made once into a pcap): tcp.len 40, the copied bytes, with the warning
    // "IPv4 total length exceeds packet length (80 bytes)". tcpdiag keeps the sent length, as it does
    // for a snaplen cut: the next segment's sequence number follows 1603 bytes, not 40.
    expect(s.optionsIncomplete).toBe(false);
  });

  it('a non-IP family, a record without a payload TLV, a TLV shorter than its header', () => {
    const bridge = new Uint8Array(recs[0]!);
    bridge[0] = 7; // AF_BRIDGE
    expect(decode(bridge).d).toBe(Decoded.NonIp);
    expect(decode(bridge).stats).toEqual({ 'nflog-not-ip': 1 });

    const [q] = tlvs(recs[0]!).at(-1)!;
    const noPayload = new Uint8Array(recs[0]!.subarray(0, q));
    expect(decode(noPayload).d).toBe(Decoded.NonIp);
    expect(decode(noPayload).stats).toEqual({ 'nflog-no-payload': 1 });

    const bad = new Uint8Array(recs[0]!);
    bad[4] = 2; // first TLV length 2 < its own 4-byte header
    expect(decode(bad).d).toBe(Decoded.Malformed);

    // A record cut by the snaplen inside the TLVs, before the payload: truncated, not malformed.
    const { d } = decode(new Uint8Array(recs[0]!.subarray(0, 10)), recs[0]!.length);
    expect(d).toBe(Decoded.Truncated);
  });

  it('the SYN is logged 3 times (several rules): decoded 3 times, as tshark shows it', () => {
    const syns = recs.map((r) => decode(r).s).filter((s) => s.flags === TCP_SYN);
    expect(syns.length).toBe(3);
    expect(rows.filter((r) => r['tcp.flags'] === '0x0002').length).toBe(3);
  });
});
