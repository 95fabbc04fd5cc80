import type { Connection } from '../track/connection.js';
import { mix } from '../track/key.js';

const NO_KEYS = new Uint32Array(0);
const NO_VALUES = new Uint8Array(0);
// A port scan makes up to 20 000 listeners, each with its tables: nothing is allocated until the first key,
// and the first table is small.
const FIRST_SIZE = 4;
/** What place() and insert() say of key 0 (kept beside the table: 0 marks a free place) and of a key refused at the cap. */
const ZERO = -1;
const REFUSED = -2;

/**
 * A capped set of uint32 keys, each with a small value (bit flags, 0–255) when made `withValues`: open
 * addressing with linear probing in a Uint32Array (the values in a Uint8Array beside it), kept at most half
 * full: 8 to 16 bytes a key (10 to 20 with values) where a Set or Map of numbers took ~37, and nothing
 * allocated per key once the table has grown. It counts the distinct sources of a flood (syn-flood.ts), the sources
 * with SYNs dropped or answered (differential.ts SourceTally) and the connections of dropped SYNs
 * (queue-occupancy.ts).
 *
 * The keys are the attacker's choice (source addresses), so the hash is seeded per table: an unseeded one
 * lets a flood pick addresses that all land on one run of places, and every insert walks it (quadratic:
 * 300 000 crafted SYNs took 27 s, review of session 10).
 */
export class NumberTable {
  private keys = NO_KEYS;
  /** Each key's value at its place (empty without values). */
  private values = NO_VALUES;
  private hasZero = false;
  private zeroValue = 0;
  /** A small integer, so code optimised on one table's seed serves the next. */
  private readonly seed = (Math.random() * 2 ** 31) | 0;
  /** Distinct keys held. */
  size = 0;
  /** Whether a new key was refused at the cap. */
  capped = false;
  /** Places looked at past the first, over every lookup: how well the hash spreads (tests). */
  probeSteps = 0;

  /**
   * `expected`: about how many keys will come, when the caller knows (the table then starts big enough to
   * hold them without growing: each growth places every key again).
   */
  constructor(
    readonly cap: number,
    private readonly withValues = false,
    private readonly expected = 0,
  ) {}

  /** Adds x (taken as uint32) unless it is new and the cap is reached; returns whether x is in the table. */
  add(x: number): boolean {
    return this.insert(x >>> 0) !== REFUSED;
  }

  /** Adds x as add() does and sets `bits` in its value (a table made withValues). */
  mark(x: number, bits: number): boolean {
    const i = this.insert(x >>> 0);
    if (i === REFUSED) return false;
    if (i === ZERO) this.zeroValue |= bits;
    else this.values[i] |= bits;
    return true;
  }

  /**
   * The key of a connection's client address: an IPv4 address itself, an IPv6 one a 32-bit hash seeded like
   * the table, so a capture cannot be made to collide its sources and look like fewer. Two distinct IPv6
   * addresses share a key with odds of about size / 2^32.
   */
  clientKey(c: Connection): number {
    return c.ipVersion === 4 ? c.c3 >>> 0 : mix(mix(mix(mix(~this.seed ^ c.c0) ^ c.c1) ^ c.c2) ^ c.c3);
  }

  /** Each key with its value (0 without values): key 0 first, then in table order. */
  forEach(f: (key: number, value: number) => void): void {
    if (this.hasZero) f(0, this.zeroValue);
    const { keys, values } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) f(keys[i]!, this.withValues ? values[i]! : 0);
  }

  /** x's place (ZERO for 0), REFUSED when x is new and the table full. */
  private insert(x: number): number {
    if (x === 0) {
      if (this.hasZero) return ZERO;
      if (this.size >= this.cap) return this.refuse();
      this.hasZero = true;
      this.size++;
      return ZERO;
    }
    if (this.keys.length === 0) this.resize(this.firstSize());
    let i = this.place(x);
    if (this.keys[i] === x) return i;
    if (this.size >= this.cap) return this.refuse();
    if ((this.size + 1) * 2 > this.keys.length) {
      this.resize(this.keys.length * 2);
      i = this.place(x);
    }
    this.keys[i] = x;
    this.size++;
    return i;
  }

  /** The first table: FIRST_SIZE, or room for `expected` keys (up to the cap) at most half full. */
  private firstSize(): number {
    let size = FIRST_SIZE;
    const want = Math.min(this.expected, this.cap);
    while (size < want * 2) size *= 2;
    return size;
  }

  private refuse(): number {
    this.capped = true;
    return REFUSED;
  }

  /** Where key x (not 0) is, or the free place it would go (the table has room). */
  private place(x: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    // mix() is murmur3's finaliser: every bit of the key and of the seed moves its low bits.
    let i = mix(x ^ this.seed) & mask;
    for (let k = keys[i]!; k !== 0 && k !== x; k = keys[i]!) {
      i = (i + 1) & mask;
      this.probeSteps++;
    }
    return i;
  }

  private resize(size: number): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Uint32Array(size);
    if (this.withValues) this.values = new Uint8Array(size);
    // Indexed: a for-of over a typed array made an iterator result per place until V8 optimised it.
    for (let j = 0; j < keys.length; j++) {
      const x = keys[j]!;
      if (x === 0) continue;
      const i = this.place(x);
      this.keys[i] = x;
      if (this.withValues) this.values[i] = values[j]!;
    }
  }
}
