/**
 * pcapng timestamps are 64-bit counts of `if_tsresol` units. They are turned
 * into whole seconds + nanoseconds without going through a lossy float of
 * epoch nanoseconds: exact double arithmetic while the count fits in 53 bits
 * (microsecond resolution until the year 2255), BigInt beyond.
 */
export class TimestampScale {
  /** Units per second when the resolution is a power of ten, else 0. */
  private readonly decimalUnits: number;
  private readonly nsPerUnit: number;
  private readonly binaryShift: number;
  private readonly bigUnits: bigint;
  private cachedHi = -1;
  private cachedSec = 0;
  private cachedRem = 0;

  constructor(
    readonly tsresol: number,
    /** if_tsoffset, in seconds. */
    readonly offsetSec: number,
  ) {
    if (tsresol & 0x80) {
      this.binaryShift = tsresol & 0x7f;
      this.decimalUnits = 0;
      this.nsPerUnit = 0;
      this.bigUnits = 1n << BigInt(this.binaryShift);
    } else {
      this.binaryShift = -1;
      this.decimalUnits = 10 ** tsresol;
      this.nsPerUnit = tsresol <= 9 ? 10 ** (9 - tsresol) : 0;
      this.bigUnits = 10n ** BigInt(tsresol);
    }
  }

  /** Writes seconds and nanoseconds of the count hi:lo into out[0], out[1]. */
  convert(hi: number, lo: number, out: Float64Array): void {
    if (this.binaryShift < 0 && this.nsPerUnit > 0) {
      if (hi < 0x200000) {
        const units = hi * 4294967296 + lo;
        const sec = Math.floor(units / this.decimalUnits);
        out[0] = sec + this.offsetSec;
        out[1] = (units - sec * this.decimalUnits) * this.nsPerUnit;
        return;
      }
      // Nanosecond counts pass 2^53 today. hi changes every 4.3 s of capture at most: split hi·2^32 into
      // whole seconds and a remainder once per change (BigInt), then the rest is exact in doubles.
      if (hi !== this.cachedHi) {
        const h = BigInt(hi) << 32n;
        const sec = h / this.bigUnits;
        this.cachedHi = hi;
        this.cachedSec = Number(sec);
        this.cachedRem = Number(h - sec * this.bigUnits);
      }
      const rem = this.cachedRem + lo;
      const extra = Math.floor(rem / this.decimalUnits);
      out[0] = this.cachedSec + extra + this.offsetSec;
      out[1] = (rem - extra * this.decimalUnits) * this.nsPerUnit;
      return;
    }
    const units = (BigInt(hi) << 32n) | BigInt(lo);
    const sec = units / this.bigUnits;
    const rem = units - sec * this.bigUnits;
    out[0] = Number(sec) + this.offsetSec;
    out[1] = Number((rem * 1_000_000_000n) / this.bigUnits);
  }
}

export const MICROSECONDS = new TimestampScale(6, 0);
