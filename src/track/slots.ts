import type { Segment } from '../decode/segment.js';
import type { LoggedPacket } from './logged-packet.js';
import { CB, Fl, W } from './layout.js';
import { SLOT_DOUBLE_INITS } from './layout.generated.js';

/**
 * Slots allocated at once, when the input's size gives no smaller bound (run.ts connectionsAtMost). The
 * arrays are zero-filled by the OS page by page as they are first written, so slots never used cost
 * address space, not memory (but V8 counts the address space, and collects for it: a small capture gets
 * a table its size allows); growing later copies the arrays and briefly holds both, so only caps above
 * this grow (the 100 000 default never does) and bounds that were too low.
 */
const FIRST_CAPACITY = 131072;
/** The fewest slots made first for an input known to be small (a hint of 0 or 1 still gets a table that works as others do). */
const MIN_FIRST_CAPACITY = 16;

/** Retransmitted SYNs and SYN-ACKs whose frame and time are kept per connection (the counts go on). */
export const TIMELINE_MAX = 12;
/** A timeline block: the number of pairs, then TIMELINE_MAX frame, time pairs. */
const TIMELINE_DOUBLES = 1 + 2 * TIMELINE_MAX;

/**
 * A new slot's words: zeros, but for the doubles the field table starts elsewhere than 0 (Wireshark's
 * out-of-order window, NaN turnarounds: SLOT_DOUBLE_INITS), so that a slot starts as a new record does.
 */
const NEW_SLOT = ((): Int32Array => {
  const words = new Int32Array(W.Size);
  const doubles = new Float64Array(words.buffer);
  for (let i = 0; i < SLOT_DOUBLE_INITS.length; i += 2) doubles[SLOT_DOUBLE_INITS[i]!] = SLOT_DOUBLE_INITS[i + 1]!;
  return words;
})();

/**
 * The live connections' state, one slot each, in one buffer allocated for up
 * to FIRST_CAPACITY slots and grown by doubling past that. `I`, `U` and `F`
 * are three views of it (signed words, unsigned words, doubles); a slot is
 * W.Size words in a row, its per-packet numbers first (layout.ts), so one
 * connection's packet touches few cache lines. Anything rare or variable in
 * size (retransmitted SYN frames, sequence holes, logged packets) lives in
 * Maps beside them, keyed by slot, and the slot's CB.Extras bit says so.
 *
 * Growing replaces the arrays: read `I`, `U`, `F` again after `alloc()`.
 */
export class Slots {
  I: Int32Array;
  U: Uint32Array;
  F: Float64Array;
  capacity: number;
  private readonly maxCapacity: number;
  private free: Int32Array;
  private freeTop = 0;
  /** Slots ever handed out; slots past it are untouched. */
  private used = 0;
  // Maps, not arrays indexed by slot: a sparse array changes its elements kind and backing store as
  // slots come and go, and each change throws away the optimised code of every function reading it.
  /**
   * Frame, time pairs of the SYNs (SYN-ACKs) after the first, per slot: blocks of TIMELINE_DOUBLES in one
   * pool, `synBlock[slot]` (`synAckBlock[slot]`) the block's number + 1, 0 for none. Read only when the
   * slot's CB.Extras bit is set. (They were lists in Maps: a hash lookup and an array per retransmit.)
   */
  timeline = new Float64Array(64 * TIMELINE_DOUBLES);
  synBlock: Int32Array;
  synAckBlock: Int32Array;
  private timelineFree: number[] = [];
  private timelineUsed = 0;
  /** Sequence holes [from, to) per slot and direction (slot * 2 + 0 client, + 1 server). */
  readonly holes = new Map<number, number[]>();
  readonly logged = new Map<number, LoggedPacket[]>();

  /** `atMost`: the most connections the input can hold, when known (one more slot: a new one comes before an eviction). */
  constructor(maxCapacity: number, atMost?: number) {
    this.maxCapacity = Math.max(1, maxCapacity);
    const first = atMost === undefined ? FIRST_CAPACITY : Math.max(MIN_FIRST_CAPACITY, Math.ceil(atMost) + 1);
    this.capacity = Math.min(FIRST_CAPACITY, first, this.maxCapacity);
    const buf = new ArrayBuffer(this.capacity * W.Size * 4);
    this.I = new Int32Array(buf);
    this.U = new Uint32Array(buf);
    this.F = new Float64Array(buf);
    this.free = new Int32Array(this.capacity);
    this.synBlock = new Int32Array(this.capacity);
    this.synAckBlock = new Int32Array(this.capacity);
  }

  /**
   * Adds the segment's frame and time to a slot's SYN or SYN-ACK timeline (`blocks` is synBlock or
   * synAckBlock); past TIMELINE_MAX pairs the rest are not kept. (The segment, not its time: a double passed
   * to a call V8 does not inline is boxed, garbage per retransmitted SYN.)
   */
  pushTimeline(blocks: Int32Array, slot: number, s: Segment): void {
    let blk = blocks[slot]!;
    if (blk === 0) {
      blk = (this.timelineFree.length > 0 ? this.timelineFree.pop()! : this.newTimelineBlock()) + 1;
      blocks[slot] = blk;
      this.markExtras(slot);
      this.timeline[(blk - 1) * TIMELINE_DOUBLES] = 0;
    }
    const T = this.timeline;
    const at = (blk - 1) * TIMELINE_DOUBLES;
    const n = T[at]!;
    if (n >= TIMELINE_MAX) return;
    T[at + 1 + 2 * n] = s.frame;
    T[at + 2 + 2 * n] = s.time;
    T[at] = n + 1;
  }

