import { describe, expect, it } from 'vitest';
import { CloseQueue } from '../../src/track/close-queue.js';

function drain(q: CloseQueue): [number, number][] {
  const out: [number, number][] = [];
  while (q.size > 0) {
    out.push([q.firstSlot(), q.firstId()]);
    q.shift();
  }
  return out;
}

describe('CloseQueue', () => {
  it('hands entries back in the order they came, across wrap-around and growth', () => {
    const q = new CloseQueue();
    const want: [number, number][] = [];
    let next = 0;
    // Half in, most out, so the ring's head moves past its end before it has to grow.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 700; i++, next++) {
        q.push(next, next * 7 + 1);
        want.push([next, next * 7 + 1]);
      }
      // slotAt reads ahead of the head, across the ring's end (sweep() loads a group of slots that way).
      for (let i = 0; i < q.size; i += 97) expect(q.slotAt(i)).toBe(want[i]![0]);
      expect(q.slotAt(q.size - 1)).toBe(want[want.length - 1]![0]);
      for (let i = 0; i < 500; i++) {
        expect([q.firstSlot(), q.firstId()]).toEqual(want.shift());
        q.shift();
      }
    }
    expect(q.size).toBe(want.length);
    expect(drain(q)).toEqual(want);
  });

  it('filters in place and keeps the order of what stays', () => {
    const q = new CloseQueue();
    for (let i = 0; i < 900; i++) q.push(i, i);
    for (let i = 0; i < 800; i++) q.shift();
    for (let i = 900; i < 2100; i++) q.push(i, -i);
    q.filter((slot) => slot % 3 === 0);
    const kept = drain(q);
    const want: [number, number][] = [];
    for (let i = 800; i < 2100; i++) if (i % 3 === 0) want.push([i, i < 900 ? i : -i]);
    expect(kept).toEqual(want);
  });
});
