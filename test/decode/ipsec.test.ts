// AH and IPComp beyond what fixtures/public/AH-IPcomp-IPv6.pcap shows (its 15 frames, IPv6 tunnel mode,
// are compared with tshark field by field in tshark.test.ts): the same headers around IPv4 and in
// transport mode, built in memory around the TCP segments of two real captures. The oracle is the
// original capture's tshark output: AH and IPComp change no TCP field. (Each variant was also written
// once to a pcap and read with tshark 4.0.17, which gave the same TCP fields.)
import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { Decoded, type Segment } from '../../src/decode/segment.js';
import { formatAddress } from '../../src/decode/address.js';
import { LINKTYPE_ETHERNET } from '../../src/decode/link.js';
import { fixture, readTshark } from '../capture/oracle.js';
import { decodeRecord, pcapRecords } from './pcap-records.js';

const ETH = 14;
const AH_IPV4 = 51;
const IPCOMP = 108;

function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** An AH header of 24 bytes (96-bit ICV) naming `next`. */
function ah(next: number): Uint8Array {
  const h = new Uint8Array(24);
  h[0] = next;
  h[1] = 24 / 4 - 2;
  h.set([0xc9, 0xec, 0x89, 0x68, 0, 0, 0, 1], 4);
  return h;
}

/** An IPComp header naming `next` (negotiated CPI, as in the libpcap capture) and the DEFLATEd data. */
function ipcomp(next: number, data: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(next, 0, 0x63, 0x5c), deflateRawSync(data));
}

/** An Ethernet + IPv4 record with the same Ethernet and IPv4 header as `rec`, protocol `proto` and `body`. */
function ipv4(rec: Uint8Array, proto: number, body: Uint8Array, src?: number[], dst?: number[]): Uint8Array {
  const ihl = (rec[ETH]! & 0x0f) * 4;
  const hdr = rec.slice(0, ETH + ihl);
  const total = ihl + body.length;
  hdr[ETH + 2] = total >> 8;
  hdr[ETH + 3] = total & 0xff;
  hdr[ETH + 9] = proto;
  if (src) hdr.set(src, ETH + 12);
  if (dst) hdr.set(dst, ETH + 16);
  return cat(hdr, body);
}

function v4parts(rec: Uint8Array): { ip: Uint8Array; tcp: Uint8Array } {
  const ihl = (rec[ETH]! & 0x0f) * 4;
  const total = (rec[ETH + 2]! << 8) | rec[ETH + 3]!;
  return { ip: rec.slice(ETH, ETH + total), tcp: rec.slice(ETH + ihl, ETH + total) };
}

function fields(s: Segment): unknown[] {
  return [
    formatAddress(s.ipVersion, s.src0, s.src1, s.src2, s.src3), formatAddress(s.ipVersion, s.dst0, s.dst1, s.dst2, s.dst3),
    s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.payloadLen, s.window,
  ];
}

function tsharkFields(row: Record<string, string>): unknown[] {
  const v6 = row['ipv6.src'] !== '';
  return [
    v6 ? row['ipv6.src'] : row['ip.src'], v6 ? row['ipv6.dst'] : row['ip.dst'],
    ...['tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw'].map((k) => Number(row[k])),
    parseInt(row['tcp.flags']!, 16), Number(row['tcp.len']), Number(row['tcp.window_size_value']),
  ];
}

const get = pcapRecords(fixture('public/get.pcap'));
const getRows = readTshark('public/get.pcap')! as unknown as Array<Record<string, string>>;

