import { inflateRaw, INFLATE_CUT } from './inflate.js';
import type { DecodeStats } from './stats.js';

// IPComp (RFC 3173, IP protocol 108): a 4-byte header (next header, flags, CPI) and the rest of the
// packet compressed. Linux's xfrm compresses with raw DEFLATE (RFC 2394), whatever CPI the SAs
// negotiated, so DEFLATE is tried whatever the CPI says, as Wireshark does. The decompressed packet is
// rebuilt in one buffer the decoder reuses, as the receiving kernel sees it after xfrm: tunnel mode
// (next header IPv4/IPv6) is the inner packet itself; transport mode gets the outer IP header back in
// front, with its protocol and length set to what follows.

const IPCOMP_HEADER = 4;
const IPV4_PROTO = 4;
const IPV6_PROTO = 41;
// The largest IP packet without a jumbogram (IPv6: 40-byte header + 65535).
const MAX_PACKET = 40 + 0xffff;
// Enough of an inner packet for its IP header, some IPv6 extension headers and a TCP header with
// options (at most 60 + 60 bytes for IPv4, 40 + 60 for IPv6 without extensions).
const TUNNEL_HEADERS = 256;

/** The rebuilt packet: valid from 0 to the length ipcompPacket returned (its captured part), until the next call. */
export const IPCOMP_PACKET = new Uint8Array(MAX_PACKET);

/**
 * Where the rebuilt packet ends on the wire: its length, or, when only its headers were inflated, the
 * length its IP header states (like a frame cut by the snaplen, whose record gives the wire length).
 */
export let ipcompWireLength = 0;

/** The payload was cut by the snaplen: the frame is truncated. */
export const IPCOMP_CUT = -1;
/** Not decompressible (not DEFLATE, corrupt, nested IPComp): the frame is other IP. */
export const IPCOMP_OPAQUE = -2;

/**
 * Rebuilds the packet behind the IPComp header at `q` of the IP packet starting at `ip` (whose header
 * extends to `packetEnd` on the wire, `end` in the capture) in IPCOMP_PACKET; returns its length, or
 * IPCOMP_CUT / IPCOMP_OPAQUE.
 */
export function ipcompPacket(b: Uint8Array, ip: number, q: number, end: number, packetEnd: number, st: DecodeStats): number {
  if (b === IPCOMP_PACKET) {
    // IPComp inside a decompressed packet: RFC 3173 forbids it, and the buffer is in use.
    st.count('ipcomp-nested');
    return IPCOMP_OPAQUE;
  }
  if (packetEnd - q < IPCOMP_HEADER) return IPCOMP_OPAQUE;
  if (end - q < IPCOMP_HEADER) return IPCOMP_CUT;
  const next = b[q]!;
  const out = IPCOMP_PACKET;
  let header = 0;
  const v4 = b[ip]! >> 4 === 4;
  if (next !== IPV4_PROTO && next !== IPV6_PROTO) header = v4 ? (b[ip]! & 0x0f) * 4 : 40;
  const dataEnd = packetEnd < end ? packetEnd : end;
  // IPv4's total length counts its header; IPv6's payload length does not.
  const outEnd = header === 0 ? MAX_PACKET : v4 ? 0xffff : 40 + 0xffff;
  // Tunnel mode: the inner IP header states the packet's length, so only the headers need inflating.
  // Transport mode: the length of what follows is the inflated length, so all of it is inflated.
  const n = inflateRaw(b, q + IPCOMP_HEADER, dataEnd, out, header, outEnd, header === 0 ? TUNNEL_HEADERS : outEnd + 1);
  if (n < 0) {
    if (n === INFLATE_CUT && end < packetEnd) return IPCOMP_CUT;
    st.count('ipcomp-opaque');
    return IPCOMP_OPAQUE;
  }
  ipcompWireLength = n;
  if (header === 0) {
    if (n >= TUNNEL_HEADERS) ipcompWireLength = Math.max(n, statedLength(out, n));
    return n;
  }
  for (let i = 0; i < header; i++) out[i] = b[ip + i]!;
  if (v4) {
    const total = header + n;
    out[2] = total >> 8;
    out[3] = total & 0xff;
    out[9] = next;
  } else {
    out[4] = n >> 8;
    out[5] = n & 0xff;
    out[6] = next;
  }
  ipcompWireLength = header + n;
  return header + n;
}

/** The length an IP header at the start of `p` states (0 when it cannot say). */
function statedLength(p: Uint8Array, n: number): number {
  const v = p[0]! >> 4;
  if (v === 4 && n >= 4) return (p[2]! << 8) | p[3]!;
  if (v === 6 && n >= 6) return 40 + ((p[4]! << 8) | p[5]!);
  return 0;
}
