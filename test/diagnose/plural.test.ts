import { describe, expect, it } from 'vitest';
import { plural } from '../../src/diagnose/plural.js';

describe('plural', () => {
  it('singular for one only', () => {
    expect(plural(1, 'SYN')).toBe('1 SYN');
    expect(plural(22, 'SYN')).toBe('22 SYNs');
    expect(plural(0, 'client segment')).toBe('0 client segments');
    expect(plural(2, 'was', 'were')).toBe('2 were');
  });
});
