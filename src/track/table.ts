import type { Segment } from '../decode/segment.js';
import { fitsSequence } from './direction.js';
import { mix } from './key.js';
import { CB, DW, Fl, W } from './layout.js';
import { Slots } from './slots.js';
import { S } from '../capture/time-base.js';
import { MAX_CONNECTIONS_LIMIT } from './limits.js';

export interface TableOptions {
  /** Live connections at most; past it the least recently active is finalised early (an eviction). */
  maxConnections: number;
  /** Seed of the index hash; random unless a test fixes it. */
  seed?: number;
  /** The most connections the input can hold, when known: the first slots made (Slots, TrackerOptions.connectionsAtMost). */
  connectionsAtMost?: number;
}

/**
 * Connections sharing one key at most. The key hash (key.ts) is public and
 * invertible: a crafted flood could put every connection under one key, where
 * every lookup would walk them all.
 */
const MAX_CHAIN = 8;
const TOUCH_EVERY_NS = 1 * S;
const EMPTY = -1;
/** The most keys one prefetch() takes (Tracker's MAX_BATCH). */
export const MAX_PREFETCH = 64;

/**
 * The live connections: slots (slots.ts) found through an open-addressing
 * index, bounded and ordered by a least-recently-used list.
 *
 * The index is one Int32Array of (key, slot) pairs, linear probing, at most
 * half full, with backward-shift deletion (no tombstones, so probe runs stay
 * as short as the load makes them). A probe compares the 30-bit key held in
 * the index before it reads the slot: most probes never touch the slot. The
 * probe's start is the key mixed with a per-table seed, so a capture written
 * in advance cannot aim its connections at one run of the index; connections
 * sharing a whole key are held to MAX_CHAIN.
 *
 * The recency order is a doubly linked list over slot numbers in two
 * Int32Arrays (lru-cache did this with a Map beside it: ~18% more CPU for
 * the whole tracker, BENCHMARKS.md). `onEvict` hears of every connection
 * dropped to stay within the bounds, after it has left the table.
 */
export class ConnectionTable {
  readonly slots: Slots;
  private index: Int32Array;
  private mask: number;
  private readonly seed: number;
  private readonly max: number;
  private readonly maxChain: number;
  /** Recency list: older and newer neighbour of each live slot, EMPTY at the ends. */
  private older: Int32Array;
  private newer: Int32Array;
  private oldest = EMPTY;
  private newest = EMPTY;
  /** prefetch()'s index positions, and where it leaves its loads so that the compiler keeps them. */
  private readonly prefetchAt = new Int32Array(MAX_PREFETCH);
  private prefetched = 0;
  /** Live connections. */
  size = 0;
  evictions = 0;
  /** Set by find(): whether the segment was sent by the connection's client. */
  lastFromClient = true;

  constructor(opts: TableOptions, private readonly onEvict: (slot: number) => void) {
    if (opts.maxConnections > MAX_CONNECTIONS_LIMIT) {
      throw new RangeError(`at most ${MAX_CONNECTIONS_LIMIT} live connections, not ${opts.maxConnections}`);
    }
    const max = Math.max(1, opts.maxConnections);
    this.max = max;
    // One more than the cap: a new connection takes its slot before the oldest is evicted.
    this.slots = new Slots(max + 1, opts.connectionsAtMost);
    this.maxChain = Math.min(MAX_CHAIN, max);
    // Math.random is seeded from the OS per process: unpredictable to whoever wrote the capture, and it
    // spares loading node:crypto at start-up.
    // As a signed 32-bit number: always a V8 small integer. An unsigned one above 2^31 (half the seeds) is a
    // heap number, and code optimised on one table's seed was thrown away on the next table's.
    this.seed = (opts.seed ?? Math.random() * 2 ** 32) | 0;
    this.index = new Int32Array(0);
    this.mask = 0;
    this.older = new Int32Array(0);
    this.newer = new Int32Array(0);
    this.resize();
  }

