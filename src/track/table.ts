import { LRUCache } from 'lru-cache';
import type { Segment } from '../decode/segment.js';
import { mix } from './key.js';
import { CB, Fl, W } from './layout.js';
import { Slots } from './slots.js';

export interface TableOptions {
  /** Live connections at most; past it the least recently active is finalised early (an eviction). */
  maxConnections: number;
  /** Seed of the bucket hash; random unless a test fixes it. */
  seed?: number;
}

/**
 * Connections sharing one key at most. The key hash (key.ts) is public and
 * invertible: a crafted flood could put every connection under one key, where
 * every lookup would walk them all.
 */
const MAX_CHAIN = 8;
/** The largest cap on live connections: lru-cache allocates its lists for the whole cap at once. */
export const MAX_CONNECTIONS_LIMIT = 10_000_000;
/** lru-cache's get/set take an options object and default it to a new {} on every call; pass one. */
const NO_OPTIONS = {};
const TOUCH_EVERY_S = 1;

/**
 * The live connections: slots (slots.ts) found by a chained hash of their
 * 30-bit key, bounded and ordered by lru-cache (slot → id). The bucket hash is
 * seeded per table, so a capture written in advance cannot aim its
 * connections at one bucket; connections sharing a whole key are held to
 * MAX_CHAIN. `onEvict` hears of every connection dropped to stay within the
 * bounds, after it has left the table.
 */
export class ConnectionTable {
  readonly slots: Slots;
  private buckets: Int32Array;
  private mask: number;
  private readonly seed: number;
  private readonly lru: LRUCache<number, number>;
  private readonly maxChain: number;
  evictions = 0;
  /** Set by find(): whether the segment was sent by the connection's client. */
  lastFromClient = true;

  constructor(opts: TableOptions, private readonly onEvict: (slot: number) => void) {
    if (opts.maxConnections > MAX_CONNECTIONS_LIMIT) {
      // lru-cache allocates its lists for the whole cap at once: past this, V8 aborts the process.
      throw new RangeError(`at most ${MAX_CONNECTIONS_LIMIT} live connections, not ${opts.maxConnections}`);
    }
    const max = Math.max(1, opts.maxConnections);
    // One more than the cap: a new connection takes its slot before the LRU evicts the oldest.
    this.slots = new Slots(max + 1);
    this.maxChain = Math.min(MAX_CHAIN, max);
    // Math.random is seeded from the OS per process: unpredictable to whoever wrote the capture, and it
    // spares loading node:crypto at start-up.
    this.seed = opts.seed ?? (Math.random() * 2 ** 32) >>> 0;
    this.buckets = new Int32Array(0);
    this.mask = 0;
    this.rehash();
    this.lru = new LRUCache<number, number>({
      max,
      dispose: (_id, slot, reason) => {
        if (reason !== 'evict') return;
        this.unlink(slot);
        this.evict(slot);
      },
    });
  }

  /** Live connections. */
  get size(): number {
    return this.lru.size;
  }

  /** A cleared slot for a new connection, not yet in the table. */
  alloc(): number {
    const slot = this.slots.alloc();
    if (this.slots.capacity * 2 > this.buckets.length) this.rehash();
    return slot;
  }

