// A small synthetic capture that takes the read → decode → track loop through every branch it has, run
// once per process before a large input (run.ts). V8 optimises a function from the type feedback of the
// branches it has seen; a branch first taken afterwards throws the optimised code away ("insufficient
// type feedback") and compiles it again, on the main thread under --no-concurrent-recompilation. On the
// 2 M-packet tiled capture the tracker was compiled and thrown away a dozen times (BENCHMARKS.md).
// The bytes are a classic little-endian microsecond pcap of Ethernet frames; checksums are left at 0.

const SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

/** TCP options of a packet: none, NOP,NOP,timestamps (the fast path), a SYN's full set, or timestamps + one SACK block. */
const enum Opt { None, Ts, Syn, Sack }

interface Packet {
  t: number;
  v6: boolean;
  vlan: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  opt: Opt;
  win: number;
  ipId: number;
  /** Bytes captured of the frame (the rest cut by the snaplen); 0 = all. */
  cut: number;
  /** 'udp' or 'arp' for the non-TCP frames the decoder counts. */
  other?: 'udp' | 'arp';
}

function optionBytes(opt: Opt): number {
  return opt === Opt.None ? 0 : opt === Opt.Ts ? 12 : opt === Opt.Syn ? 20 : 24;
}

function writeTcp(b: Buffer, p: number, k: Packet): number {
  const hlen = 20 + optionBytes(k.opt);
  b.writeUInt16BE(k.sport, p);
  b.writeUInt16BE(k.dport, p + 2);
  b.writeUInt32BE(k.seq >>> 0, p + 4);
  b.writeUInt32BE(k.ack >>> 0, p + 8);
  b[p + 12] = (hlen / 4) << 4;
  b[p + 13] = k.flags;
  b.writeUInt16BE(k.win, p + 14);
  let q = p + 20;
  const ts = (at: number) => {
    b[at] = 8;
    b[at + 1] = 10;
    b.writeUInt32BE((k.t * 1000 + k.seq) >>> 0, at + 2);
    // Both above 2^31 sometimes, as real ones are: a field V8 first saw as a small integer changes its
    // representation (and the object its map) at the first large value, and the optimised code is lost.
    b.writeUInt32BE((k.ack ^ 0x80000000) >>> 0, at + 6);
  };
  if (k.opt === Opt.Ts) {
    b[q] = 1; b[q + 1] = 1;
    ts(q + 2);
  } else if (k.opt === Opt.Syn) {
    // MSS, SACK permitted, timestamps, NOP, window scale: Linux's SYN options.
    b[q] = 2; b[q + 1] = 4; b.writeUInt16BE(1460, q + 2);
    b[q + 4] = 4; b[q + 5] = 2;
    ts(q + 6);
    b[q + 16] = 1; b[q + 17] = 3; b[q + 18] = 3; b[q + 19] = 7;
  } else if (k.opt === Opt.Sack) {
    b[q] = 1; b[q + 1] = 1;
    ts(q + 2);
    b[q + 12] = 1; b[q + 13] = 1; b[q + 14] = 5; b[q + 15] = 10;
    b.writeUInt32BE((k.ack + 1000) >>> 0, q + 16);
    b.writeUInt32BE((k.ack + 2000) >>> 0, q + 20);
  }
  q += optionBytes(k.opt);
  b.fill(0x61, q, q + k.len);
  return hlen + k.len;
}

