import { Decoded, OPT_TIMESTAMP, type Segment } from './segment.js';

/**
 * Decodes the TCP header at `p`. `end` is the end of the captured bytes,
 * `tcpLen` the segment length the IP header announces.
 */
export function decodeTcp(b: Uint8Array, p: number, end: number, tcpLen: number, s: Segment): Decoded {
  if (end - p < 20) return tcpLen >= 20 ? Decoded.Truncated : Decoded.Malformed;
  const hlen = (b[p + 12]! >> 4) * 4;
  if (hlen < 20 || hlen > tcpLen) return Decoded.Malformed;
  s.srcPort = (b[p]! << 8) | b[p + 1]!;
  s.dstPort = (b[p + 2]! << 8) | b[p + 3]!;
  s.seq = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
  s.ack = ((b[p + 8]! << 24) | (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!) >>> 0;
  s.flags = ((b[p + 12]! & 1) << 8) | b[p + 13]!;
  s.window = (b[p + 14]! << 8) | b[p + 15]!;
  s.payloadLen = tcpLen - hlen;
  s.optionMask = 0;
  s.mss = -1;
  s.wscale = -1;
  s.tsVal = 0;
  s.tsEcr = 0;
  s.sackBlocks = 0;
  s.badOptions = false;
  const optEnd = p + hlen;
  s.optionsIncomplete = optEnd > end;
  if (hlen === 32 && optEnd <= end && b[p + 20] === 1 && b[p + 21] === 1 && b[p + 22] === 8 && b[p + 23] === 10) {
    // NOP, NOP, timestamps: the options of nearly every segment after the handshake, read without the loop.
    s.optionMask = OPT_TIMESTAMP;
    s.tsVal = ((b[p + 24]! << 24) | (b[p + 25]! << 16) | (b[p + 26]! << 8) | b[p + 27]!) >>> 0;
    s.tsEcr = ((b[p + 28]! << 24) | (b[p + 29]! << 16) | (b[p + 30]! << 8) | b[p + 31]!) >>> 0;
  } else if (hlen > 20) decodeOptions(b, p + 20, optEnd < end ? optEnd : end, s);
  return Decoded.Tcp;
}

/**
 * `end` is the end of the options area, or of the captured bytes when the
 * snaplen cut it (s.optionsIncomplete is then already set).
 */
function decodeOptions(b: Uint8Array, p: number, end: number, s: Segment): void {
  while (p < end) {
    const kind = b[p]!;
    if (kind === 0) return;
    if (kind === 1) {
      p++;
      continue;
    }
    // An option running past the end: cut by the snaplen is only incomplete, past a whole header it is bad.
    if (p + 1 >= end) {
      if (!s.optionsIncomplete) s.badOptions = true;
      s.optionsIncomplete = true;
      return;
    }
    const len = b[p + 1]!;
    // Length 0 or 1 would never advance: the classic option-parser infinite loop.
    if (len < 2) {
      s.badOptions = true;
      s.optionsIncomplete = true;
      return;
    }
    if (p + len > end) {
      if (!s.optionsIncomplete) s.badOptions = true;
      s.optionsIncomplete = true;
      return;
    }
    if (kind < 32) s.optionMask |= 1 << kind;
    switch (kind) {
      case 2:
        if (len === 4) s.mss = (b[p + 2]! << 8) | b[p + 3]!;
        else s.badOptions = true;
        break;
      case 3:
        if (len === 3) s.wscale = b[p + 2]!;
        else s.badOptions = true;
        break;
      case 5:
        if ((len - 2) % 8 === 0) s.sackBlocks = (len - 2) / 8;
        else s.badOptions = true;
        break;
      case 8:
        if (len === 10) {
          s.tsVal = ((b[p + 2]! << 24) | (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!) >>> 0;
          s.tsEcr = ((b[p + 6]! << 24) | (b[p + 7]! << 16) | (b[p + 8]! << 8) | b[p + 9]!) >>> 0;
        } else s.badOptions = true;
        break;
      default:
        break;
    }
    p += len;
  }
}