describe('IPv4 AH and IPComp', () => {
  it('get.pcap: 14 TCP frames over Ethernet + IPv4, the oracle', () => {
    expect(get.linkType).toBe(LINKTYPE_ETHERNET);
    expect(get.records.length).toBe(14);
    expect(getRows.filter((r) => r['tcp.srcport'] !== '').length).toBe(14);
  });

  const variants: Array<[string, (rec: Uint8Array) => Uint8Array]> = [
    ['IPv4 → AH → TCP', (rec) => ipv4(rec, AH_IPV4, cat(ah(6), v4parts(rec).tcp))],
    ['IPv4 → AH → AH → TCP (two SAs)', (rec) => ipv4(rec, AH_IPV4, cat(ah(AH_IPV4), ah(6), v4parts(rec).tcp))],
    ['IPv4 → IPComp → TCP (transport mode)', (rec) => ipv4(rec, IPCOMP, ipcomp(6, v4parts(rec).tcp))],
    ['IPv4 → AH → IPComp → TCP', (rec) => ipv4(rec, AH_IPV4, cat(ah(IPCOMP), ipcomp(6, v4parts(rec).tcp)))],
    // Tunnel mode: the outer addresses are the gateways'; the TCP endpoints are the inner header's.
    ['IPv4 (gateways) → AH → IPComp → IPv4 → TCP (tunnel mode)', (rec) =>
      ipv4(rec, AH_IPV4, cat(ah(IPCOMP), ipcomp(4, v4parts(rec).ip)), [192, 0, 2, 1], [192, 0, 2, 2])],
  ];
  for (const [name, make] of variants) {
    it(`${name}: every frame gives the TCP fields tshark reads in get.pcap`, () => {
      get.records.forEach((rec, i) => {
        const { d, s, stats } = decodeRecord(LINKTYPE_ETHERNET, make(rec));
        expect(d, `frame ${i + 1}`).toBe(Decoded.Tcp);
        expect(fields(s), `frame ${i + 1}`).toEqual(tsharkFields(getRows[i]!));
        expect(stats).toEqual({});
      });
    });
  }

  it('an AH chain longer than 4, or an AH length past the packet, is malformed', () => {
    const rec = get.records[0]!;
    const tcp = v4parts(rec).tcp;
    const five = ipv4(rec, AH_IPV4, cat(ah(AH_IPV4), ah(AH_IPV4), ah(AH_IPV4), ah(AH_IPV4), ah(6), tcp));
    expect(decodeRecord(LINKTYPE_ETHERNET, five).d).toBe(Decoded.Malformed);
    const long = ah(6);
    long[1] = 200;
    expect(decodeRecord(LINKTYPE_ETHERNET, ipv4(rec, AH_IPV4, cat(long, tcp))).d).toBe(Decoded.Malformed);
  });

  it('IPComp that does not inflate is other IP (ipcomp-opaque); one cut by the snaplen is truncated', () => {
    const rec = get.records[3]!; // the HTTP request: 136 bytes of TCP payload
    const garbage = ipv4(rec, IPCOMP, cat(Uint8Array.of(6, 0, 0, 3), Uint8Array.of(0xff, 0xff, 0xff, 0xff)));
    expect(decodeRecord(LINKTYPE_ETHERNET, garbage)).toMatchObject({ d: Decoded.OtherIp, stats: { 'ipcomp-opaque': 1 } });
    const whole = ipv4(rec, IPCOMP, ipcomp(6, v4parts(rec).tcp));
    const cut = whole.slice(0, whole.length - 20);
    expect(decodeRecord(LINKTYPE_ETHERNET, cut, whole.length).d).toBe(Decoded.Truncated);
    // The same bytes, but the IPv4 length says the packet ends there: not cut, broken.
    const short = ipv4(rec, IPCOMP, whole.slice(ETH + 20, whole.length - 20));
    expect(decodeRecord(LINKTYPE_ETHERNET, short)).toMatchObject({ d: Decoded.OtherIp, stats: { 'ipcomp-opaque': 1 } });
  });

  it('IPComp inside a decompressed packet (RFC 3173 forbids it) is other IP, counted as ipcomp-nested', () => {
    const rec = get.records[0]!;
    const inner = v4parts(ipv4(rec, IPCOMP, ipcomp(6, v4parts(rec).tcp))).ip;
    const nested = ipv4(rec, IPCOMP, ipcomp(4, inner));
    expect(decodeRecord(LINKTYPE_ETHERNET, nested)).toMatchObject({ d: Decoded.OtherIp, stats: { 'ipcomp-nested': 1 } });
  });
});

describe('IPv6 IPComp in transport mode', () => {
  const v6 = pcapRecords(fixture('public/bug-6269-01.pcap'));
  const rows = readTshark('public/bug-6269-01.pcap')! as unknown as Array<Record<string, string>>;

  it('bug-6269-01.pcap (Ethernet + IPv6, 7 TCP frames) with IPComp before the TCP: the same TCP fields', () => {
    expect(v6.records.length).toBe(7);
    v6.records.forEach((rec, i) => {
      expect(rec[ETH + 6], 'next header TCP').toBe(6);
      const plen = (rec[ETH + 4]! << 8) | rec[ETH + 5]!;
      const body = ipcomp(6, rec.slice(ETH + 40, ETH + 40 + plen));
      const hdr = rec.slice(0, ETH + 40);
      hdr[ETH + 4] = body.length >> 8;
      hdr[ETH + 5] = body.length & 0xff;
      hdr[ETH + 6] = IPCOMP;
      const { d, s } = decodeRecord(LINKTYPE_ETHERNET, cat(hdr, body));
      expect(d, `frame ${i + 1}`).toBe(Decoded.Tcp);
      expect(fields(s), `frame ${i + 1}`).toEqual(tsharkFields(rows[i]!));
      expect(s.ttl).toBe(rec[ETH + 7]);
    });
  });
});

describe('IPComp in tunnel mode: only the headers are inflated', () => {
  const ah = pcapRecords(fixture('public/AH-IPcomp-IPv6.pcap'));
  const rows = readTshark('public/AH-IPcomp-IPv6.pcap')! as unknown as Array<Record<string, string>>;

  it('frame 4 (1364 bytes of TCP payload behind IPComp) cut by a snaplen after 300 bytes: TCP, the stated length', () => {
    const rec = ah.records[3]!;
    expect(rows[3]!['tcp.len']).toBe('1364');
    const whole = decodeRecord(LINKTYPE_ETHERNET, rec);
    const cut = decodeRecord(LINKTYPE_ETHERNET, rec.slice(0, 300), rec.length);
    expect(whole.d).toBe(Decoded.Tcp);
    expect(cut.d).toBe(Decoded.Tcp);
    expect(fields(cut.s)).toEqual(fields(whole.s));
    expect(cut.s.payloadLen).toBe(1364);
  });

  it('cut inside the compressed headers: truncated', () => {
    const rec = ah.records[3]!;
    // Ethernet 14 + IPv6 40 + AH 24 + IPComp 4, then the DEFLATE stream: 20 bytes of it cannot hold the inner headers.
    expect(decodeRecord(LINKTYPE_ETHERNET, rec.slice(0, 14 + 40 + 24 + 4 + 20), rec.length).d).toBe(Decoded.Truncated);
  });
});