/** The frame's bytes at `p` (Ethernet onwards); returns its length on the wire. */
function writeFrame(b: Buffer, p: number, k: Packet): number {
  const start = p;
  b.fill(0, p, p + 12);
  p += 12;
  if (k.vlan) {
    b.writeUInt16BE(0x8100, p);
    b.writeUInt16BE(k.vlan, p + 2);
    p += 4;
  }
  if (k.other === 'arp') {
    b.writeUInt16BE(0x0806, p);
    b.fill(0, p + 2, p + 30);
    return p + 30 - start;
  }
  b.writeUInt16BE(k.v6 ? 0x86dd : 0x0800, p);
  p += 2;
  const tcpLen = 20 + optionBytes(k.opt) + k.len;
  if (k.v6) {
    b.fill(0, p, p + 40);
    b[p] = 0x60;
    b.writeUInt16BE(tcpLen, p + 4);
    b[p + 6] = 6;
    b[p + 7] = 64;
    // fd00:db8:8000:xxxx::/64 prefixes made from the address itself, so both directions agree; words above 2^31.
    b.writeUInt32BE(0xfd000db8, p + 8); b.writeUInt32BE((0x80000000 | (k.src >>> 16)) >>> 0, p + 12); b.writeUInt32BE(k.src >>> 0, p + 20);
    b.writeUInt32BE(0xfd000db8, p + 24); b.writeUInt32BE((0x80000000 | (k.dst >>> 16)) >>> 0, p + 28); b.writeUInt32BE(k.dst >>> 0, p + 36);
    return 14 + (k.vlan ? 4 : 0) + 40 + writeTcp(b, p + 40, k);
  }
  const udp = k.other === 'udp';
  b[p] = 0x45;
  b[p + 1] = 0;
  b.writeUInt16BE(20 + (udp ? 8 : tcpLen), p + 2);
  b.writeUInt16BE(k.ipId & 0xffff, p + 4);
  b.writeUInt16BE(0x4000, p + 6);
  b[p + 8] = 64;
  b[p + 9] = udp ? 17 : 6;
  b.writeUInt16BE(0, p + 10);
  b.writeUInt32BE(k.src >>> 0, p + 12);
  b.writeUInt32BE(k.dst >>> 0, p + 16);
  if (udp) {
    b.fill(0, p + 20, p + 28);
    return p + 28 - start;
  }
  return p + 20 + writeTcp(b, p + 20, k) - start;
}

