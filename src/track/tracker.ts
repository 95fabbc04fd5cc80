import { TCP_ACK, TCP_SYN, type Segment } from '../decode/segment.js';
import { Connection, type RoleSource } from './connection.js';
import { updateConnection } from './handshake.js';
import { connectionKey, endpointKey } from './key.js';
import { ConnectionTable } from './table.js';

export interface TrackerOptions {
  /** Cap on live connections (memory bound). */
  maxConnections?: number;
  /** Capture seconds without a packet after which a connection is finalised. */
  idleTimeout?: number;
  /** Capture seconds a closed or reset connection stays, so late retransmits still land on it. */
  closeHold?: number;
  /** Connection ids (order of creation) whose packets are logged one by one. */
  logPackets?: ReadonlySet<number>;
  /**
   * Reuse a connection object once `emit` has returned: far less garbage to
   * collect. Only for consumers that keep nothing of the object itself.
   */
  recycle?: boolean;
}

// Enough spare objects to absorb bursts of finished connections; the rest go to the GC.
const POOL_MAX = 8192;

/**
 * About 1 KB per live connection with its timeline: 100 000 of them keep the
 * table near 100 MB, well under the 200 MB the project promises.
 */
export const DEFAULT_MAX_CONNECTIONS = 100_000;
/** Longer than the longest gap between SYN retransmits (64 s), so a slow connect stays one connection. */
export const DEFAULT_IDLE_TIMEOUT = 120;
/** Zeek's tcp_close_delay. */
export const DEFAULT_CLOSE_HOLD = 5;
/** A SYN with a new ISN on a tuple idle this long starts a new connection even without a close. */
const REUSE_IDLE = 2;
const SWEEP_EVERY = 1;
/** Server endpoints remembered for role guessing; a flood of spoofed SYN-ACKs must not grow the set without end. */
const MAX_LISTENERS = 65536;

export interface TrackerStats {
  connections: number;
  evictions: number;
  peakLive: number;
}

/**
 * Turns segments into connections and hands each one downstream as soon as
 * it is finished: closed (after a hold), idle, reopened, evicted, or at the
 * end of input.
 */
export class Tracker {
  private readonly table: ConnectionTable;
  private readonly idleTimeout: number;
  private readonly closeHold: number;
  private readonly logPackets: ReadonlySet<number> | undefined;
  private readonly pool: Connection[] | null;
  private readonly listeners = new Set<number>();
  private closing: Connection[] = [];
  private closingKeys: number[] = [];
  /** Ids of the connections queued in `closing`: a recycled object in the queue no longer matches. */
  private closingIds: number[] = [];
  private closingHead = 0;
  /** Queue length that triggers compactClosing(); twice the table's cap, so compacting costs O(1) per close. */
  private closingLimit: number;
  private now = -Infinity;
  private nextSweep = -Infinity;
  private nextId = 1;
  peakLive = 0;

