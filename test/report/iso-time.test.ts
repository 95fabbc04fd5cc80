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
});