/** The packets of one connection of each kind the tracker tells apart, the `n`-th of its kind. */
function connection(kind: number, n: number, start: number, out: Packet[]): void {
  const v6 = kind === 8;
  const client = ((198 << 24) | (51 << 16) | ((n & 0xff) << 8) | (kind + 1)) >>> 0;
  const server = ((kind & 1 ? 10 << 24 : 203 << 24) | (9 << 16) | (1 + (n % 3))) >>> 0;
  const cport = 20000 + ((n * 13 + kind * 977) & 0x7fff);
  const sport = kind === 5 ? 5432 : 80;
  let t = start;
  let ipc = (n * 101) & 0xffff;
  let ips = (n * 211 + 7) & 0xffff;
  const ci = (n * 2654435761 + kind) >>> 0;
  const si = (ci ^ 0x5a5a5a5a) >>> 0;
  let cs = ci + 1;
  let ss = si + 1;
  const rtt = 0.002;
  const pkt = (fromClient: boolean, flags: number, seq: number, ack: number, len: number, opt: Opt, extra: Partial<Packet> = {}) => {
    out.push({
      t, v6, vlan: kind === 8 ? 100 : 0,
      src: fromClient ? client : server, dst: fromClient ? server : client,
      sport: fromClient ? cport : sport, dport: fromClient ? sport : cport,
      flags, seq, ack, len, opt, win: 502, ipId: fromClient ? ipc++ : ips++, cut: 0, ...extra,
    });
  };
  const step = (dt = rtt) => {
    t += dt;
  };
  const handshake = () => {
    pkt(true, SYN, ci, 0, 0, Opt.Syn);
    step();
    pkt(false, SYN | ACK, si, ci + 1, 0, Opt.Syn);
    step();
    pkt(true, ACK, cs, ss, 0, Opt.Ts);
    step();
  };
  const exchange = (rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      pkt(true, ACK | PSH, cs, ss, 100, Opt.Ts);
      cs += 100;
      step(0.0005);
      pkt(false, ACK, ss, cs, 0, Opt.Ts);
      step(0.0005);
      pkt(false, ACK | PSH, ss, cs, 1400, Opt.Ts, { cut: 96 });
      ss += 1400;
      step(0.0005);
      pkt(true, ACK, cs, ss, 0, Opt.Ts);
      step(0.0005);
    }
  };
  const closeBoth = (clientFirst: boolean) => {
    pkt(clientFirst, FIN | ACK, clientFirst ? cs : ss, clientFirst ? ss : cs, 0, Opt.Ts);
    if (clientFirst) cs++;
    else ss++;
    step();
    pkt(!clientFirst, FIN | ACK, clientFirst ? ss : cs, clientFirst ? cs : ss, 0, Opt.Ts);
    if (clientFirst) ss++;
    else cs++;
    step();
    pkt(clientFirst, ACK, clientFirst ? cs : ss, clientFirst ? ss : cs, 0, Opt.Ts);
    step();
  };
  switch (kind) {
    case 0:
      handshake();
      exchange(2);
      closeBoth(true);
      break;
    case 1:
      // Retransmission, reordering, a keep-alive, a zero window, a SACK, the server closing first.
      handshake();
      exchange(1);
      pkt(true, ACK | PSH, cs, ss, 200, Opt.Ts);
      step(0.0005);
      pkt(true, ACK | PSH, cs + 200, ss, 200, Opt.Ts);
      step(0.0005);
      pkt(true, ACK | PSH, cs - 100, ss, 100, Opt.Ts);
      step(0.0002);
      pkt(true, ACK | PSH, cs, ss, 200, Opt.Ts);
      cs += 400;
      step(0.05);
      pkt(false, ACK, ss, cs - 200, 0, Opt.Sack, { win: 0 });
      step(0.05);
      pkt(true, ACK | PSH, cs - 200, ss, 200, Opt.Ts);
      step(0.05);
      // The keep-alive re-sends a byte the server has ACKed (direction.ts: one it has not is data).
      pkt(false, ACK, ss, cs, 0, Opt.Ts);
      step(0.05);
      pkt(true, ACK, cs - 1, ss, 1, Opt.Ts);
      step(0.05);
      pkt(true, ACK, cs - 1, ss, 0, Opt.None);
      step(0.05);
      closeBoth(false);
      break;
    case 2:
      // Never answered: SYN retransmits, left to the idle timeout.
      pkt(true, SYN, ci, 0, 0, Opt.Syn);
      step(1);
      pkt(true, SYN, ci, 0, 0, Opt.Syn);
      step(2);
      pkt(true, SYN, ci, 0, 0, Opt.Syn);
      break;
    case 3:
      if (n % 2 === 0) {
        // Refused.
        pkt(true, SYN, ci, 0, 0, Opt.Syn);
        step();
        pkt(false, RST | ACK, 0, ci + 1, 0, Opt.None);
      } else {
        // Accepted, then reset by the server before it answered anything (an accept-queue overflow with abort=1).
        handshake();
        pkt(true, ACK | PSH, cs, ss, 100, Opt.Ts);
        step();
        pkt(false, RST | ACK, ss, cs + 100, 0, Opt.None);
      }
      break;
    case 4:
      // SYN-ACK retransmitted (same TSval), again after the handshake ACK; the client resets.
      pkt(true, SYN, ci, 0, 0, Opt.Syn);
      step();
      pkt(false, SYN | ACK, si, ci + 1, 0, Opt.Syn);
      step(0.5);
      pkt(false, SYN | ACK, si, ci + 1, 0, Opt.Syn);
      step();
      pkt(true, ACK, cs, ss, 0, Opt.Ts);
      step(0.0001);
      pkt(false, SYN | ACK, si, ci + 1, 0, Opt.Syn);
      step();
      exchange(1);
      pkt(true, RST | ACK, cs, ss, 0, Opt.None);
      break;
    case 5:
      // Mid-stream: no handshake in the capture; the server resets after data.
      pkt(true, ACK | PSH, cs, ss, 100, Opt.Ts);
      cs += 100;
      step();
      pkt(false, ACK | PSH, ss, cs, 300, Opt.Ts);
      ss += 300;
      step();
      pkt(true, ACK, cs, ss, 0, Opt.Ts);
      step();
      pkt(false, RST, ss, 0, 0, Opt.None);
      break;
    case 6:
      // The SYN-ACK captured before its SYN; a truncated handshake then data.
      pkt(false, SYN | ACK, si, ci + 1, 0, Opt.Syn);
      step(0.0001);
      pkt(true, SYN, ci, 0, 0, Opt.Syn);
      step();
      pkt(true, ACK, cs, ss, 0, Opt.Ts);
      step();
      exchange(2);
      closeBoth(true);
      break;
    case 7: {
      // Capture duplicates (one right after its original, one after another segment: found in the recent-segments
      // table), a hole (bytes never captured) filled later, the server resetting after data.
      handshake();
      pkt(true, ACK | PSH, cs, ss, 100, Opt.Ts);
      const original = out[out.length - 1]!;
      step(0.0001);
      out.push({ ...original, t });
      cs += 100;
      step(0.0001);
      pkt(true, ACK, cs, ss, 0, Opt.Ts);
      step(0.0001);
      out.push({ ...original, t });
      step();
      pkt(true, ACK | PSH, cs + 500, ss, 100, Opt.Ts);
      step();
      pkt(true, ACK | PSH, cs, ss, 500, Opt.Ts);
      cs += 600;
      step();
      pkt(false, ACK | PSH, ss, cs, 200, Opt.Ts);
      ss += 200;
      step();
      pkt(false, RST | ACK, ss, cs, 0, Opt.None);
      break;
    }
    case 8:
      // IPv6 behind a VLAN tag; then the same tuple on another VLAN while the first is still held after its
      // close: another connection under the same key (table.ts tells them apart by the tag).
      handshake();
      exchange(1);
      closeBoth(true);
      step(0.0005);
      pkt(true, SYN, ci + 5000, 0, 0, Opt.Syn, { vlan: 200 });
      step();
      pkt(false, SYN | ACK, si + 5000, ci + 5001, 0, Opt.Syn, { vlan: 200 });
      step();
      pkt(true, RST, ci + 5001, 0, 0, Opt.None, { vlan: 200 });
      break;
    case 9: {
      // A SYN with a new ISN before any answer, then a close, then the tuple reused with another ISN.
      pkt(true, SYN, ci - 7, 0, 0, Opt.Syn);
      step(0.5);
      handshake();
      exchange(1);
      closeBoth(true);
      step(0.3);
      const ci2 = (ci + 1000000) >>> 0;
      pkt(true, SYN, ci2, 0, 0, Opt.Syn);
      step();
      pkt(false, SYN | ACK, si + 5, ci2 + 1, 0, Opt.Syn);
      step();
      pkt(true, ACK, ci2 + 1, si + 6, 0, Opt.Ts);
      step();
      pkt(true, RST, ci2 + 1, 0, 0, Opt.None);
      break;
    }
    case 10:
      // A SYN answered by a bare ACK (a TIME_WAIT socket), a SYN with a FIN, then a client RST.
      pkt(true, SYN, ci, 0, 0, Opt.Syn);
      step();
      pkt(false, ACK, ss + 99, ci + 77, 0, Opt.Ts);
      step();
      pkt(true, SYN | FIN, ci, 0, 0, Opt.None);
      step();
      pkt(true, RST, ci + 77, 0, 0, Opt.None);
      break;
    default:
      // Frames that are not TCP.
      pkt(true, 0, 0, 0, 0, Opt.None, { other: 'udp' });
      step();
      pkt(true, 0, 0, 0, 0, Opt.None, { other: 'arp' });
      break;
  }
}

