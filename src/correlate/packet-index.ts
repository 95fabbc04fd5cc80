import type { Frame } from '../capture/frame.js';
import { readCapture } from '../capture/reader.js';
import { captureTime, epochNumber } from '../capture/time-base.js';
import { Decoder } from '../decode/decoder.js';
import { Decoded, newSegment, TCP_ACK, TCP_SYN, type Segment } from '../decode/segment.js';

/**
 * Memory bound. Per TCP packet the index spends 35 bytes in typed arrays (time 8, connection 4,
 * seq 4, ack 4, length 4, frame 4, IP ID 4, flags 2, from-client 1; the arrays grow by doubling,
 * never past the bound) plus 4 in its connection's packet list after reading; per connection about
 * 300 bytes (an object, two address arrays, a tuple-hash entry while reading). A connection has at
 * least one packet, so `maxPackets` bounds both: at the default 2 million packets a capture costs at
 * most ~80 MB of packets (~160 MB for the moment an array doubles) plus its connections. Packets past
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
  /** Packet indexes of this connection, in capture order (filled by finish()). */
  packets: Int32Array;
  firstFrame: number;
}

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
  /** Tuple hash → connection ids on that hash (the current one last). */
  private readonly byTuple = new Map<number, number[]>();

  constructor(
    readonly path: string,
    readonly maxPackets = DEFAULT_MAX_PACKETS,
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
    // Order-independent: the same for both directions of a connection.
    // A number below 2^53, so that the Map key is exact.
    const a = (Math.imul(s.src0 ^ s.src1 ^ s.src2 ^ s.src3, 0x9e3779b1) ^ s.srcPort) >>> 0;
    const b = (Math.imul(s.dst0 ^ s.dst1 ^ s.dst2 ^ s.dst3, 0x9e3779b1) ^ s.dstPort) >>> 0;
    return ((a ^ b ^ s.vlan) >>> 0) + (((a + b) >>> 0) & 0x1fffff) * 0x100000000;
  }

  /** 1 when s goes client → server of c, 0 server → client, -1 not this connection. */
  private static side(c: IndexedConnection, s: Segment): number {
    if (c.vlan !== s.vlan || c.ipVersion !== s.ipVersion) return -1;
    const k = c.client;
    const v = c.server;
    if (s.srcPort === c.clientPort && s.dstPort === c.serverPort &&
      s.src0 === k[0] && s.src1 === k[1] && s.src2 === k[2] && s.src3 === k[3] &&
      s.dst0 === v[0] && s.dst1 === v[1] && s.dst2 === v[2] && s.dst3 === v[3]) return 1;
    if (s.dstPort === c.clientPort && s.srcPort === c.serverPort &&
      s.dst0 === k[0] && s.dst1 === k[1] && s.dst2 === k[2] && s.dst3 === k[3] &&
      s.src0 === v[0] && s.src1 === v[1] && s.src2 === v[2] && s.src3 === v[3]) return 0;
    return -1;
  }

  private newConnection(s: Segment, srcIsClient: boolean, rolesFrom: IndexedConnection['rolesFrom']): IndexedConnection {
    const src: [number, number, number, number] = [s.src0, s.src1, s.src2, s.src3];
    const dst: [number, number, number, number] = [s.dst0, s.dst1, s.dst2, s.dst3];
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
      packets: new Int32Array(0),
      firstFrame: s.frame,
    };
    this.connections.push(c);
    return c;
  }

  /** Set by connectionOf: 1 when the segment went client → server (a field, not a returned object: nothing allocated per packet). */
  private side = 0;

  /** Finds or starts the connection of s; a SYN with a new ISN on a known tuple starts a new one. */
  private connectionOf(s: Segment): IndexedConnection {
    const h = PacketIndex.hash(s);
    let list = this.byTuple.get(h);
    let current: IndexedConnection | null = null;
    let side = -1;
    if (list) {
      for (let i = list.length - 1; i >= 0; i--) {
        const c = this.connections[list[i]!]!;
        const d = PacketIndex.side(c, s);
        if (d >= 0) {
          current = c;
          side = d;
          break;
        }
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
      if (!list) {
        list = [];
        this.byTuple.set(h, list);
      }
      list.push(current.id);
    }
    if (syn && current.isnClient === -1) current.isnClient = s.seq;
    if (synAck && side === 0) {
      if (current.isnServer === -1) current.isnServer = s.seq;
      if (current.isnClient === -1) current.isnClient = (s.ack - 1) >>> 0;
    }
    this.side = side;
    return current;
  }

  add(s: Segment): void {
    const i = this.count;
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

  /** Builds each connection's packet list (one pass to count, one to fill). */
  finish(): void {
    const n = this.connections.length;
    const counts = new Int32Array(n);
    for (let i = 0; i < this.count; i++) counts[this.conn[i]!]!++;
    for (const c of this.connections) c.packets = new Int32Array(counts[c.id]!);
    counts.fill(0);
    for (let i = 0; i < this.count; i++) {
      const id = this.conn[i]!;
      this.connections[id]!.packets[counts[id]!++] = i;
    }
    this.byTuple.clear();
  }
}

/** Reads one capture into a PacketIndex. Never throws for bad capture data: the fault is in `error`. */
export async function indexCapture(path: string, maxPackets = DEFAULT_MAX_PACKETS): Promise<PacketIndex> {
  const index = new PacketIndex(path, maxPackets);
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
