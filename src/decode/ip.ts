import { Decoded, type Segment } from './segment.js';
import { decodeTcp } from './tcp.js';
import { NumberedKind, type DecodeStats } from './stats.js';
import { IPCOMP_CUT, IPCOMP_PACKET, ipcompPacket, ipcompWireLength } from './ipcomp.js';

const PROTO_TCP = 6;
const IPV4_MAPPED = 0xffff;
// More headers than any real packet carries: a chain longer than this loops or is hostile.
const MAX_IPV6_EXTENSIONS = 16;
const MAX_TUNNEL_DEPTH = 3;
const PROTO_AH = 51;
const PROTO_IPCOMP = 108;
// Two AH headers (tunnel and transport SAs) is the most a real packet has.
const MAX_IPV4_AH = 4;

/**
 * `end` is the end of the captured bytes; `wireEnd` where the packet ended
 * on the wire (from the record's original length), which may lie past `end`
 * when the snaplen cut the frame.
 */
export function decodeIp(b: Uint8Array, p: number, end: number, wireEnd: number, s: Segment, st: DecodeStats, depth = 0): Decoded {
  if (end - p < 1) return wireEnd - p < 1 ? Decoded.Malformed : Decoded.Truncated;
  const v = b[p]! >> 4;
  if (v === 4) return decodeIpv4(b, p, end, wireEnd, s, st, depth);
  if (v === 6) return decodeIpv6(b, p, end, wireEnd, s, st, depth);
  st.count('ip-bad-version');
  return Decoded.Malformed;
}

