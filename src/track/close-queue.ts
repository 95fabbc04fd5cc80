/**
 * Closed connections waiting out their hold, oldest first: (slot, id) pairs in
 * a ring of typed arrays that doubles when full. An id names the connection
 * that was in the slot when it closed, so an entry whose slot has since been
 * freed or reused is recognised and skipped. Every close passes through here:
 * plain arrays, pushed to and sliced, made a few dozen bytes of garbage each.
 */
export class CloseQueue {
  private slots = new Int32Array(1024);
  private ids = new Int32Array(1024);
  private head = 0;
  size = 0;

  push(slot: number, id: number): void {
    if (this.size === this.slots.length) this.grow();
    const at = (this.head + this.size) & (this.slots.length - 1);
    this.slots[at] = slot;
    this.ids[at] = id;
    this.size++;
  }

  /** The oldest entry's slot and id (size > 0). */
  firstSlot(): number {
    return this.slots[this.head]!;
  }

  firstId(): number {
    return this.ids[this.head]!;
  }

  /** The slot of the entry `i` places after the oldest (i < size). */
  slotAt(i: number): number {
    return this.slots[(this.head + i) & (this.slots.length - 1)]!;
  }

  shift(): void {
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.size--;
  }

  /** Keeps, in order, only the entries for which `keep(slot, id)` holds. */
  filter(keep: (slot: number, id: number) => boolean): void {
    const mask = this.slots.length - 1;
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const at = (this.head + i) & mask;
      const slot = this.slots[at]!;
      const id = this.ids[at]!;
      if (!keep(slot, id)) continue;
      const to = (this.head + n) & mask;
      this.slots[to] = slot;
      this.ids[to] = id;
      n++;
    }
    this.size = n;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const n = this.slots.length;
    const slots = new Int32Array(n * 2);
    const ids = new Int32Array(n * 2);
    for (let i = 0; i < this.size; i++) {
      slots[i] = this.slots[(this.head + i) & (n - 1)]!;
      ids[i] = this.ids[(this.head + i) & (n - 1)]!;
    }
    this.slots = slots;
    this.ids = ids;
    this.head = 0;
  }
}
