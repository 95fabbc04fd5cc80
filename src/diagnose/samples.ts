import { mix } from '../track/key.js';

/**
 * A capped list of numbers in a Float64Array: a listener keeps up to
 * hundreds of thousands of times and delays, and as JS arrays they would be
 * garbage-collected heap (boxed, regrown) rather than one flat buffer.
 */
// A listener has six sample lists and a capture can have 20 000 listeners (a port scan): nothing is
// allocated until a list gets its first value.
const NO_SAMPLES = new Float64Array(0);
const FIRST_SIZE = 16;
/**
 * Past this many samples (128 KB) a list takes its whole cap at once: the allocator maps a block that big
 * and the OS gives it pages as they are written, so the untouched rest costs address space only, and no
 * more regrown copies wait for a full collection to be freed (at 2 M packets of the tiled capture they
 * put 5 MB on the peak RSS; BENCHMARKS.md, session 10).
 */
const BIG = 16384;

export class Samples {
  private data = NO_SAMPLES;
  length = 0;

  constructor(readonly cap: number) {}

  /** Adds x unless the cap is reached; returns whether it was kept. */
  push(x: number): boolean {
    if (this.length >= this.cap) return false;
    if (this.length === this.data.length) {
      const n = this.data.length * 2;
      const bigger = new Float64Array(n > BIG ? this.cap : Math.min(this.cap, Math.max(FIRST_SIZE, n)));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
    return true;
  }

  /** The samples, in the order added (a view: valid until the next push). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** A sorted copy (numeric order). */
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

const NO_NUMBERS = new Uint32Array(0);

/**
 * A capped set of 32-bit numbers (open addressing in a Uint32Array, linear
 * probing): counts distinct flood sources without a heap object per source.
 * The hash is seeded per set: the sources are the attacker's choice.
 */
export class NumberSet {
  private slots = NO_NUMBERS;
  private readonly seed = (Math.random() * 2 ** 32) >>> 0;
  /** Whether 0 is in the set (0 marks an empty slot). */
  private zero = false;
  size = 0;

  constructor(readonly cap: number) {}

  /** Adds x (taken as uint32) unless the cap is reached; returns false when it was full and x is new. */
  add(x: number): boolean {
    x >>>= 0;
    if (x === 0) {
      if (this.zero) return true;
      if (this.size >= this.cap) return false;
      this.zero = true;
      this.size++;
      return true;
    }
    if (this.slots.length === 0) this.slots = new Uint32Array(FIRST_SIZE);
    const mask = this.slots.length - 1;
    for (let i = mix(x ^ this.seed) & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === x) return true;
      if (v === 0) {
        if (this.size >= this.cap) return false;
        this.slots[i] = x;
        this.size++;
        if (this.size * 2 > this.slots.length) this.grow();
        return true;
      }
    }
  }

  /**
   * Adds a 128-bit value (an IPv6 address) by a 32-bit hash seeded like the set, so a capture cannot
   * be made to collide its sources and look like fewer. Two distinct values share a hash with odds of
   * about size / 2^32.
   */
  add128(a0: number, a1: number, a2: number, a3: number): boolean {
    return this.add(mix(mix(mix(mix(~this.seed ^ a0) ^ a1) ^ a2) ^ a3));
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    const mask = this.slots.length - 1;
    // Indexed: a for-of over a typed array made an iterator result per slot until V8 optimised it.
    for (let j = 0; j < old.length; j++) {
      const x = old[j]!;
      if (x === 0) continue;
      let i = mix(x ^ this.seed) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = x;
    }
  }
}