  /** A cleared slot for a new connection, not yet in the table. */
  alloc(): number {
    const slot = this.slots.alloc();
    if (this.slots.capacity > this.older.length) this.resize();
    return slot;
  }

  /**
   * Reads, for each key, its index entry and then a word of each of the first six lines' worth of the slot it
   * names, the words a packet touches (fields.ts: the lookup's, the two directions', the other per-packet
   * words and doubles; test/track/layout.test.ts holds them to the first 384 bytes), and nothing more: find()
   * and the packet's update right after meet them in the cache. Each loop does one thing so that its loads are
   * independent and the processor has many in flight at once (a load that misses here costs ~200 ns alone,
   * ~45 ns among many: BENCHMARKS.md, session 11). Loading the first three lines measured no faster than the
   * first alone; all six, ~4% less tracker time (session 14, track-ab.mjs, where separate processes could not
   * tell). The slots' buffer starts 16 bytes into a line, so those bytes span seven lines; loading the seventh
   * too measured no faster (the hardware's own prefetch brings it). Changes nothing; an entry that is another
   * key's, or a slot that the batch's earlier segments replace, costs wasted loads.
   */
  prefetch(keys: Int32Array, n: number): void {
    const index = this.index;
    const mask = this.mask;
    const seed = this.seed;
    const at = this.prefetchAt;
    for (let k = 0; k < n; k++) at[k] = 2 * (mix(keys[k]! ^ seed) & mask) + 1;
    let sink = 0;
    for (let k = 0; k < n; k++) sink ^= index[at[k]!]!;
    const I = this.slots.I;
    for (let k = 0; k < n; k++) {
      const slot = index[at[k]!]!;
      if (slot === EMPTY) continue;
      const b = slot * W.Size;
      sink ^= I[b]! ^ I[b + 16]! ^ I[b + 32]! ^ I[b + 48]! ^ I[b + 64]! ^ I[b + 80]!;
    }
    this.prefetched = sink;
  }

  /**
   * Loads what removing and finishing these slots will read, all of them at once: every line of each slot
   * (the record's fill reads them all), its index entry, and its neighbours in the recency list. One at a
   * time, each of these is a miss waited for in turn (~200 ns each here); together they overlap, as
   * prefetch() does for a batch of packets. Changes nothing, so a slot that turns out not to be finished
   * (freed or reused since it closed, or not yet due) costs only its loads: its words, and neighbours that
   * may be stale, are only read, and every slot number and neighbour is within the arrays.
   */
  preload(slots: Int32Array, n: number): void {
    const I = this.slots.I;
    let sink = 0;
    for (let k = 0; k < n; k++) {
      const b = slots[k]! * W.Size;
      // The lines Tracker.loadSlot loads, written out here too: one function shared by both measured ~5% slower
      // finishing (track-ab.mjs --finishes, two runs, 1 of 18 passes faster).
      sink ^=
        I[b]! ^ I[b + 16]! ^ I[b + 32]! ^ I[b + 48]! ^ I[b + 64]! ^ I[b + 80]! ^ I[b + 96]! ^ I[b + 112]! ^ I[b + 128]! ^ I[b + 144]! ^
        I[b + 160]! ^ I[b + W.Size - 1]!;
    }
    const index = this.index;
    const mask = this.mask;
    const seed = this.seed;
    const older = this.older;
    const newer = this.newer;
    for (let k = 0; k < n; k++) {
      const slot = slots[k]!;
      sink ^= index[2 * (mix(I[slot * W.Size + W.Key]! ^ seed) & mask) + 1]! ^ older[slot]! ^ newer[slot]!;
    }
    for (let k = 0; k < n; k++) {
      const slot = slots[k]!;
      const o = older[slot]!;
      const nw = newer[slot]!;
      if (o !== EMPTY) sink ^= newer[o]!;
      if (nw !== EMPTY) sink ^= older[nw]!;
    }
    this.prefetched = sink;
  }

