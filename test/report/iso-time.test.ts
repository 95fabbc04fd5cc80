import { describe, expect, it } from 'vitest';
import { isoTime, utcDateTime } from '../../src/report/model.js';

describe('isoTime', () => {
  it('formats the second and the nanoseconds, whatever second came before', () => {
    // Alternating seconds, as connections of two moments finish interleaved; the second's text is reused.
    expect(isoTime(1795253259, 328692000)).toBe('2026-11-21T09:27:39.328692000Z');
    expect(isoTime(1795253259, 1)).toBe('2026-11-21T09:27:39.000000001Z');
    expect(isoTime(1795253260, 999999999)).toBe('2026-11-21T09:27:40.999999999Z');
    expect(isoTime(1795253259, 5)).toBe('2026-11-21T09:27:39.000000005Z');
    expect(isoTime(0, 0)).toBe('1970-01-01T00:00:00.000000000Z');
    // Nanoseconds past a second carry into it.
    expect(isoTime(1795253259, 1.5e9)).toBe('2026-11-21T09:27:40.500000000Z');
    expect(isoTime(1795253259, -1)).toBe('2026-11-21T09:27:38.999999999Z');
  });

  it('writes the capture\'s digits of a second, truncated as its ticks are', () => {
    expect(isoTime(1795253382, 369682000, 6)).toBe('2026-11-21T09:29:42.369682Z');
    expect(isoTime(1766361926, 167647291, 9)).toBe('2025-12-22T00:05:26.167647291Z');
    expect(isoTime(1700000000, 123000000, 3)).toBe('2023-11-14T22:13:20.123Z');
    expect(isoTime(1700000000, 999999999, 6)).toBe('2023-11-14T22:13:20.999999Z');
    expect(isoTime(1700000000, 500000000, 0)).toBe('2023-11-14T22:13:20Z');
    // The default is nanoseconds (a summary made without a resolution).
    expect(isoTime(1700000000, 5)).toBe('2023-11-14T22:13:20.000000005Z');
  });
});

describe('utcDateTime (the whole second isoTime writes)', () => {
  // Date's own text, the fraction cut: the oracle over the whole range a Date holds, both eras.
  const byDate = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '');

  it('is what Date.prototype.toISOString writes, for every kind of second', () => {
    const seconds = [0, -1, 1, 59, 60, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_800, 4_107_542_399, 4_107_542_400, 253_402_300_799, 253_402_300_800, -62_167_219_200, -62_167_219_201, 8.64e12, -8.64e12, 1_795_253_259];
    // Leap days, centuries (1900, 2000, 2100), the years 0 and 10000 (where the form changes).
    for (const y of [1600, 1700, 1900, 2000, 2024, 2100, 2400, 9999, 10_000, 0, -1, -400]) {
      for (const [m, d] of [[1, 1], [2, 28], [2, 29], [3, 1], [12, 31]] as const) {
        const ms = Date.UTC(y, m - 1, d);
        if (y >= 0 && y < 100) continue; // Date.UTC maps 0-99 to 1900-1999
        seconds.push(ms / 1000, ms / 1000 - 1, ms / 1000 + 86_399);
      }
    }
    let state = 0x2545f491;
    for (let i = 0; i < 20_000; i++) {
      state = (Math.imul(state, 1_103_515_245) + 12_345) | 0;
      const frac = (state >>> 0) / 2 ** 32;
      seconds.push(Math.floor((frac * 2 - 1) * (i % 2 ? 8.64e12 : 4.1e9)));
    }
    const wrong = seconds.filter((s) => utcDateTime(s) !== byDate(s)).map((s) => `${s}: ${utcDateTime(s)} against ${byDate(s)}`);
    expect(wrong).toEqual([]);
    expect(utcDateTime(-62_167_219_201)).toBe('-000001-12-31T23:59:59');
    expect(utcDateTime(253_402_300_800)).toBe('+010000-01-01T00:00:00');
  });
});
