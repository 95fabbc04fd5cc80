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
    // Read once, up here: a property read first reached in the branch past BIG (once a list, deep into a
    // capture) had no type feedback and threw away the optimised code of every detector this is inlined in.
    const cap = this.cap;
    if (this.length >= cap) return false;
    if (this.length === this.data.length) {
      const n = this.data.length * 2;
      const bigger = new Float64Array(n > BIG ? cap : Math.min(cap, Math.max(FIRST_SIZE, n)));
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