function decodeIpv4(b: Uint8Array, p: number, end: number, wireEnd: number, s: Segment, st: DecodeStats, depth: number): Decoded {
  if (end - p < 20) return wireEnd - p < 20 ? Decoded.Malformed : Decoded.Truncated;
  const ihl = (b[p]! & 0x0f) * 4;
  let total = (b[p + 2]! << 8) | b[p + 3]!;
  if (ihl < 20) return Decoded.Malformed;
  // TCP segmentation offload: the sender's own capture shows total length 0.
  if (total === 0) total = wireEnd - p;
  if (total < ihl || total > wireEnd - p) return Decoded.Malformed;
  if (end - p < ihl) return Decoded.Truncated;
  const fragOffset = ((b[p + 6]! & 0x1f) << 8) | b[p + 7]!;
  let proto = b[p + 9]!;
  if (fragOffset !== 0) {
    st.count('ipv4-fragment');
    return Decoded.OtherIp;
  }
  // AH authenticates without encrypting: the header it names next is readable, as in IPv6.
  let q = p + ihl;
  for (let i = 0; proto === PROTO_AH; i++) {
    if (i >= MAX_IPV4_AH || p + total - q < 8) return Decoded.Malformed;
    if (end - q < 8) return Decoded.Truncated;
    proto = b[q]!;
    q += (b[q + 1]! + 2) * 4;
    if (q > p + total) return Decoded.Malformed;
  }
  if (proto !== PROTO_TCP) {
    if (proto === 4 || proto === 41) {
      if (depth >= MAX_TUNNEL_DEPTH) return Decoded.Malformed;
      return decodeIp(b, q, end, p + total, s, st, depth + 1);
    }
    if (proto === PROTO_IPCOMP) return decompressed(b, p, q, end, p + total, s, st, depth);
    if (proto === 17) st.count('udp');
    else if (proto === 1) st.count('icmp');
    else st.countNumbered(NumberedKind.IpProtocol, proto);
    return Decoded.OtherIp;
  }
  s.ipVersion = 4;
  s.src0 = 0; s.src1 = 0; s.src2 = IPV4_MAPPED;
  s.src3 = (b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!;
  s.dst0 = 0; s.dst1 = 0; s.dst2 = IPV4_MAPPED;
  s.dst3 = (b[p + 16]! << 24) | (b[p + 17]! << 16) | (b[p + 18]! << 8) | b[p + 19]!;
  // Loose or strict source routing: the header holds the next hop, the option the real destination.
  if (ihl > 20) finalDestination(b, p + 20, p + ihl, s);
  s.ipId = (b[p + 4]! << 8) | b[p + 5]!;
  s.ttl = b[p + 8]!;
  const tcpEnd = p + total < end ? p + total : end;
  return decodeTcp(b, q, tcpEnd, p + total - q, s);
}

/** The packet behind an IPComp header (ipcomp.ts), decoded as the receiving kernel sees it after decompression. */
function decompressed(b: Uint8Array, ip: number, q: number, end: number, packetEnd: number, s: Segment, st: DecodeStats, depth: number): Decoded {
  if (depth >= MAX_TUNNEL_DEPTH) return Decoded.Malformed;
  const n = ipcompPacket(b, ip, q, end, packetEnd, st);
  if (n < 0) return n === IPCOMP_CUT ? Decoded.Truncated : Decoded.OtherIp;
  return decodeIp(IPCOMP_PACKET, 0, n, ipcompWireLength, s, st, depth + 1);
}

const OPT_LSRR = 131;
const OPT_SSRR = 137;

/** Sets s.dst3 to the last address of an LSRR/SSRR option, as Wireshark's ip.dst does. */
function finalDestination(b: Uint8Array, p: number, end: number, s: Segment): void {
  while (p < end) {
    const type = b[p]!;
    if (type === 0) return;
    if (type === 1) {
      p++;
      continue;
    }
    if (p + 1 >= end) return;
    const len = b[p + 1]!;
    if (len < 2 || p + len > end) return;
    if ((type === OPT_LSRR || type === OPT_SSRR) && len >= 7) {
      const last = p + 3 + Math.floor((len - 3) / 4) * 4 - 4;
      s.dst3 = word(b, last);
    }
    p += len;
  }
}

function word(b: Uint8Array, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

function decodeIpv6(b: Uint8Array, p: number, end: number, wireEnd: number, s: Segment, st: DecodeStats, depth: number): Decoded {
  if (end - p < 40) return wireEnd - p < 40 ? Decoded.Malformed : Decoded.Truncated;
  let payload = (b[p + 4]! << 8) | b[p + 5]!;
  // Jumbograms (payload length 0) carry the length in hop-by-hop: trust the wire length.
  if (payload === 0) payload = wireEnd - p - 40;
  if (40 + payload > wireEnd - p) return Decoded.Malformed;
  const packetEnd = p + 40 + payload;
  let next = b[p + 6]!;
  const hop = b[p + 7]!;
  const ip = p;
  let q = p + 40;
  for (let i = 0; ; i++) {
    if (next === PROTO_TCP) break;
    if (i >= MAX_IPV6_EXTENSIONS) return Decoded.Malformed;
    if (next === 0 || next === 43 || next === 60 || next === 51 || next === 44) {
      if (packetEnd - q < 8) return Decoded.Malformed;
      if (end - q < 8) return Decoded.Truncated;
      if (next === 44) {
        const fragOffset = ((b[q + 2]! << 8) | b[q + 3]!) >> 3;
        if (fragOffset !== 0) {
          st.count('ipv6-fragment');
          return Decoded.OtherIp;
        }
        next = b[q]!;
        q += 8;
        continue;
      }
      const len = next === 51 ? (b[q + 1]! + 2) * 4 : (b[q + 1]! + 1) * 8;
      next = b[q]!;
      q += len;
      if (q > packetEnd) return Decoded.Malformed;
      continue;
    }
    if (next === 41 || next === 4) {
      if (depth >= MAX_TUNNEL_DEPTH) return Decoded.Malformed;
      return decodeIp(b, q, end, packetEnd, s, st, depth + 1);
    }
    if (next === PROTO_IPCOMP) return decompressed(b, ip, q, end, packetEnd, s, st, depth);
    if (next === 17) st.count('udp');
    else if (next === 58) st.count('icmpv6');
    else if (next === 50) st.count('esp');
    else if (next === 59) st.count('ipv6-no-next-header');
    else st.countNumbered(NumberedKind.IpProtocol, next);
    return Decoded.OtherIp;
  }
  s.ipVersion = 6;
  s.src0 = word(b, ip + 8); s.src1 = word(b, ip + 12); s.src2 = word(b, ip + 16); s.src3 = word(b, ip + 20);
  s.dst0 = word(b, ip + 24); s.dst1 = word(b, ip + 28); s.dst2 = word(b, ip + 32); s.dst3 = word(b, ip + 36);
  s.ipId = -1;
  s.ttl = hop;
  return decodeTcp(b, q, packetEnd < end ? packetEnd : end, packetEnd - q, s);
}
