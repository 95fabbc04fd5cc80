// How finely a capture writes its timestamps: classic pcap says µs or ns in its magic, pcapng says it per
// interface (if_tsresol: 10^-n or 2^-n seconds). The reports print times with this many digits, so a
// microsecond capture's times read as the capture holds them (`…42.369682Z`, not `…42.369682000Z`).

/** A timestamp unit of 10^-exponent or 2^-exponent seconds. */
export interface TimestampResolution {
  base: 10 | 2;
  exponent: number;
}

export const MICROSECOND_RESOLUTION: TimestampResolution = { base: 10, exponent: 6 };
export const NANOSECOND_RESOLUTION: TimestampResolution = { base: 10, exponent: 9 };

/** The resolution of a pcapng if_tsresol byte (bit 7: a power of two). */
export function resolutionOfTsresol(tsresol: number): TimestampResolution {
  return tsresol & 0x80 ? { base: 2, exponent: tsresol & 0x7f } : { base: 10, exponent: tsresol };
}

/** Bits per second of the unit, to compare a decimal and a binary resolution. */
function bits(r: TimestampResolution): number {
  return r.base === 2 ? r.exponent : r.exponent * Math.log2(10);
}

/** The finer of two resolutions (a when they are equal); b when a is null. */
export function finerResolution(a: TimestampResolution | null, b: TimestampResolution): TimestampResolution {
  return a === null || bits(b) > bits(a) ? b : a;
}

/**
 * Decimal digits of a second the times are printed with: n for 10^-n, at most 9 (tcpdiag keeps
 * nanoseconds). For 2^-n also n (at most 9): 2^-n s is 5^n / 10^n, so n digits write every tick exactly
 * (2^-9 s: `06.869140625`, where fewer digits would print a time the capture does not hold; tshark 4.0
 * prints `06.86`). Past 9, the nanoseconds the ticks were truncated to.
 */
export function resolutionDigits(r: TimestampResolution): number {
  return Math.min(9, Math.max(0, r.exponent));
}

const DECIMAL_NAMES: Record<number, string> = { 0: 's', 3: 'ms', 6: 'us', 9: 'ns', 12: 'ps' };

/** As the JSON report names it: `us`, `ns`, `ms`, `s`, `ps`; otherwise `1e-N` or `2^-N` (seconds). */
export function resolutionName(r: TimestampResolution): string {
  if (r.base === 2) return `2^-${r.exponent}`;
  return DECIMAL_NAMES[r.exponent] ?? `1e-${r.exponent}`;
}
