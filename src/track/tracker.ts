import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type Segment } from '../decode/segment.js';
import { Connection } from './connection.js';
import { updateConnection } from './handshake.js';
import { flipHistory } from './history.js';
import { CloseQueue } from './close-queue.js';
import { RecentSegments } from './duplicates.js';
import { connectionKey, endpointKey } from './key.js';
import { CB, DB, DW, Fl, RoleCode, Side, W } from './layout.js';
import { ConnectionTable, MAX_PREFETCH } from './table.js';
import { S } from '../capture/time-base.js';

export interface TrackerOptions {
  /** Cap on live connections (memory bound). */
  maxConnections?: number;
  /** Capture nanoseconds without a packet after which a connection is finalised. */
  idleTimeout?: number;
  /** Capture nanoseconds a closed or reset connection stays, so late retransmits still land on it. */
  closeHold?: number;
  /** Connection ids (order of creation) whose packets are logged one by one. */
  logPackets?: ReadonlySet<number>;
  /**
   * Hand every finished connection downstream in one reused object, valid
   * until `emit` returns. Only for consumers that keep nothing of the object
   * itself.
   */
  recycle?: boolean;
  /** Seed of the table's bucket hash; random unless a test fixes it. */
  hashSeed?: number;
  /**
   * Keep Zeek's history letters and endpoint states (Connection.history, clientState, serverState; default
   * true). Only `flows` prints them and nothing in the diagnosis reads them, so analyze and watch turn them
   * off: −5.8% of the tracker's CPU, 22 of 24 alternating pairs (BENCHMARKS.md, session 12). Off,
   * a connection's history is '' and both states INACTIVE.
   */
  zeek?: boolean;
  /**
   * The most connections the input can hold, when its size says so (run.ts connectionsAtMost): the table's
   * first slots are made for that many, not for 131,072. A table of the default size is ~70 MB of address
   * space, and V8 answers that much external memory with garbage collections that cost a small capture's
   * run ~10 ms (BENCHMARKS.md, session 17). Only a first size: past it the table grows as under a cap.
   */
  connectionsAtMost?: number;
}

/**
 * SLOT_BYTES (704) of typed arrays per live connection (limits.ts, layout.ts): 100 000 of them
 * take 70 MB, well under the 200 MB the project promises.
 */
export const DEFAULT_MAX_CONNECTIONS = 100_000;
/** Longer than the longest gap between SYN retransmits (64 s), so a slow connect stays one connection. */
export const DEFAULT_IDLE_TIMEOUT_NS = 120 * S;
/** Zeek's tcp_close_delay. */
export const DEFAULT_CLOSE_HOLD_NS = 5 * S;
/** A SYN with a new ISN on a tuple idle this long starts a new connection even without a close. */
const REUSE_IDLE_NS = 2 * S;
const SWEEP_EVERY_NS = 1 * S;
/** ISNs a connection's client left behind that are remembered, and the numbers kept of each (Tracker.switchIsn). */
const ISNS_ASIDE = 32;
const ISN_ENTRY_WORDS = 4;
/** Server endpoints remembered for role guessing; a flood of spoofed SYN-ACKs must not grow the set without end. */
const MAX_LISTENERS = 65536;

/** The most segments one addBatch() call takes. */
export const MAX_BATCH = MAX_PREFETCH;
/**
 * Connections whose slots sweep() and end() load at once before finishing them: 8, 16 and 32 measured
 * alike (BENCHMARKS.md, session 16).
 */
const FINISH_GROUP = 16;

export interface TrackerStats {
  connections: number;
  evictions: number;
  peakLive: number;
}

/**
 * Turns segments into connections and hands each one downstream as soon as
 * it is finished: closed (after a hold), idle, reopened, evicted, or at the
 * end of input. Live connections are slots in typed arrays (slots.ts); a
 * Connection object is made only when one finishes.
 */