const KINDS = 12;

/**
 * The warm-up capture: `rounds` connections of each kind, started 1.5 ms apart and interleaved, then one
 * packet 130 s later so the idle sweep finishes what is left (the 120 s idle timeout).
 */
export function warmUpCapture(rounds = 40): Buffer {
  const packets: Packet[] = [];
  let start = 1_700_000_000;
  for (let n = 0; n < rounds; n++) {
    for (let kind = 0; kind < KINDS; kind++) {
      connection(kind, n, start, packets);
      start += 0.0015;
    }
  }
  const last = packets.reduce((m, p) => Math.max(m, p.t), 0);
  connection(0, rounds, last + 130, packets);
  packets.sort((a, b) => a.t - b.t);
  const out = Buffer.alloc(24 + packets.length * (16 + 18 + 40 + 44 + 1400));
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(262144, 16);
  out.writeUInt32LE(1, 20);
  let p = 24;
  for (const k of packets) {
    const wire = writeFrame(out, p + 16, k);
    const caplen = k.cut > 0 && k.cut < wire ? k.cut : wire;
    const sec = Math.floor(k.t);
    out.writeUInt32LE(sec, p);
    out.writeUInt32LE(Math.round((k.t - sec) * 1e6) % 1000000, p + 4);
    out.writeUInt32LE(caplen, p + 8);
    out.writeUInt32LE(wire, p + 12);
    p += 16 + caplen;
  }
  return out.subarray(0, p);
}
