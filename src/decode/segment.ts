/** What the decoder made of one frame. Every frame gets exactly one of these. */
export const enum Decoded {
  Tcp = 0,
  /** IP, but not TCP (UDP, ICMP, a non-first fragment, ESP, ...). */
  OtherIp = 1,
  /** Not IP at all (ARP, LLC, an unknown EtherType or link type). */
  NonIp = 2,
  /** Cut short by the snaplen before the end of the fixed TCP header. */
  Truncated = 3,
  /** Impossible header fields (IHL < 5, data offset < 5, lengths past the packet). */
  Malformed = 4,
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_NS = 0x100;

/** Bits of Segment.optionMask, one per TCP option kind below 32. */
export const OPT_MSS = 1 << 2;
export const OPT_WSCALE = 1 << 3;
export const OPT_SACK_PERM = 1 << 4;
export const OPT_SACK = 1 << 5;
export const OPT_TIMESTAMP = 1 << 8;

/**
 * A decoded TCP segment. The decoder fills one reused object per frame;
 * addresses are four 32-bit words each (IPv4 as ::ffff:a.b.c.d), so a
 * connection key can be built without strings.
 *
 * The address words are held signed, as `| 0` gives them: a word past 2^31 held unsigned is no small integer
 * for V8 but a boxed double, so every packet's addresses were written into boxes and compared as doubles (2–3%
 * of a tracked packet's instructions; BENCHMARKS.md, session 21). Compare them with the slots' Int32Array view,
 * or `>>> 0` where one is kept beside unsigned ones. (seq, ack and the timestamps stay unsigned: held signed
 * they saved 0.2%.)
 */
export interface Segment {
  frame: number;
  tsSec: number;
  tsNsec: number;
  /**
   * Capture time: integer nanoseconds since the run's base whole second (Decoder.baseSec), (tsSec - base)·1e9 + tsNsec,
   * exact within 2^53 ns ≈ 104 days of the base (capture/time-base.ts).
   */
  time: number;
  /** 802.1Q/802.1ad tags: the id of one, or the last two ids outer << 12 | inner with their count << 24 (0 when untagged). */
  vlan: number;
  ipVersion: 4 | 6;
  src0: number; src1: number; src2: number; src3: number;
  dst0: number; dst1: number; dst2: number; dst3: number;
  /** IPv4 identification; -1 for IPv6. */
  ipId: number;
  ttl: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP flag bits including NS (0x100). */
  flags: number;
  window: number;
  /** Payload bytes according to the IP length, whatever the snaplen kept. */
  payloadLen: number;
  optionMask: number;
  /** -1 when absent. */
  mss: number;
  wscale: number;
  tsVal: number;
  tsEcr: number;
  sackBlocks: number;
  /** The options area was cut by the snaplen or held a bad option (length 0/1, past the header, odd SACK). */
  optionsIncomplete: boolean;
  badOptions: boolean;
}

export function newSegment(): Segment {
  return {
    // `time` starts as -0 (equal to 0): a double, not a small integer, so V8 keeps the field a double from
    // the start. Capture times are integer nanoseconds: from 0, they would be small integers until 2^31 ns
    // (2.1 s) into the capture, and the first past it would change the segment's shape and throw away the
    // optimised code of every per-packet function (~8% of the tracker's time on the 2 M tiled capture).
    frame: 0, tsSec: 0, tsNsec: 0, time: -0, vlan: 0, ipVersion: 4,
    src0: 0, src1: 0, src2: 0, src3: 0, dst0: 0, dst1: 0, dst2: 0, dst3: 0,
    ipId: -1, ttl: 0, srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0,
    payloadLen: 0, optionMask: 0, mss: -1, wscale: -1, tsVal: 0, tsEcr: 0, sackBlocks: 0,
    optionsIncomplete: false, badOptions: false,
  };
}