  /** Numbers (frame, time pairs: twice the pairs) in a slot's SYN or SYN-ACK timeline. */
  timelineLength(blocks: Int32Array, slot: number): number {
    const blk = this.hasExtras(slot) ? blocks[slot]! : 0;
    return blk === 0 ? 0 : 2 * this.timeline[(blk - 1) * TIMELINE_DOUBLES]!;
  }

  /** Copies a slot's SYN or SYN-ACK timeline (frame, time pairs; timelineLength numbers) into `into`. */
  copyTimeline(blocks: Int32Array, slot: number, into: Float64Array): Float64Array {
    const at = (blocks[slot]! - 1) * TIMELINE_DOUBLES;
    const T = this.timeline;
    for (let i = 0, n = 2 * T[at]!; i < n; i++) into[i] = T[at + 1 + i]!;
    return into;
  }

  private newTimelineBlock(): number {
    if ((this.timelineUsed + 1) * TIMELINE_DOUBLES > this.timeline.length) {
      const t = new Float64Array(this.timeline.length * 2);
      t.set(this.timeline);
      this.timeline = t;
    }
    return this.timelineUsed++;
  }

  private freeTimeline(blocks: Int32Array, slot: number): void {
    const blk = blocks[slot]!;
    if (blk !== 0) {
      this.timelineFree.push(blk - 1);
      blocks[slot] = 0;
    }
  }

  /**
   * A cleared slot. May replace the arrays. The table holds one slot more than
   * its cap of live connections and evicts before it needs another, so running
   * out is a bug, not a full table.
   */
  alloc(): number {
    let slot: number;
    if (this.freeTop > 0) slot = this.free[--this.freeTop]!;
    else {
      if (this.used === this.capacity) {
        if (this.capacity >= this.maxCapacity) throw new Error(`connection slots exhausted (${this.maxCapacity})`);
        this.grow();
      }
      slot = this.used++;
    }
    this.clear(slot);
    return slot;
  }

  /** Notes that the slot has something in the side Maps, so that release() and readers look there. */
  markExtras(slot: number): void {
    const at = slot * W.Size + W.Bits;
    this.I[at] = this.I[at]! | CB.Extras;
  }

  /** Whether anything of the slot is in the side Maps (each is a cache miss to look at). */
  hasExtras(slot: number): boolean {
    return (this.I[slot * W.Size + W.Bits]! & CB.Extras) !== 0;
  }

  /** The sequence holes of one direction of a slot, if it has any. */
  holesOf(slot: number, server: boolean): number[] | undefined {
    return this.hasExtras(slot) ? this.holes.get(slot * 2 + (server ? 1 : 0)) : undefined;
  }

  /** The hole list of one direction, made on first use. */
  newHoles(slot: number, server: boolean): number[] {
    return this.listIn(this.holes, slot, slot * 2 + (server ? 1 : 0));
  }

  /** The list one of the side Maps holds for a slot under `key` (the slot unless said), made on first use. */
  listIn<T>(side: Map<number, T[]>, slot: number, key = slot): T[] {
    this.markExtras(slot);
    let list = side.get(key);
    if (!list) side.set(key, (list = []));
    return list;
  }

  release(slot: number): void {
    this.I[slot * W.Size + W.Id] = 0;
    if (this.hasExtras(slot)) {
      this.freeTimeline(this.synBlock, slot);
      this.freeTimeline(this.synAckBlock, slot);
      this.holes.delete(slot * 2);
      this.holes.delete(slot * 2 + 1);
      this.logged.delete(slot);
    }
    this.free[this.freeTop++] = slot;
  }

  private clear(slot: number): void {
    // One copy of a new slot's words, the doubles that start elsewhere than 0 among them: one call where
    // TypedArray.fill and then those doubles were a call and a loop; as fast or a little faster
    // (scripts/bench/slot-clear.mjs: 32-60 against 47-75 ns a slot in the cache, 220-347 against 285-350
    // out of it, three runs; fill was once measured against a loop of 150 stores, which took 300-700).
    this.I.set(NEW_SLOT, slot * W.Size);
  }

  private grow(): void {
    const cap = Math.min(this.maxCapacity, this.capacity * 2);
    const buf = new ArrayBuffer(cap * W.Size * 4);
    const I = new Int32Array(buf);
    I.set(this.I);
    this.I = I;
    this.U = new Uint32Array(buf);
    this.F = new Float64Array(buf);
    const free = new Int32Array(cap);
    free.set(this.free);
    this.free = free;
    const syn = new Int32Array(cap);
    syn.set(this.synBlock);
    this.synBlock = syn;
    const synAck = new Int32Array(cap);
    synAck.set(this.synAckBlock);
    this.synAckBlock = synAck;
    this.capacity = cap;
  }
}