  /** The slot of this segment's connection, or -1; sets lastFromClient. */
  find(key: number, s: Segment): number {
    const I = this.slots.I;
    const U = this.slots.U;
    for (let slot = this.buckets[mix(key ^ this.seed) & this.mask]!; slot >= 0; slot = I[slot * W.Size + W.Next]!) {
      const b = slot * W.Size;
      if (I[b + W.Key] !== key || I[b + W.Vlan] !== s.vlan) continue;
      if (
        U[b + W.CPort] === s.srcPort && U[b + W.SPort] === s.dstPort &&
        U[b + W.C3] === s.src3 && U[b + W.S3] === s.dst3 && U[b + W.C2] === s.src2 && U[b + W.S2] === s.dst2 &&
        U[b + W.C1] === s.src1 && U[b + W.S1] === s.dst1 && U[b + W.C0] === s.src0 && U[b + W.S0] === s.dst0
      ) {
        this.lastFromClient = true;
      } else if (
        U[b + W.CPort] === s.dstPort && U[b + W.SPort] === s.srcPort &&
        U[b + W.C3] === s.dst3 && U[b + W.S3] === s.src3 && U[b + W.C2] === s.dst2 && U[b + W.S2] === s.src2 &&
        U[b + W.C1] === s.dst1 && U[b + W.S1] === s.src1 && U[b + W.C0] === s.dst0 && U[b + W.S0] === s.src0
      ) {
        this.lastFromClient = false;
      } else continue;
      // Recency only needs to be about right (idle expiry is checked once a capture second): a slot is
      // moved to the fresh end of the LRU once a capture second at most.
      const F = this.slots.F;
      const touched = slot * Fl.Size + Fl.Touched;
      if (s.time - F[touched]! >= TOUCH_EVERY_S) {
        F[touched] = s.time;
        this.lru.get(slot, NO_OPTIONS);
      }
      return slot;
    }
    return -1;
  }

  /** Puts a filled slot (W.Key, W.Id and the addresses set) into the table; may evict others. */
  add(slot: number): void {
    const I = this.slots.I;
    const key = I[slot * W.Size + W.Key]!;
    const bucket = mix(key ^ this.seed) & this.mask;
    // A full chain of one key gives up its oldest member (the last: new ones go in front).
    let n = 0;
    let oldest = -1;
    for (let p = this.buckets[bucket]!; p >= 0; p = I[p * W.Size + W.Next]!) {
      if (I[p * W.Size + W.Key] === key) {
        n++;
        oldest = p;
      }
    }
    if (n >= this.maxChain) {
      this.remove(oldest);
      this.evict(oldest);
    }
    I[slot * W.Size + W.Next] = this.buckets[bucket]!;
    this.buckets[bucket] = slot;
    this.slots.F[slot * Fl.Size + Fl.Touched] = this.slots.F[slot * Fl.Size + Fl.FirstTime]!;
    this.lru.set(slot, I[slot * W.Size + W.Id]!, NO_OPTIONS);
  }

  remove(slot: number): void {
    this.unlink(slot);
    this.lru.delete(slot);
  }

  /** Live slots from least to most recently active. */
  oldestFirst(): IterableIterator<number> {
    return this.lru.rkeys();
  }

  private unlink(slot: number): void {
    const I = this.slots.I;
    const bucket = mix(I[slot * W.Size + W.Key]! ^ this.seed) & this.mask;
    let p = this.buckets[bucket]!;
    if (p === slot) {
      this.buckets[bucket] = I[slot * W.Size + W.Next]!;
    } else {
      while (p >= 0) {
        const next = I[p * W.Size + W.Next]!;
        if (next === slot) {
          I[p * W.Size + W.Next] = I[slot * W.Size + W.Next]!;
          break;
        }
        p = next;
      }
    }
    I[slot * W.Size + W.Next] = -1;
  }

  private evict(slot: number): void {
    this.evictions++;
    const I = this.slots.I;
    I[slot * W.Size + W.Bits] = I[slot * W.Size + W.Bits]! | CB.Evicted;
    this.onEvict(slot);
  }

  /** Twice as many buckets as slots; chains keep their order (newest first). */
  private rehash(): void {
    const n = Math.max(16, 2 ** Math.ceil(Math.log2(this.slots.capacity * 2)));
    const old = this.buckets;
    this.buckets = new Int32Array(n).fill(-1);
    this.mask = n - 1;
    const I = this.slots.I;
    const chain: number[] = [];
    for (let i = 0; i < old.length; i++) {
      chain.length = 0;
      for (let p = old[i]!; p >= 0; p = I[p * W.Size + W.Next]!) chain.push(p);
      for (let j = chain.length - 1; j >= 0; j--) {
        const slot = chain[j]!;
        const bucket = mix(I[slot * W.Size + W.Key]! ^ this.seed) & this.mask;
        I[slot * W.Size + W.Next] = this.buckets[bucket]!;
        this.buckets[bucket] = slot;
      }
    }
  }
}
