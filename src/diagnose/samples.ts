/**
 * A capped list of numbers in a Float64Array: a listener keeps up to
 * hundreds of thousands of times and delays, and as JS arrays they would be
 * garbage-collected heap (boxed, regrown) rather than one flat buffer.
 */
export class Samples {
  private data: Float64Array;
  length = 0;

  constructor(readonly cap: number) {
    this.data = new Float64Array(Math.min(cap, 256));
  }

  /** Adds x unless the cap is reached; returns whether it was kept. */
  push(x: number): boolean {
    if (this.length >= this.cap) return false;
    if (this.length === this.data.length) {
      const bigger = new Float64Array(Math.min(this.cap, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
    return true;
  }

  get full(): boolean {
    return this.length >= this.cap;
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