  /** The slot of this segment's connection, or -1; sets lastFromClient. */
  find(key: number, s: Segment): number {
    const index = this.index;
    const mask = this.mask;
    const I = this.slots.I;
    for (let i = mix(key ^ this.seed) & mask; ; i = (i + 1) & mask) {
      const slot = index[2 * i + 1]!;
      if (slot === EMPTY) return -1;
      if (index[2 * i] !== key) continue;
      const b = slot * W.Size;
      // Another tag: another VLAN's connection, unless one direction alone is tagged (see otherVlanFits).
      const otherVlan = I[b + W.Vlan] !== s.vlan;
      if (otherVlan && I[b + W.Vlan] !== 0 && s.vlan !== 0) continue;
      if (
        I[b + W.CPort] === s.srcPort && I[b + W.SPort] === s.dstPort &&
        I[b + W.C3] === s.src3 && I[b + W.S3] === s.dst3 && I[b + W.C2] === s.src2 && I[b + W.S2] === s.dst2 &&
        I[b + W.C1] === s.src1 && I[b + W.S1] === s.dst1 && I[b + W.C0] === s.src0 && I[b + W.S0] === s.dst0
      ) {
        this.lastFromClient = true;
      } else if (
        I[b + W.CPort] === s.dstPort && I[b + W.SPort] === s.srcPort &&
        I[b + W.C3] === s.dst3 && I[b + W.S3] === s.src3 && I[b + W.C2] === s.dst2 && I[b + W.S2] === s.src2 &&
        I[b + W.C1] === s.dst1 && I[b + W.S1] === s.src1 && I[b + W.C0] === s.dst0 && I[b + W.S0] === s.src0
      ) {
        this.lastFromClient = false;
      } else continue;
      if (otherVlan && !this.otherVlanFits(slot, s)) continue;
      // Recency only needs to be about right (idle expiry is checked once a capture second): a slot is
      // moved to the fresh end of the list once a capture second at most.
      const F = this.slots.F;
      const touched = slot * Fl.Size + Fl.Touched;
      if (s.time - F[touched]! >= TOUCH_EVERY_NS) {
        F[touched] = s.time;
        this.unlist(slot);
        this.append(slot);
      }
      return slot;
    }
  }

  /**
   * A segment of the slot's tuple whose VLAN tag differs from the slot's, one of the two untagged: the
   * same connection when its whole direction carries that tag (a tag added or stripped on one side of
   * the capture point) and its numbers fit the connection's; then the slot records the fact. A direction
   * already seen with the slot's own tag (the same tuple replayed on another VLAN) is not it.
   */
  private otherVlanFits(slot: number, s: Segment): boolean {
    const st = this.slots;
    const b = slot * W.Size;
    const fromClient = this.lastFromClient;
    const mark = ((s.vlan + 1) << 1) | (fromClient ? 1 : 0);
    const seen = st.U[b + W.OtherVlan]!;
    if (seen !== 0) return seen === mark;
    if (st.I[b + (fromClient ? W.Client : W.Server) + DW.Packets] !== 0 || !fitsSequence(st, slot, fromClient, s)) return false;
    st.U[b + W.OtherVlan] = mark;
    st.I[b + W.Bits] = st.I[b + W.Bits]! | CB.OneSidedVlan;
    return true;
  }

  /** Puts a filled slot (W.Key, W.Id and the addresses set) into the table; may evict others. */
  add(slot: number): void {
    const I = this.slots.I;
    const key = I[slot * W.Size + W.Key]!;
    const index = this.index;
    const mask = this.mask;
    // A full chain of one key gives up its oldest member (the lowest id: ids grow with creation).
    let n = 0;
    let oldest = -1;
    let oldestId = 0;
    let i = mix(key ^ this.seed) & mask;
    for (; index[2 * i + 1] !== EMPTY; i = (i + 1) & mask) {
      if (index[2 * i] !== key) continue;
      const p = index[2 * i + 1]!;
      const id = I[p * W.Size + W.Id]!;
      if (n++ === 0 || id < oldestId) {
        oldest = p;
        oldestId = id;
      }
    }
    if (n >= this.maxChain) {
      this.remove(oldest);
      this.evict(oldest);
      // The removal may have shifted entries back: find the free place again.
      for (i = mix(key ^ this.seed) & mask; index[2 * i + 1] !== EMPTY; i = (i + 1) & mask);
    }
    index[2 * i] = key;
    index[2 * i + 1] = slot;
    this.slots.F[slot * Fl.Size + Fl.Touched] = this.slots.F[slot * Fl.Size + Fl.FirstTime]!;
    // Full: the least recently active connection makes room (after the new one is in, as lru-cache did).
    if (this.size === this.max) {
      const victim = this.oldest;
      this.remove(victim);
      this.evict(victim);
    }
    this.append(slot);
    this.size++;
  }