export class Tracker {
  /** Protected: live.ts reads the open connections (watch's live evidence) without changing them. */
  protected readonly table: ConnectionTable;
  private readonly idleTimeout: number;
  private readonly closeHold: number;
  private readonly logPackets: ReadonlySet<number> | undefined;
  /** The one object every finished connection is copied into, when recycling. */
  private readonly reused: Connection | null;
  private readonly listeners = new Set<number>();
  /** The server endpoint last added to `listeners` (port -1: none yet). */
  private lastListener0 = 0;
  private lastListener1 = 0;
  private lastListener2 = 0;
  private lastListener3 = 0;
  private lastListenerPort = -1;
  /** Closed connections in the order they closed, with their ids (a reused slot no longer matches). */
  private readonly closing = new CloseQueue();
  /** Segments of the last few ms pushed out of their directions' last-segment words, to tell the capture's own copies from retransmissions. */
  private readonly recent = new RecentSegments();
  /** Queue length that triggers compactClosing(); twice the table's cap, so compacting costs O(1) per close. */
  private closingLimit: number;
  private now = -Infinity;
  private nextSweep = -Infinity;
  private nextId = 1;
  /**
   * Per connection id, the ISNs a client's SYNs left behind when it switched to another on the same tuple:
   * ISN_ENTRY_WORDS numbers each (ISN, SYNs, first frame, first time), so an ISN that comes back (a real
   * client's retransmit between a tool's crafted SYNs: public/bug-7657-01.pcap) keeps its count and its
   * first SYN. Made only for connections whose client changes ISN before an answer; most never do.
   */
  private readonly isnsAside = new Map<number, Float64Array>();
  /** The slots of the next connections sweep() or end() finishes, loaded together (ConnectionTable.preload). */
  private readonly finishGroup = new Int32Array(FINISH_GROUP);
  /** How many of them at most (FINISH_GROUP at most); a test sets 1, the one-at-a-time finishing the groups must not change. */
  protected readonly finishGroupSize: number = FINISH_GROUP;
  /** The keys of the segments of an addBatch() call. */
  private readonly batchKeys = new Int32Array(MAX_BATCH);
  /** Where finish() leaves its loads, so the compiler keeps them. */
  private touched = 0;
  /** TrackerOptions.zeek. */
  private readonly zeek: boolean;
  peakLive = 0;

  constructor(
    private readonly emit: (c: Connection) => void,
    opts: TrackerOptions = {},
  ) {
    this.idleTimeout = opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_NS;
    this.closeHold = opts.closeHold ?? DEFAULT_CLOSE_HOLD_NS;
    this.logPackets = opts.logPackets;
    this.zeek = opts.zeek ?? true;
    this.reused = opts.recycle ? new Connection() : null;
    const max = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.closingLimit = 2 * max;
    this.table = new ConnectionTable(
      { maxConnections: max, seed: opts.hashSeed, connectionsAtMost: opts.connectionsAtMost },
      (slot) => this.finish(slot),
    );
  }

  get stats(): TrackerStats {
    return { connections: this.nextId - 1, evictions: this.table.evictions, peakLive: this.peakLive };
  }

  /** Adds one segment. */
  add(s: Segment): void {
    this.addKeyed(s, connectionKey(s));
  }

  /**
   * Adds `n` segments in capture order, as n add() calls would. Their connections' index entries and
   * slots are loaded first, all together (ConnectionTable.prefetch): on a capture with more live connections than
   * the caches hold, each packet's lookup is two memory reads in a row (the index, then the slot) that
   * miss, and loaded one packet at a time they wait for each other; a batch's overlap (BENCHMARKS.md,
   * session 11). A subclass that overrides add() (LiveTracker) is not batched: run.ts calls this only on
   * a plain Tracker.
   */
  addBatch(segs: readonly Segment[], n: number): void {
    const keys = this.batchKeys;
    for (let k = 0; k < n; k++) keys[k] = connectionKey(segs[k]!);
    this.table.prefetch(keys, n);
    for (let k = 0; k < n; k++) this.addKeyed(segs[k]!, keys[k]!);
  }

