// The inverse of src/track/key.ts's mix (murmur3's finaliser, a bijection of 32-bit numbers): the tests
// that craft keys a hash flood would choose (they collide under the unseeded hash) get them from it.

/** The multiplicative inverse of an odd number modulo 2^32 (Newton's iteration). */
function inverse(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x;
}

/** The number h is mix() of: mix(unmix(h)) === h >>> 0. */
export function unmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, inverse(0xc2b2ae35));
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, inverse(0x85ebca6b));
  h ^= h >>> 16;
  return h >>> 0;
}