  remove(slot: number): void {
    const index = this.index;
    const mask = this.mask;
    const key = this.slots.I[slot * W.Size + W.Key]!;
    let i = mix(key ^ this.seed) & mask;
    while (index[2 * i + 1] !== slot) i = (i + 1) & mask;
    // Backward shift: pull each later member of the run that may live at i back into the hole.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = index[2 * j + 1]!;
      if (s === EMPTY) break;
      const home = mix(index[2 * j]! ^ this.seed) & mask;
      // The entry stays when its home lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      index[2 * i] = index[2 * j]!;
      index[2 * i + 1] = s;
      i = j;
    }
    index[2 * i + 1] = EMPTY;
    this.unlist(slot);
    this.size--;
  }

  /** Puts the `n` least recently active live slots (or all, when fewer) into `into`, oldest first; how many. */
  oldestSlots(into: Int32Array, n: number): number {
    let k = 0;
    for (let s = this.oldest; s !== EMPTY && k < n; s = this.newer[s]!) into[k++] = s;
    return k;
  }

  /** Live slots from least to most recently active (tests and debugging; the tracker takes oldestSlots()). */
  *oldestFirst(): IterableIterator<number> {
    for (let s = this.oldest; s !== EMPTY; s = this.newer[s]!) yield s;
  }

  private append(slot: number): void {
    const last = this.newest;
    this.older[slot] = last;
    this.newer[slot] = EMPTY;
    if (last === EMPTY) this.oldest = slot;
    else this.newer[last] = slot;
    this.newest = slot;
  }

  private unlist(slot: number): void {
    const o = this.older[slot]!;
    const n = this.newer[slot]!;
    if (o === EMPTY) this.oldest = n;
    else this.newer[o] = n;
    if (n === EMPTY) this.newest = o;
    else this.older[n] = o;
  }

  private evict(slot: number): void {
    this.evictions++;
    const I = this.slots.I;
    I[slot * W.Size + W.Bits] = I[slot * W.Size + W.Bits]! | CB.Evicted;
    this.onEvict(slot);
  }

  /** Index of twice as many pairs as slots (at most half full), recency lists as long as the slots. */
  private resize(): void {
    const cap = this.slots.capacity;
    const older = new Int32Array(cap);
    const newer = new Int32Array(cap);
    older.set(this.older);
    newer.set(this.newer);
    this.older = older;
    this.newer = newer;
    const n = Math.max(16, 2 ** Math.ceil(Math.log2(cap * 2)));
    const old = this.index;
    const index = new Int32Array(2 * n).fill(EMPTY);
    const mask = n - 1;
    // From an empty entry on, once round: the entries of one key come back in the order find() met them
    // (it takes the first that fits, and two can: one tuple on two VLANs, an untagged segment between). A
    // scan from 0 put first the part of a run that had wrapped past the end.
    const pairs = old.length >> 1;
    let start = 0;
    while (start < pairs && old[2 * start + 1] !== EMPTY) start++;
    for (let k = 0; k < pairs; k++) {
      const j = 2 * ((start + k) % pairs);
      if (old[j + 1] === EMPTY) continue;
      let i = mix(old[j]! ^ this.seed) & mask;
      while (index[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      index[2 * i] = old[j]!;
      index[2 * i + 1] = old[j + 1]!;
    }
    this.index = index;
    this.mask = mask;
  }
}
