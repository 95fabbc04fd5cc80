import type { Frame } from '../capture/frame.js';
import { readCapture } from '../capture/reader.js';
import { captureTime, epochNumber } from '../capture/time-base.js';
import { Decoder } from '../decode/decoder.js';
import { Decoded, newSegment, TCP_ACK, TCP_SYN, type Segment } from '../decode/segment.js';

/**
 * Memory bound. Per TCP packet the index spends 35 bytes in typed arrays (time 8, connection 4,
 * seq 4, ack 4, length 4, frame 4, IP ID 4, flags 2, from-client 1; the arrays grow by doubling,
 * never past the bound) plus 4 in the one packet list of all connections after reading; per connection
 * about 300 bytes (an object and two address arrays; while reading, its tuple's 64 bytes and 12 of the
 * lookup's). A connection has at least one packet, so `maxPackets` bounds both: at the default 2 million
 * packets a capture costs at most ~80 MB of packets (~160 MB for the moment an array doubles) plus its
 * connections; the correlation's result adds about as much again per connection both captures share
 * (BENCHMARKS.md, session 18: two 1 M-packet captures of the same traffic, 382 MB peak RSS). Packets past
 * the bound are not indexed and the capture counts as ending at the last frame indexed: what the
 * other capture sent later is "not comparable", never "lost". correlate() holds every capture's index
 * at once (N captures: N times the bound).
 */
export const BYTES_PER_PACKET = 39;
export const DEFAULT_MAX_PACKETS = 2_000_000;

/** One connection of one capture: a 4-tuple and, when its SYN or SYN-ACK was seen, its ISNs. */
export interface IndexedConnection {
  id: number;
  ipVersion: 4 | 6;
  /** Client and server address words (IPv4 as ::ffff:a.b.c.d, as the decoder gives them). */
  client: [number, number, number, number];
  server: [number, number, number, number];
  clientPort: number;
  serverPort: number;
  vlan: number;
  /** -1 when neither the SYN nor the SYN-ACK was seen. */
  isnClient: number;
  isnServer: number;
  /** Roles came from a SYN or SYN-ACK; otherwise the lower port is taken as the server's. */
  rolesFrom: 'syn' | 'synack' | 'port';
  /**
   * Its packets' indexes, in capture order: PacketIndex.byConnection[packetFrom..packetTo) (PacketIndex.packetsOf), set
   * by finish(). One list for all connections: an Int32Array each was three heap objects a connection for the
   * collector to walk (BENCHMARKS.md, session 18).
   */
  packetFrom: number;
  packetTo: number;
  firstFrame: number;
}

