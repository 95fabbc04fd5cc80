import { LRUCache } from 'lru-cache';
import type { Segment } from '../decode/segment.js';
import { Connection } from './connection.js';

export interface TableOptions {
  /** Live connections at most; past it the least recently active is finalised early (an eviction). */
  maxConnections: number;
}

/**
 * Connections sharing one key at most. The key hash is not secret (and for
 * one server it is only as strong as a 32-bit endpoint hash): a crafted flood
 * could put every connection under one key, where the cap on keys would not
 * hold and every lookup would walk the whole chain.
 */
const MAX_CHAIN = 8;
const TOUCH_EVERY_S = 1;

/**
 * The live connections, keyed by a 52-bit number per 4-tuple + VLAN, with a
 * collision chain behind each key. lru-cache bounds it; `onEvict` hears of
 * every connection dropped to stay within the bound.
 */
export class ConnectionTable {
  private readonly lru: LRUCache<number, Connection>;
  private readonly max: number;
  private readonly maxChain: number;
  /**
   * The same key → chain head mapping as the LRU, for the per-packet lookup:
   * a plain Map get costs a fraction of lru-cache's peek. The LRU keeps the
   * order and the bound; every change goes to both.
   */
  private readonly index = new Map<number, Connection>();
  /** Connections in the table, chains included: what the cap bounds. */
  private live = 0;
  evictions = 0;

  constructor(opts: TableOptions, private readonly onEvict: (c: Connection) => void) {
    this.max = opts.maxConnections;
    this.maxChain = Math.max(1, Math.min(MAX_CHAIN, opts.maxConnections));
    this.lru = new LRUCache<number, Connection>({
      max: opts.maxConnections,
      dispose: (head, key, reason) => {
        if (reason !== 'evict') return;
        this.index.delete(key);
        for (let c: Connection | null = head; c; c = c.next) this.evict(c);
      },
    });
  }

  /** Live connections (not keys: a key may hold a short chain). */
  get size(): number {
    return this.live;
  }

  private evict(c: Connection): void {
    this.live--;
    this.evictions++;
    c.evicted = true;
    this.onEvict(c);
  }

  /** The connection of this segment and whether the segment comes from its client; null when unknown. */
  find(key: number, s: Segment): Connection | null {
    // Recency only needs to be about right (idle expiry is checked once a capture second): a key is
    // moved to the fresh end of the LRU once per capture second, and only peeked at in between.
    const head = this.index.get(key);
    if (head && s.time - head.touched >= TOUCH_EVERY_S) {
      head.touched = s.time;
      this.lru.get(key);
    }
    for (let c = head ?? null; c; c = c.next) {
      if (c.vlan !== s.vlan) continue;
      if (
        c.cPort === s.srcPort && c.sPort === s.dstPort &&
        c.c3 === s.src3 && c.s3 === s.dst3 && c.c2 === s.src2 && c.s2 === s.dst2 &&
        c.c1 === s.src1 && c.s1 === s.dst1 && c.c0 === s.src0 && c.s0 === s.dst0
      ) {
        this.lastFromClient = true;
        return c;
      }
      if (
        c.cPort === s.dstPort && c.sPort === s.srcPort &&
        c.c3 === s.dst3 && c.s3 === s.src3 && c.c2 === s.dst2 && c.s2 === s.src2 &&
        c.c1 === s.dst1 && c.s1 === s.src1 && c.c0 === s.dst0 && c.s0 === s.src0
      ) {
        this.lastFromClient = false;
        return c;
      }
    }
    return null;
  }

  /** Set by find(): whether the segment was sent by the connection's client. */
  lastFromClient = true;

  add(key: number, c: Connection): void {
    let head = this.index.get(key) ?? null;
    // A full chain gives up its oldest member (the last: new ones go in front), so a lookup walks maxChain at most.
    let n = 0;
    for (let p = head; p; p = p.next) n++;
    if (head && n >= this.maxChain) {
      if (n === 1) {
        this.lru.delete(key);
        this.index.delete(key);
        this.evict(head);
        head = null;
      } else {
        let p = head;
        while (p.next!.next) p = p.next!;
        const last = p.next!;
        p.next = null;
        this.evict(last);
      }
    }
    c.next = head;
    this.lru.set(key, c);
    this.index.set(key, c);
    this.live++;
    // The LRU counts keys; chains can take the connections past the cap: drop the least recently used keys.
    while (this.live > this.max && this.lru.size > 1) this.lru.pop();
  }

  remove(key: number, c: Connection): void {
    const head = this.index.get(key);
    if (!head) return;
    if (head === c) {
      if (c.next) {
        this.lru.set(key, c.next, { noUpdateTTL: true });
        this.index.set(key, c.next);
      } else {
        this.lru.delete(key);
        this.index.delete(key);
      }
      this.live--;
    } else {
      for (let p = head; p.next; p = p.next) {
        if (p.next === c) {
          p.next = c.next;
          this.live--;
          break;
        }
      }
    }
    c.next = null;
  }

  /** Connections from least to most recently active, with their keys. */
  *oldestFirst(): Generator<[number, Connection]> {
    for (const entry of this.lru.rentries()) {
      const k = entry[0] as number;
      for (let c: Connection | null = entry[1] as Connection; c; c = c.next) yield [k, c];
    }
  }

  /** Every connection, for the end of input. */
  *all(): Generator<[number, Connection]> {
    yield* this.oldestFirst();
  }
}
