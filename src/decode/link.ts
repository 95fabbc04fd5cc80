import { Decoded, type Segment } from './segment.js';
import { decodeIp } from './ip.js';
import { decodeNflog } from './nflog.js';
import { LINKTYPE_CUSTOM_BLOCK } from '../capture/frame.js';
import { NumberedKind, type DecodeStats } from './stats.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_12 = 12;
export const LINKTYPE_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_LINUX_SLL2 = 276;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const MAX_VLAN_TAGS = 4;

const LINK_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'EN10MB', 12: 'RAW', 14: 'RAW', 101: 'RAW', 108: 'LOOP', 113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIOTAP', 228: 'IPV4', 229: 'IPV6', 239: 'NFLOG', 242: 'IPOIB', 276: 'LINUX_SLL2',
};

export function linkTypeName(t: number): string {
  return LINK_NAMES[t] ?? `DLT_${t}`;
}

/** A header of `n` bytes that the capture does not hold: cut by the snaplen, or never there on the wire. */
function short(p: number, wireEnd: number, n: number): Decoded {
  return wireEnd - p < n ? Decoded.Malformed : Decoded.Truncated;
}

/** Follows an EtherType, through any VLAN tags, to the IP header. */
function fromEtherType(b: Uint8Array, p: number, type: number, end: number, wireEnd: number, s: Segment, st: DecodeStats): Decoded {
  let vlan = 0;
  let tags = 0;
  for (; type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD; tags++) {
    if (tags >= MAX_VLAN_TAGS) return Decoded.Malformed;
    if (end - p < 4) return short(p, wireEnd, 4);
    vlan = ((vlan << 12) | (((b[p]! << 8) | b[p + 1]!) & 0x0fff)) & 0xffffff;
    type = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
  }
  // Two tags or more: their count above the ids, so QinQ 0/0 or 0/5 is not read as no tag or as VLAN 5.
  // One tag of id 0 is a priority tag (802.1p), in no VLAN: keyed as untagged, as 802.1Q defines it.
  s.vlan = tags > 1 ? vlan | (tags << 24) : vlan;
  if (type === ETH_IPV4 || type === ETH_IPV6) return decodeIp(b, p, end, wireEnd, s, st);
  if (type === 0x0806) st.count('arp');
  else if (type < 0x0600) st.count('llc');
  else st.countNumbered(NumberedKind.EtherType, type);
  return Decoded.NonIp;
}

/** BSD loopback address family, as NULL/LOOP headers carry it. */
function fromAddressFamily(b: Uint8Array, p: number, family: number, end: number, wireEnd: number, s: Segment, st: DecodeStats): Decoded {
  s.vlan = 0;
  // IPv6 is 24 on NetBSD/OpenBSD/FreeBSD-old, 28 on FreeBSD, 30 on macOS.
  if (family === 2 || family === 24 || family === 28 || family === 30) return decodeIp(b, p, end, wireEnd, s, st);
  st.countNumbered(NumberedKind.AddressFamily, family);
  return Decoded.NonIp;
}

export function decodeLink(linkType: number, b: Uint8Array, p: number, end: number, wireEnd: number, s: Segment, st: DecodeStats): Decoded {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (end - p < 14) return short(p, wireEnd, 14);
      return fromEtherType(b, p + 14, (b[p + 12]! << 8) | b[p + 13]!, end, wireEnd, s, st);
    case LINKTYPE_LINUX_SLL:
      if (end - p < 16) return short(p, wireEnd, 16);
      return fromEtherType(b, p + 16, (b[p + 14]! << 8) | b[p + 15]!, end, wireEnd, s, st);
    case LINKTYPE_LINUX_SLL2:
      if (end - p < 20) return short(p, wireEnd, 20);
      return fromEtherType(b, p + 20, (b[p]! << 8) | b[p + 1]!, end, wireEnd, s, st);
    case LINKTYPE_NULL: {
      if (end - p < 4) return short(p, wireEnd, 4);
      // Host byte order of the capturing machine: whichever reading is small is right.
      const le = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
      const family = le >>> 0 < 256 ? le : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      return fromAddressFamily(b, p + 4, family, end, wireEnd, s, st);
    }
    case LINKTYPE_LOOP: {
      if (end - p < 4) return short(p, wireEnd, 4);
      const family = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      return fromAddressFamily(b, p + 4, family, end, wireEnd, s, st);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      s.vlan = 0;
      return decodeIp(b, p, end, wireEnd, s, st);
    case LINKTYPE_NFLOG:
      return decodeNflog(b, p, end, wireEnd, s, st);
    case LINKTYPE_CUSTOM_BLOCK:
      st.count('pcapng-custom-block');
      return Decoded.NonIp;
    default:
      if (linkType < 0) st.count('undeclared-interface');
      else st.countNumbered(NumberedKind.LinkType, linkType);
      return linkType < 0 ? Decoded.Malformed : Decoded.NonIp;
  }
}