/** A connection's words in PacketIndex.tuples. */
const enum Tuple {
  Vlan = 0,
  IpVersion = 1,
  ClientPort = 2,
  ServerPort = 3,
  C0 = 4,
  C1 = 5,
  C2 = 6,
  C3 = 7,
  S0 = 8,
  S1 = 9,
  S2 = 10,
  S3 = 11,
}
const TUPLE_WORDS = 16;

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * Every TCP packet of one capture, as a struct of typed arrays (nothing allocated per packet
 * once the arrays have grown), grouped into connections. Times are integer nanoseconds since `baseSec`
 * (the first frame's whole second), so that nanosecond stamps keep their precision.
 */
export class PacketIndex {
  count = 0;
  time = new Float64Array(1024);
  conn = new Int32Array(1024);
  seq = new Uint32Array(1024);
  ack = new Uint32Array(1024);
  len = new Uint32Array(1024);
  frame = new Uint32Array(1024);
  ipId = new Int32Array(1024);
  flags = new Uint16Array(1024);
  fromClient = new Uint8Array(1024);
  readonly connections: IndexedConnection[] = [];
  baseSec = 0;
  /** Span of the frames indexed (every frame, TCP or not), nanoseconds since baseSec. */
  start = Infinity;
  end = -Infinity;
  frames = 0;
  /** Set when maxPackets was reached: the capture counts as ending at `end`. */
  full = false;
  error: string | null = null;
  /** Each connection's tuple as words (Tuple), TUPLE_WORDS a connection, for the lookup's comparison. */
  private tuples = new Int32Array(512 * TUPLE_WORDS);
  /**
   * The connections by tuple hash: `buckets[hash & (buckets.length - 1)]` is the newest connection of its bucket (-1:
   * none), `olderInBucket[id]` the next older one, `hashOf[id]` its hash (for growing). Typed arrays, not a Map of
   * lists: a Map entry and a list per connection were the index's slowest part on a large capture (BENCHMARKS.md,
   * session 18). A bucket holds other tuples too; sideOf() tells them apart.
   */
  private buckets = new Int32Array(1024).fill(-1);
  private olderInBucket = new Int32Array(512);
  private hashOf = new Int32Array(512);

  constructor(
    readonly path: string,
    readonly maxPackets = DEFAULT_MAX_PACKETS,
    /**
     * False: the connections (tuples, ISNs) and the capture's span only, no packet (correlate's first look, which
     * finds the captures that can pair): the per-packet arrays stay empty and every packet list too.
     */
    readonly keepPackets = true,
  ) {}

  /** Epoch seconds of packet i, from its exact (sec, nsec) (capture/time-base.ts; a double holds ~0.24 µs: for display, not for differences). */
  epoch(i: number): number {
    return epochNumber(this.baseSec, this.time[i]!);
  }

  private ensure(n: number): void {
    if (n <= this.time.length) return;
    const size = Math.min(Math.max(n, this.time.length * 2), this.maxPackets);
    this.time = grow(this.time, size);
    this.conn = grow(this.conn, size);
    this.seq = grow(this.seq, size);
    this.ack = grow(this.ack, size);
    this.len = grow(this.len, size);
    this.frame = grow(this.frame, size);
    this.ipId = grow(this.ipId, size);
    this.flags = grow(this.flags, size);
    this.fromClient = grow(this.fromClient, size);
  }

  private static hash(s: Segment): number {
    // Order-independent: the same for both directions of a connection. 30 bits, a V8 small integer: a key
    // past 2^31 is a heap number, and a Map hashes those slowly (12% of a large pair's correlation,
    // BENCHMARKS.md session 18). Tuples that share a hash share its list, where sideOf() tells them apart.
    const a = Math.imul(s.src0 ^ s.src1 ^ s.src2 ^ s.src3, 0x9e3779b1) ^ s.srcPort;
    const b = Math.imul(s.dst0 ^ s.dst1 ^ s.dst2 ^ s.dst3, 0x9e3779b1) ^ s.dstPort;
    return (Math.imul(a ^ b ^ s.vlan, 0x85ebca6b) ^ Math.imul((a + b) | 0, 0xc2b2ae35)) >>> 2;
  }

  /**
   * 1 when s goes client → server of connection `id`, 0 server → client, -1 not this connection. Read from the
   * connection's words in `tuples` (one cache line), not from its object and two address arrays (three).
   */
  private sideOf(id: number, s: Segment): number {
    const T = this.tuples;
    const b = id * TUPLE_WORDS;
    if (T[b + Tuple.Vlan] !== s.vlan || T[b + Tuple.IpVersion] !== s.ipVersion) return -1;
    if (s.srcPort === T[b + Tuple.ClientPort] && s.dstPort === T[b + Tuple.ServerPort] &&
      s.src3 === T[b + Tuple.C3] && s.dst3 === T[b + Tuple.S3] && s.src2 === T[b + Tuple.C2] && s.dst2 === T[b + Tuple.S2] &&
      s.src1 === T[b + Tuple.C1] && s.dst1 === T[b + Tuple.S1] && s.src0 === T[b + Tuple.C0] && s.dst0 === T[b + Tuple.S0]) return 1;
    if (s.dstPort === T[b + Tuple.ClientPort] && s.srcPort === T[b + Tuple.ServerPort] &&
      s.dst3 === T[b + Tuple.C3] && s.src3 === T[b + Tuple.S3] && s.dst2 === T[b + Tuple.C2] && s.src2 === T[b + Tuple.S2] &&
      s.dst1 === T[b + Tuple.C1] && s.src1 === T[b + Tuple.S1] && s.dst0 === T[b + Tuple.C0] && s.src0 === T[b + Tuple.S0]) return 0;
    return -1;
  }

  private newConnection(s: Segment, srcIsClient: boolean, rolesFrom: IndexedConnection['rolesFrom']): IndexedConnection {
    const src: [number, number, number, number] = [s.src0 >>> 0, s.src1 >>> 0, s.src2 >>> 0, s.src3 >>> 0];
    const dst: [number, number, number, number] = [s.dst0 >>> 0, s.dst1 >>> 0, s.dst2 >>> 0, s.dst3 >>> 0];
    const c: IndexedConnection = {
      id: this.connections.length,
      ipVersion: s.ipVersion,
      client: srcIsClient ? src : dst,
      server: srcIsClient ? dst : src,
      clientPort: srcIsClient ? s.srcPort : s.dstPort,
      serverPort: srcIsClient ? s.dstPort : s.srcPort,
      vlan: s.vlan,
      isnClient: -1,
      isnServer: -1,
      rolesFrom,
      packetFrom: 0,
      packetTo: 0,
      firstFrame: s.frame,
    };
    this.connections.push(c);
    if ((c.id + 1) * TUPLE_WORDS > this.tuples.length) this.tuples = grow(this.tuples, this.tuples.length * 2);
    const T = this.tuples;
    const b = c.id * TUPLE_WORDS;
    T[b + Tuple.Vlan] = c.vlan;
    T[b + Tuple.IpVersion] = c.ipVersion;
    T[b + Tuple.ClientPort] = c.clientPort;
    T[b + Tuple.ServerPort] = c.serverPort;
    T.set(c.client, b + Tuple.C0);
    T.set(c.server, b + Tuple.S0);
    return c;
  }

  /** Set by connectionOf: 1 when the segment went client → server (a field, not a returned object: nothing allocated per packet). */
  private side = 0;

  /** Finds or starts the connection of s; a SYN with a new ISN on a known tuple starts a new one. */
  private connectionOf(s: Segment): IndexedConnection {
    const h = PacketIndex.hash(s);
    let current: IndexedConnection | null = null;
    let side = -1;
    // Newest first: a reused tuple's packets go to its latest connection.
    for (let id = this.buckets[h & (this.buckets.length - 1)]!; id >= 0; id = this.olderInBucket[id]!) {
      const d = this.sideOf(id, s);
      if (d >= 0) {
        current = this.connections[id]!;
        side = d;
        break;
      }
    }
    const syn = (s.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    const synAck = (s.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
    if (current) {
      if (syn && !(side === 1 && (current.isnClient === s.seq || current.isnClient === -1))) current = null;
      else if (synAck && current.isnServer !== -1 && current.isnServer !== s.seq && side === 0) current = null;
    }
    if (!current) {
      const srcIsClient = syn ? true : synAck ? false : s.srcPort > s.dstPort;
      current = this.newConnection(s, srcIsClient, syn ? 'syn' : synAck ? 'synack' : 'port');
      side = srcIsClient ? 1 : 0;
      this.bucketAdd(current.id, h);
    }
    if (syn && current.isnClient === -1) current.isnClient = s.seq;
    if (synAck && side === 0) {
      if (current.isnServer === -1) current.isnServer = s.seq;
      if (current.isnClient === -1) current.isnClient = (s.ack - 1) >>> 0;
    }
    this.side = side;
    return current;
  }

  /** Puts connection `id` (the newest) at the head of its bucket; the buckets stay at most half full. */
  private bucketAdd(id: number, h: number): void {
    if (id >= this.hashOf.length) {
      this.hashOf = grow(this.hashOf, this.hashOf.length * 2);
      this.olderInBucket = grow(this.olderInBucket, this.olderInBucket.length * 2);
    }
    this.hashOf[id] = h;
    if (2 * (id + 1) > this.buckets.length) {
      // Again from the oldest, so that each bucket's list runs newest first as before.
      this.buckets = new Int32Array(this.buckets.length * 2).fill(-1);
      for (let k = 0; k < id; k++) this.link(k);
    }
    this.link(id);
  }

  private link(id: number): void {
    const b = this.hashOf[id]! & (this.buckets.length - 1);
    this.olderInBucket[id] = this.buckets[b]!;
    this.buckets[b] = id;
  }

  add(s: Segment): void {
    const i = this.count;
    if (!this.keepPackets) {
      this.connectionOf(s);
      this.count = i + 1;
      return;
    }
    this.ensure(i + 1);
    const c = this.connectionOf(s);
    this.time[i] = captureTime(this.baseSec, s.tsSec, s.tsNsec);
    this.conn[i] = c.id;
    this.seq[i] = s.seq;
    this.ack[i] = s.ack;
    this.len[i] = s.payloadLen;
    this.frame[i] = s.frame;
    this.ipId[i] = s.ipId;
    this.flags[i] = s.flags;
    this.fromClient[i] = this.side;
    this.count = i + 1;
  }

  /** Every packet's index, grouped by connection, each connection's in capture order (IndexedConnection.packetFrom). */
  byConnection = new Int32Array(0);

  /** The connection's packet indexes, in capture order: a view of byConnection. */
  packetsOf(c: IndexedConnection): Int32Array {
    return this.byConnection.subarray(c.packetFrom, c.packetTo);
  }

  /** Builds each connection's packet list (one pass to count, one to fill). */
  finish(): void {
    if (this.keepPackets) this.listPackets();
    // Only the reading needs the buckets.
    this.buckets = new Int32Array(0);
    this.olderInBucket = new Int32Array(0);
    this.hashOf = new Int32Array(0);
    this.tuples = new Int32Array(0);
  }

  private listPackets(): void {
    const n = this.connections.length;
    const next = new Int32Array(n);
    for (let i = 0; i < this.count; i++) next[this.conn[i]!]!++;
    let from = 0;
    for (const c of this.connections) {
      c.packetFrom = from;
      from += next[c.id]!;
      c.packetTo = from;
      next[c.id] = c.packetFrom;
    }
    const byConnection = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) byConnection[next[this.conn[i]!]!++] = i;
    this.byConnection = byConnection;
  }
}

/** Reads one capture into a PacketIndex. Never throws for bad capture data: the fault is in `error`. */
export async function indexCapture(path: string, maxPackets = DEFAULT_MAX_PACKETS, keepPackets = true): Promise<PacketIndex> {
  const index = new PacketIndex(path, maxPackets, keepPackets);
  const seg = newSegment();
  const decoder = new Decoder(seg);
  let first = true;
  const sink = {
    onFrame(f: Frame): void {
      if (index.full) return;
      if (index.count >= index.maxPackets) {
        // Bounded: the capture counts as ending at the last frame indexed.
        index.full = true;
        return;
      }
      if (first) {
        index.baseSec = f.tsSec;
        first = false;
      }
      index.frames++;
      const t = captureTime(index.baseSec, f.tsSec, f.tsNsec);
      if (t < index.start) index.start = t;
      if (t > index.end) index.end = t;
      if (decoder.decode(f) === Decoded.Tcp) index.add(seg);
    },
  };
  const r = await readCapture(path, sink);
  if (r.error) index.error = `${path}: ${r.error.message} (byte offset ${r.error.fileOffset}, frame ${r.error.frameNumber})`;
  index.finish();
  return index;
}
