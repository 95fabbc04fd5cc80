import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/report/model.js';

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