  private addKeyed(s: Segment, key: number): void {
    // Time may run backwards (merged interfaces, clock steps): timers follow the latest time seen.
    if (s.time > this.now) this.now = s.time;
    if (this.now >= this.nextSweep) {
      this.sweep();
      this.nextSweep = this.now + SWEEP_EVERY_NS;
    }
    // Read once here, not inside the rare branches below: a property read that has never run when V8
    // optimises this function makes it throw the optimised code away the first time it does.
    const st = this.table.slots;
    let slot = this.table.find(key, s);
    let fromClient = this.table.lastFromClient;
    if (slot >= 0 && fromClient && (s.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      const c = slot * W.Size + W.Client;
      if (st.I[c + DW.Bits]! & DB.IsnSet && s.seq !== st.U[c + DW.Isn]) {
        if (this.startsNewConnection(slot, s)) {
          st.U[slot * W.Size + W.ReusedBy] = s.frame;
          this.table.remove(slot);
          this.finish(slot);
          slot = this.create(key, s);
          const I = st.I;
          I[slot * W.Size + W.Bits] = I[slot * W.Size + W.Bits]! | CB.ReusesEarlier;
          fromClient = true;
        } else {
          // The client gave up on its ISN and tries again on the same port before any answer.
          st.I[slot * W.Size + W.SynNewIsn]!++;
          const seen = this.switchIsn(slot, s.seq);
          st.U[c + DW.Isn] = s.seq;
          if (seen) st.U[c + DW.NextSeq] = s.seq + 1;
          else {
            // An ISN never seen on the tuple: the direction starts its numbers again (a new attempt, not a
            // retransmission); one that comes back is a retransmit of its earlier SYN.
            st.I[slot * W.Size + W.SynFreshIsn]!++;
            st.I[c + DW.Bits] = st.I[c + DW.Bits]! & ~DB.SeqSet;
          }
        }
      }
    } else if (slot < 0) {
      slot = this.create(key, s);
      const I = st.I;
      const b = slot * W.Size;
      fromClient = I[b + W.CPort] === s.srcPort && I[b + W.C3] === s.src3 && I[b + W.C0] === s.src0 && I[b + W.C1] === s.src1 && I[b + W.C2] === s.src2;
    }
    if (!fromClient && (s.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && this.listeners.size < MAX_LISTENERS) {
      // Most SYN-ACKs come from the listener the last one came from: no hash, no set lookup for them.
      if (s.srcPort !== this.lastListenerPort || s.src3 !== this.lastListener3 || s.src2 !== this.lastListener2 || s.src1 !== this.lastListener1 || s.src0 !== this.lastListener0) {
        this.listeners.add(endpointKey(s.src0, s.src1, s.src2, s.src3, s.srcPort));
        this.lastListener0 = s.src0;
        this.lastListener1 = s.src1;
        this.lastListener2 = s.src2;
        this.lastListener3 = s.src3;
        this.lastListenerPort = s.srcPort;
      }
    }
    // Only a FIN or a RST closes a connection: other segments skip both looks at the two directions.
    const ends = (s.flags & (TCP_FIN | TCP_RST)) !== 0;
    const wasClosed = ends && this.isClosed(slot);
    updateConnection(st, slot, s, fromClient, this.recent, this.zeek);
    if (ends && !wasClosed && this.isClosed(slot)) {
      this.closing.push(slot, st.I[slot * W.Size + W.Id]!);
      if (this.closing.size > this.closingLimit) this.compactClosing();
    }
  }

  /** Finalises everything still open, least recently active first. */
  end(): void {
    const group = this.finishGroup;
    const most = Math.min(this.finishGroupSize, FINISH_GROUP);
    for (let n = this.table.oldestSlots(group, most); n > 0; n = this.table.oldestSlots(group, most)) {
      this.table.preload(group, n);
      for (let k = 0; k < n; k++) {
        this.table.remove(group[k]!);
        this.finish(group[k]!);
      }
    }
    this.closing.clear();
  }

  /** Whether a queued close still names the connection in that slot. */
  private stillQueued(slot: number, id: number): boolean {
    return this.table.slots.I[slot * W.Size + W.Id] === id;
  }

  /**
   * Drops the closed connections already handed on (evicted or reused) from
   * the close queue. Without it, a flood of refused connections inside one
   * close hold (or with time stuck behind a clock step) would keep growing
   * the queue past the table's cap. What stays is in the table, so at most
   * maxConnections.
   */
  private compactClosing(): void {
    this.closing.filter((slot, id) => this.stillQueued(slot, id));
    this.closingLimit = Math.max(this.closingLimit, 2 * this.closing.size);
  }

  private startsNewConnection(slot: number, s: Segment): boolean {
    const st = this.table.slots;
    return this.isClosed(slot) || st.U[slot * W.Size + W.HsAckFrame] !== 0 || s.time - st.F[slot * Fl.Size + Fl.LastTime]! > REUSE_IDLE_NS;
  }

  private isClosed(slot: number): boolean {
    const I = this.table.slots.I;
    const b = slot * W.Size;
    return I[b + W.RstBy] !== Side.None || (I[b + W.Client + DW.Bits]! & I[b + W.Server + DW.Bits]! & DB.FinSeen) !== 0;
  }

  private create(key: number, s: Segment): number {
    const slot = this.table.alloc();
    const st = this.table.slots;
    const I = st.I;
    const U = st.U;
    const b = slot * W.Size;
    const id = this.nextId++;
    I[b + W.Id] = id;
    I[b + W.Key] = key;
    I[b + W.Vlan] = s.vlan;
    I[b + W.IpVersion] = s.ipVersion;
    const f = s.flags & (TCP_SYN | TCP_ACK);
    let clientIsSource: boolean;
    let role: RoleCode;
    if (f === TCP_SYN) {
      clientIsSource = true;
      role = RoleCode.Syn;
    } else if (f === (TCP_SYN | TCP_ACK)) {
      clientIsSource = false;
      role = RoleCode.SynAck;
    } else if (this.listeners.has(endpointKey(s.dst0, s.dst1, s.dst2, s.dst3, s.dstPort))) {
      clientIsSource = true;
      role = RoleCode.Listener;
    } else if (this.listeners.has(endpointKey(s.src0, s.src1, s.src2, s.src3, s.srcPort))) {
      clientIsSource = false;
      role = RoleCode.Listener;
    } else {
      clientIsSource = s.srcPort > s.dstPort;
      role = RoleCode.Port;
    }
    I[b + W.Role] = role;
    if (clientIsSource) {
      U[b + W.C0] = s.src0; U[b + W.C1] = s.src1; U[b + W.C2] = s.src2; U[b + W.C3] = s.src3; U[b + W.CPort] = s.srcPort;
      U[b + W.S0] = s.dst0; U[b + W.S1] = s.dst1; U[b + W.S2] = s.dst2; U[b + W.S3] = s.dst3; U[b + W.SPort] = s.dstPort;
    } else {
      U[b + W.C0] = s.dst0; U[b + W.C1] = s.dst1; U[b + W.C2] = s.dst2; U[b + W.C3] = s.dst3; U[b + W.CPort] = s.dstPort;
      U[b + W.S0] = s.src0; U[b + W.S1] = s.src1; U[b + W.S2] = s.src2; U[b + W.S3] = s.src3; U[b + W.SPort] = s.srcPort;
      // Zeek marks a connection whose first packet came from the responder as flipped.
      if (this.zeek) flipHistory(I, b);
    }
    U[b + W.FirstFrame] = s.frame;
    const F = st.F;
    const fb = slot * Fl.Size;
    F[fb + Fl.FirstTsSec] = F[fb + Fl.LastTsSec] = s.tsSec;
    F[fb + Fl.FirstTsNsec] = F[fb + Fl.LastTsNsec] = s.tsNsec;
    F[fb + Fl.FirstTime] = F[fb + Fl.LastTime] = s.time;
    if (this.logPackets?.has(id)) st.listIn(st.logged, slot);
    this.table.add(slot);
    if (this.table.size > this.peakLive) this.peakLive = this.table.size;
    return slot;
  }

  /** Hands a connection that has left the table downstream and frees its slot. */
  /**
   * Puts the current ISN's SYN count, first frame and time aside and brings back those of `isn` (zero if
   * it was never seen), before the client's ISN becomes `isn`. Whether `isn` was seen before.
   */
  private switchIsn(slot: number, isn: number): boolean {
    const st = this.table.slots;
    const b = slot * W.Size;
    const fb = slot * Fl.Size;
    const id = st.I[b + W.Id]!;
    let aside = this.isnsAside.get(id);
    if (!aside) this.isnsAside.set(id, (aside = new Float64Array(1 + ISNS_ASIDE * ISN_ENTRY_WORDS)));
    const old = st.U[b + W.Client + DW.Isn]!;
    const n = aside[0]!;
    let oldAt = -1;
    let newAt = -1;
    for (let i = 0, at = 1; i < n; i++, at += ISN_ENTRY_WORDS) {
      if (aside[at] === old) oldAt = at;
      else if (aside[at] === isn) newAt = at;
    }
    // Full: the oldest entry with a single SYN makes room (a crafted one-off, not a client's retries).
    if (oldAt < 0 && n < ISNS_ASIDE) {
      oldAt = 1 + n * ISN_ENTRY_WORDS;
      aside[0] = n + 1;
    } else if (oldAt < 0) {
      for (let i = 0, at = 1; i < n; i++, at += ISN_ENTRY_WORDS) {
        if (aside[at + 1] === 1 && at !== newAt) {
          oldAt = at;
          break;
        }
      }
    }
    if (oldAt >= 0) {
      aside[oldAt] = old;
      aside[oldAt + 1] = st.I[b + W.IsnSyns]!;
      aside[oldAt + 2] = st.U[b + W.IsnSynFrame]!;
      aside[oldAt + 3] = st.F[fb + Fl.IsnSynTime]!;
    }
    if (newAt >= 0) {
      st.I[b + W.IsnSyns] = aside[newAt + 1]!;
      st.U[b + W.IsnSynFrame] = aside[newAt + 2]!;
      st.F[fb + Fl.IsnSynTime] = aside[newAt + 3]!;
    } else st.I[b + W.IsnSyns] = 0;
    // A SYN-ACK answered the ISN put aside: the slot's count is no longer that attempt's.
    st.I[b + W.Bits] = st.I[b + W.Bits]! & ~CB.AnsweredIsn;
    return newAt >= 0;
  }

  private finish(slot: number): void {
    const st = this.table.slots;
    if (this.isnsAside.size !== 0) this.isnsAside.delete(st.I[slot * W.Size + W.Id]!);
    this.loadSlot(slot);
    const lastTime = st.F[slot * Fl.Size + Fl.LastTime]!;
    const c = (this.reused ?? new Connection()).fill(st, slot);
    c.finishedAt = this.now > lastTime ? this.now : lastTime;
    st.release(slot);
    this.emit(c);
  }

  /**
   * One load from each cache line of a slot, back to back. A finishing connection was last touched
   * seconds ago and its lines are out of the cache: loaded together, their misses overlap, where fill()
   * meeting them one by one, in its own order, waited for each in turn.
   */
  private loadSlot(slot: number): void {
    const I = this.table.slots.I;
    const b = slot * W.Size;
    // A word every 16 and the last: one in each line the slot overlaps, wherever in a line it starts (its
    // buffer starts 16 bytes into one). Written out (a loop measured ~1% slower, BENCHMARKS.md session 14);
    // test/track/layout.test.ts holds the slot to the 176 words these reach.
    this.touched =
      I[b]! ^ I[b + 16]! ^ I[b + 32]! ^ I[b + 48]! ^ I[b + 64]! ^ I[b + 80]! ^ I[b + 96]! ^ I[b + 112]! ^ I[b + 128]! ^ I[b + 144]! ^ I[b + 160]! ^
      I[b + W.Size - 1]!;
  }

  private sweep(): void {
    const now = this.now;
    const st = this.table.slots;
    // Closed connections, in the order they closed.
    const holdUntil = now - this.closeHold;
    const closing = this.closing;
    const group = this.finishGroup;
    const most = Math.min(this.finishGroupSize, FINISH_GROUP);
    held: while (closing.size > 0) {
      // The next few, loaded together before any is looked at (ConnectionTable.preload); those past the
      // first still held are loaded for nothing, a group's worth once a sweep.
      const n = Math.min(closing.size, most);
      for (let k = 0; k < n; k++) group[k] = closing.slotAt(k);
      this.table.preload(group, n);
      for (let k = 0; k < n; k++) {
        const slot = closing.firstSlot();
        // Already gone (reopened, evicted, or finished and the slot reused).
        if (!this.stillQueued(slot, closing.firstId())) {
          closing.shift();
          continue;
        }
        if (st.F[slot * Fl.Size + Fl.LastTime]! > holdUntil) break held;
        closing.shift();
        this.table.remove(slot);
        this.finish(slot);
      }
    }
    // Idle ones: the table's least recently used end holds the oldest.
    const idleBefore = now - this.idleTimeout;
    idle: for (let n = this.table.oldestSlots(group, most); n > 0; n = this.table.oldestSlots(group, most)) {
      this.table.preload(group, n);
      for (let k = 0; k < n; k++) {
        const slot = group[k]!;
        if (st.F[slot * Fl.Size + Fl.LastTime]! > idleBefore) break idle;
        this.table.remove(slot);
        this.finish(slot);
      }
    }
  }
}
