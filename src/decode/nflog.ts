import { Decoded, type Segment } from './segment.js';
import { decodeIp } from './ip.js';
import type { DecodeStats } from './stats.js';

// LINKTYPE_NFLOG (239), what `tcpdump -i nflog:N` writes: a 4-byte header (address family, version,
// resource id) and then the attributes of one netlink log message as TLVs. The packet itself, from
// its IP header on, is the value of the NFULA_PAYLOAD attribute.
// https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html
const NFLOG_HEADER = 4;
const TLV_HEADER = 4;
const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;
// Attribute types are small numbers; the top two bits are netlink flags (nested, network byte order).
const TLV_TYPE_MASK = 0x3fff;

/**
 * Finds the NFULA_PAYLOAD attribute and decodes the IP packet in it. TLV lengths and types are in the
 * byte order of the host that captured (LINKTYPE_NFLOG says so): the first TLV's type tells which,
 * since a type read in the wrong order has its low byte zero and a high byte that is not.
 */
export function decodeNflog(b: Uint8Array, p: number, end: number, wireEnd: number, s: Segment, st: DecodeStats): Decoded {
  if (end - p < NFLOG_HEADER) return wireEnd - p < NFLOG_HEADER ? Decoded.Malformed : Decoded.Truncated;
  const family = b[p]!;
  s.vlan = 0;
  let q = p + NFLOG_HEADER;
  const bigEndian = end - q >= TLV_HEADER && b[q + 2] === 0 && b[q + 3] !== 0;
  while (q < end) {
    if (end - q < TLV_HEADER) return wireEnd - q < TLV_HEADER ? Decoded.Malformed : Decoded.Truncated;
    const len = bigEndian ? (b[q]! << 8) | b[q + 1]! : b[q]! | (b[q + 1]! << 8);
    const type = (bigEndian ? (b[q + 2]! << 8) | b[q + 3]! : b[q + 2]! | (b[q + 3]! << 8)) & TLV_TYPE_MASK;
    if (len < TLV_HEADER || q + len > wireEnd) return Decoded.Malformed;
    if (type === NFULA_PAYLOAD) {
      if (family !== AF_INET && family !== AF_INET6) {
        st.count('nflog-not-ip');
        return Decoded.NonIp;
      }
      const ip = q + TLV_HEADER;
      const valueEnd = q + len;
      return decodeIp(b, ip, valueEnd < end ? valueEnd : end, ip + copiedLength(b, ip, valueEnd, end), s, st);
    }
    // Values are padded to a multiple of 4 bytes; the length does not count the padding.
    q += (len + 3) & ~3;
  }
  // The snaplen cut the record before its payload attribute.
  if (end < wireEnd) return Decoded.Truncated;
  st.count('nflog-no-payload');
  return Decoded.NonIp;
}

/**
 * The length the IP packet had on the wire. The logging rule may copy only the first bytes of a packet
 * (`--nflog-size`, tcpdump's snaplen), and NFLOG records no original length: the IP header's own
 * length, when it says more than was copied, is the best there is: the packet is read as cut by a
 * snaplen, its TCP length the sent one, which the next sequence numbers follow. (Wireshark instead ends
 * the packet at the copied bytes, warning "IPv4 total length exceeds packet length".)
 */
function copiedLength(b: Uint8Array, ip: number, valueEnd: number, end: number): number {
  const copied = valueEnd - ip;
  let claimed = 0;
  if (end - ip >= 4 && b[ip]! >> 4 === 4) claimed = (b[ip + 2]! << 8) | b[ip + 3]!;
  else if (end - ip >= 6 && b[ip]! >> 4 === 6) claimed = 40 + ((b[ip + 4]! << 8) | b[ip + 5]!);
  return claimed > copied ? claimed : copied;
}
