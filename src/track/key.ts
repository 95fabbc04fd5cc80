import type { Segment } from '../decode/segment.js';

// murmur3's finaliser: cheap and spreads the low bits of ports and addresses well.
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function prefixHash(a0: number, a1: number, a2: number, seed: number): number {
  return mix(mix(mix(seed ^ a0) ^ a1) ^ a2);
}

const CONNECTION_SEED = 0x9e3779b9;
const LISTENER_SEED = 0x2545f491;
// Every IPv4 address shares its first three words (::ffff:): their part of the hash is computed once.
const V4 = 0xffff;
/** The connection hash's state after an IPv4 address's three shared words (exported for the hash-flooding test). */
export const V4_CONNECTION = prefixHash(0, 0, V4, CONNECTION_SEED);
const V4_LISTENER = prefixHash(0, 0, V4, LISTENER_SEED);

function endpointHash(a0: number, a1: number, a2: number, a3: number, port: number, seed: number, v4: number): number {
  const h = a0 === 0 && a1 === 0 && a2 === V4 ? v4 : prefixHash(a0, a1, a2, seed);
  return mix(mix(h ^ a3) ^ port);
}

/**
 * A 30-bit number naming the connection of a segment, the same for both
 * directions. Small enough to be a V8 small integer (no allocation per
 * packet, a fast Map key); collisions are resolved by the table's chains.
 * The VLAN tag is left out: a tag on one direction only must not split a
 * connection (table.ts tells tagged connections of one tuple apart).
 */
export function connectionKey(s: Segment): number {
  const a = endpointHash(s.src0, s.src1, s.src2, s.src3, s.srcPort, CONNECTION_SEED, V4_CONNECTION);
  const b = endpointHash(s.dst0, s.dst1, s.dst2, s.dst3, s.dstPort, CONNECTION_SEED, V4_CONNECTION);
  // Order-independent: sum and xor of the two endpoint hashes.
  return mix(((a + b) >>> 0) ^ Math.imul(a ^ b, 0x27d4eb2d)) & 0x3fffffff;
}

/** A 30-bit number naming a server endpoint (address + port), for the set of known listeners. */
export function endpointKey(a0: number, a1: number, a2: number, a3: number, port: number): number {
  return endpointHash(a0, a1, a2, a3, port, LISTENER_SEED, V4_LISTENER) & 0x3fffffff;
}

/**
 * endpointKey of a finished record's server. The record's address words are unsigned, a segment's signed
 * (decode/segment.ts): the same key either way, but passed signed, as the tracker passes a segment's,
 * endpointKey's optimised code, made on small integers, is not thrown away at the first record past 2^31.
 */
export function serverKeyOf(c: { readonly s0: number; readonly s1: number; readonly s2: number; readonly s3: number; readonly sPort: number }): number {
  return endpointKey(c.s0 | 0, c.s1 | 0, c.s2 | 0, c.s3 | 0, c.sPort);
}
