import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * Writes a copy of a classic little-endian microsecond pcap (gzip or not) after `edit` has seen
 * every record: `rec` is the record header's offset, `data` its first captured byte's.
 */
export function editPcap(src: string, dst: string, edit: (b: Buffer, rec: number, data: number, caplen: number) => void): void {
  let b = readFileSync(src);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${src}: not a little-endian microsecond pcap`);
  let off = 24;
  while (off + 16 <= b.length) {
    const caplen = b.readUInt32LE(off + 8);
    edit(b, off, off + 16, caplen);
    off += 16 + caplen;
  }
  writeFileSync(dst, b);
}

/** Moves every timestamp by `seconds` (whole seconds, so the microseconds field stays as it is). */
export function shiftPcap(src: string, dst: string, seconds: number): void {
  editPcap(src, dst, (b, rec) => b.writeUInt32LE(b.readUInt32LE(rec) + seconds, rec));
}

/**
 * A source NAT in front of the client, as seen from its own side: in an Ethernet/IPv4 capture,
 * `from`'s address becomes `to` and its ports move by `portShift` (both directions). Checksums are
 * left stale: tcpdiag does not check them.
 */
export function natPcap(src: string, dst: string, from: string, to: string, portShift: number): void {
  const a = Buffer.from(from.split('.').map(Number));
  const z = Buffer.from(to.split('.').map(Number));
  editPcap(src, dst, (b, _rec, data) => {
    if (b.readUInt16BE(data + 12) !== 0x0800) return;
    const ip = data + 14;
    const tcp = ip + (b[ip]! & 0x0f) * 4;
    if (b[ip + 9] !== 6) return;
    if (b.subarray(ip + 12, ip + 16).equals(a)) {
      z.copy(b, ip + 12);
      b.writeUInt16BE(b.readUInt16BE(tcp) + portShift, tcp);
    }
    if (b.subarray(ip + 16, ip + 20).equals(a)) {
      z.copy(b, ip + 16);
      b.writeUInt16BE(b.readUInt16BE(tcp + 2) + portShift, tcp + 2);
    }
  });
}

/** Writes a copy of a classic little-endian pcap (gzip or not) with only the records `keep` accepts. */
export function filterPcap(src: string, dst: string, keep: (b: Buffer, rec: number, data: number, caplen: number) => boolean): void {
  let b = readFileSync(src);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  const parts: Buffer[] = [b.subarray(0, 24)];
  let off = 24;
  while (off + 16 <= b.length) {
    const caplen = b.readUInt32LE(off + 8);
    if (keep(b, off, off + 16, caplen)) parts.push(b.subarray(off, off + 16 + caplen));
    off += 16 + caplen;
  }
  writeFileSync(dst, Buffer.concat(parts));
}

/** TCP flags of an Ethernet/IPv4 record, -1 when it is something else. */
export function tcpFlags(b: Buffer, data: number): number {
  if (b.readUInt16BE(data + 12) !== 0x0800) return -1;
  const ip = data + 14;
  if (b[ip + 9] !== 6) return -1;
  return b[ip + (b[ip]! & 0x0f) * 4 + 13]!;
}

/** Record time, epoch seconds. */
export function recordTime(b: Buffer, rec: number): number {
  return b.readUInt32LE(rec) + b.readUInt32LE(rec + 4) * 1e-6;
}

/** Writes a copy with an 802.1Q tag (VLAN `vid`) inserted into every Ethernet record, as a trunk port would show it. */
export function tagPcap(src: string, dst: string, vid: number): void {
  let b = readFileSync(src);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  const parts: Buffer[] = [b.subarray(0, 24)];
  let off = 24;
  while (off + 16 <= b.length) {
    const caplen = b.readUInt32LE(off + 8);
    const head = Buffer.from(b.subarray(off, off + 16));
    head.writeUInt32LE(caplen + 4, 8);
    head.writeUInt32LE(b.readUInt32LE(off + 12) + 4, 12);
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(0x8100, 0);
    tag.writeUInt16BE(vid, 2);
    parts.push(head, b.subarray(off + 16, off + 28), tag, b.subarray(off + 28, off + 16 + caplen));
    off += 16 + caplen;
  }
  writeFileSync(dst, Buffer.concat(parts));
}

/**
 * Writes a copy in which every TCP data segment from `from` (Ethernet/IPv4) is cut in two, as a
 * receiver sees a segment its sender's capture showed whole (TSO/GSO): same ack, the second half's
 * seq moved on, IP ID + 1, PSH and FIN only on the second. Checksums stay stale.
 */
export function splitPcap(src: string, dst: string, from: string): void {
  let b = readFileSync(src);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  const addr = Buffer.from(from.split('.').map(Number));
  const parts: Buffer[] = [b.subarray(0, 24)];
  let off = 24;
  while (off + 16 <= b.length) {
    const caplen = b.readUInt32LE(off + 8);
    const rec = b.subarray(off, off + 16 + caplen);
    off += 16 + caplen;
    const d = 16;
    const ip = d + 14;
    const ihl = (rec[ip]! & 0x0f) * 4;
    const tcp = ip + ihl;
    const thl = (rec[tcp + 12]! >> 4) * 4;
    const total = rec.readUInt16BE(ip + 2);
    const len = total - ihl - thl;
    if (rec.readUInt16BE(d + 12) !== 0x0800 || rec[ip + 9] !== 6 || !rec.subarray(ip + 12, ip + 16).equals(addr) || len < 2 || caplen !== 14 + total) {
      parts.push(rec);
      continue;
    }
    const h = len >> 1;
    const headers = rec.subarray(0, tcp + thl);
    const payload = rec.subarray(tcp + thl);
    const first = Buffer.concat([headers, payload.subarray(0, h)]);
    const second = Buffer.concat([headers, payload.subarray(h)]);
    for (const [r, n] of [[first, h], [second, len - h]] as const) {
      r.writeUInt32LE(14 + ihl + thl + n, 8);
      r.writeUInt32LE(14 + ihl + thl + n, 12);
      r.writeUInt16BE(ihl + thl + n, ip + 2);
    }
    first[tcp + 13] = first[tcp + 13]! & ~0x09;
    second.writeUInt32BE((second.readUInt32BE(tcp + 4) + h) >>> 0, tcp + 4);
    second.writeUInt16BE((second.readUInt16BE(ip + 4) + 1) & 0xffff, ip + 4);
    parts.push(first, second);
  }
  writeFileSync(dst, Buffer.concat(parts));
}

/** Writes a copy in which every IPv4 packet's IP ID is scrambled (x ^ 0x5a5a), as `scrub random-id` would. */
export function scrambleIpIdPcap(src: string, dst: string): void {
  editPcap(src, dst, (b, _rec, data) => {
    if (b.readUInt16BE(data + 12) !== 0x0800) return;
    b.writeUInt16BE(b.readUInt16BE(data + 18) ^ 0x5a5a, data + 18);
  });
}