  constructor(
    private readonly emit: (c: Connection) => void,
    opts: TrackerOptions = {},
  ) {
    this.idleTimeout = opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    this.closeHold = opts.closeHold ?? DEFAULT_CLOSE_HOLD;
    this.logPackets = opts.logPackets;
    this.pool = opts.recycle ? [] : null;
    this.closingLimit = 2 * (opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.table = new ConnectionTable({ maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS }, (c) =>
      this.finish(c),
    );
  }

  get stats(): TrackerStats {
    return { connections: this.nextId - 1, evictions: this.table.evictions, peakLive: this.peakLive };
  }

  add(s: Segment): void {
    // Time may run backwards (merged interfaces, clock steps): timers follow the latest time seen.
    if (s.time > this.now) this.now = s.time;
    if (this.now >= this.nextSweep) {
      this.sweep();
      this.nextSweep = this.now + SWEEP_EVERY;
    }
    const key = connectionKey(s);
    let c = this.table.find(key, s);
    let fromClient = this.table.lastFromClient;
    if (c && fromClient && (s.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && c.client.isnSet && s.seq !== c.client.isn) {
      if (this.startsNewConnection(c, s)) {
        c.reusedBy = s.frame;
        this.table.remove(key, c);
        this.finish(c);
        const fresh = this.create(key, s);
        fresh.reusesEarlier = true;
        c = fresh;
        fromClient = true;
      } else {
        // The client gave up on its ISN and tries again on the same port before any answer.
        c.synNewIsn++;
        c.client.isn = s.seq;
        c.client.nextSeq = (s.seq + 1) >>> 0;
      }
    } else if (!c) {
      c = this.create(key, s);
      fromClient = c.cPort === s.srcPort && c.c3 === s.src3 && c.c0 === s.src0 && c.c1 === s.src1 && c.c2 === s.src2;
    }
    if (!fromClient && (s.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) && this.listeners.size < MAX_LISTENERS) {
      this.listeners.add(endpointKey(s.src0, s.src1, s.src2, s.src3, s.srcPort));
    }
    const wasClosed = this.isClosed(c);
    updateConnection(c, s, fromClient);
    if (!wasClosed && this.isClosed(c)) {
      this.closing.push(c);
      this.closingKeys.push(key);
      this.closingIds.push(c.id);
      if (this.closing.length - this.closingHead > this.closingLimit) this.compactClosing();
    }
  }

  /** Finalises everything still open. */
  end(): void {
    const rest = [...this.table.all()];
    for (const [key, c] of rest) {
      this.table.remove(key, c);
      this.finish(c);
    }
    this.closing = [];
    this.closingKeys = [];
    this.closingIds = [];
    this.closingHead = 0;
  }

  /**
   * Drops the closed connections already handed on (evicted or reused) from
   * the close queue. Without it, a flood of refused connections inside one
   * close hold (or with time stuck behind a clock step) would keep every one
   * of them alive there, past the table's cap. What stays is in the table,
   * so at most maxConnections.
   */
  private compactClosing(): void {
    let n = 0;
    for (let i = this.closingHead; i < this.closing.length; i++) {
      const c = this.closing[i]!;
      if (c.finished || c.id !== this.closingIds[i]) continue;
      this.closing[n] = c;
      this.closingKeys[n] = this.closingKeys[i]!;
      this.closingIds[n] = this.closingIds[i]!;
      n++;
    }
    this.closing.length = n;
    this.closingKeys.length = n;
    this.closingIds.length = n;
    this.closingHead = 0;
    this.closingLimit = Math.max(this.closingLimit, 2 * n);
  }

  private startsNewConnection(c: Connection, s: Segment): boolean {
    return this.isClosed(c) || c.handshakeAckFrame !== 0 || s.time - c.lastTime > REUSE_IDLE;
  }

  private isClosed(c: Connection): boolean {
    return c.rstBy !== null || (c.client.finSeen && c.server.finSeen);
  }

  private create(key: number, s: Segment): Connection {
    const spare = this.pool?.pop();
    const c = spare ? spare.reset() : new Connection();
    c.id = this.nextId++;
    c.vlan = s.vlan;
    c.ipVersion = s.ipVersion;
    const f = s.flags & (TCP_SYN | TCP_ACK);
    let clientIsSource: boolean;
    let role: RoleSource;
    if (f === TCP_SYN) {
      clientIsSource = true;
      role = 'syn';
    } else if (f === (TCP_SYN | TCP_ACK)) {
      clientIsSource = false;
      role = 'synack';
    } else if (this.listeners.has(endpointKey(s.dst0, s.dst1, s.dst2, s.dst3, s.dstPort))) {
      clientIsSource = true;
      role = 'listener';
    } else if (this.listeners.has(endpointKey(s.src0, s.src1, s.src2, s.src3, s.srcPort))) {
      clientIsSource = false;
      role = 'listener';
    } else {
      clientIsSource = s.srcPort > s.dstPort;
      role = 'port';
    }
    c.roleSource = role;
    if (clientIsSource) {
      c.c0 = s.src0; c.c1 = s.src1; c.c2 = s.src2; c.c3 = s.src3; c.cPort = s.srcPort;
      c.s0 = s.dst0; c.s1 = s.dst1; c.s2 = s.dst2; c.s3 = s.dst3; c.sPort = s.dstPort;
    } else {
      c.c0 = s.dst0; c.c1 = s.dst1; c.c2 = s.dst2; c.c3 = s.dst3; c.cPort = s.dstPort;
      c.s0 = s.src0; c.s1 = s.src1; c.s2 = s.src2; c.s3 = s.src3; c.sPort = s.srcPort;
      // Zeek marks a connection whose first packet came from the responder as flipped.
      c.history = '^';
    }
    c.firstFrame = s.frame;
    c.firstTime = s.time;
    c.touched = s.time;
    c.lastTime = s.time;
    c.firstTsSec = s.tsSec;
    c.firstTsNsec = s.tsNsec;
    c.lastTsSec = s.tsSec;
    c.lastTsNsec = s.tsNsec;
    if (this.logPackets?.has(c.id)) c.packets = [];
    this.table.add(key, c);
    if (this.table.size > this.peakLive) this.peakLive = this.table.size;
    return c;
  }

  private finish(c: Connection): void {
    if (c.finished) return;
    c.finished = true;
    c.finishedAt = this.now > c.lastTime ? this.now : c.lastTime;
    this.emit(c);
    if (this.pool && this.pool.length < POOL_MAX) this.pool.push(c);
  }

  private sweep(): void {
    const now = this.now;
    // Closed connections, in the order they closed.
    const holdUntil = now - this.closeHold;
    while (this.closingHead < this.closing.length) {
      const c = this.closing[this.closingHead]!;
      // Already gone (reopened, evicted, or finished and recycled for another connection).
      if (c.finished || c.id !== this.closingIds[this.closingHead]) {
        this.closingHead++;
        continue;
      }
      if (c.lastTime > holdUntil) break;
      const key = this.closingKeys[this.closingHead]!;
      this.closingHead++;
      this.table.remove(key, c);
      this.finish(c);
    }
    if (this.closingHead > 4096 && this.closingHead * 2 > this.closing.length) {
      this.closing = this.closing.slice(this.closingHead);
      this.closingKeys = this.closingKeys.slice(this.closingHead);
      this.closingIds = this.closingIds.slice(this.closingHead);
      this.closingHead = 0;
    }
    // Idle ones: the table's least recently used end holds the oldest.
    const idleBefore = now - this.idleTimeout;
    const idle: [number, Connection][] = [];
    for (const [key, c] of this.table.oldestFirst()) {
      if (c.lastTime > idleBefore) break;
      idle.push([key, c]);
    }
    for (const [key, c] of idle) {
      this.table.remove(key, c);
      this.finish(c);
    }
  }
}

