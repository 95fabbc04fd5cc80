#!/usr/bin/env node
// Writes a pcap of N distinct spoofed SYNs to one server, for measuring
// tcpdiag's peak memory on an adversarial flood (issue 7):
//
//   node scripts/make-syn-flood.mjs /tmp/flood.pcap                 # 1,000,000 SYNs, ~74 MB
//   node scripts/make-syn-flood.mjs /tmp/flood.pcap --count 50000 --pps 100000
//
// Every SYN has its own source address (11.0.0.0 upwards) and port, so each
// one is a new connection; Ethernet/IPv4/TCP with an MSS option, 58 bytes a
// frame, little-endian microsecond pcap. Deterministic: the same arguments
// give the same bytes. Options:
//   --count N     SYNs to write (default 1000000)
//   --pps R       SYNs per second of capture time (default 200000: 1M SYNs in 5 s)
//   --dst A.B.C.D server address (default 10.0.0.2), --port P (default 80)
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

function usage(msg) {
  if (msg) console.error(`make-syn-flood: ${msg}`);
  console.error('usage: node scripts/make-syn-flood.mjs OUT.pcap [--count N] [--pps R] [--dst A.B.C.D] [--port P]');
  process.exit(2);
}

const args = process.argv.slice(2);
let out = null;
let count = 1_000_000;
let pps = 200_000;
let dst = [10, 0, 0, 2];
let port = 80;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const val = () => args[++i] ?? usage(`${a} needs a value`);
  if (a === '--count') count = Number(val());
  else if (a === '--pps') pps = Number(val());
  else if (a === '--dst') dst = val().split('.').map(Number);
  else if (a === '--port') port = Number(val());
  else if (a === '-h' || a === '--help') usage();
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else if (out === null) out = a;
  else usage(`unexpected argument ${a}`);
}
if (!out) usage('no output path');
if (!Number.isInteger(count) || count < 0 || count > 0xf0000000) usage('--count must be a whole number');
if (!(pps > 0)) usage('--pps must be positive');
if (dst.length !== 4 || dst.some((x) => !(x >= 0 && x <= 255))) usage('--dst must be an IPv4 address');

const FRAME = 14 + 20 + 24;
const REC = 16 + FRAME;
const T0 = 1_700_000_000;

// One frame as a template; per SYN only the source, port, sequence number, checksums and time change.
const tmpl = Buffer.alloc(REC);
tmpl.writeUInt32LE(FRAME, 8);
tmpl.writeUInt32LE(FRAME, 12);
const e = 16;
Buffer.from('02000000000202000000000108 00'.replace(/ /g, ''), 'hex').copy(tmpl, e); // dst MAC, src MAC, IPv4
const ip = e + 14;
tmpl[ip] = 0x45;
tmpl.writeUInt16BE(20 + 24, ip + 2);
tmpl.writeUInt16BE(0x4000, ip + 6); // DF
tmpl[ip + 8] = 64;
tmpl[ip + 9] = 6;
Buffer.from(dst).copy(tmpl, ip + 16);
const tcp = ip + 20;
tmpl.writeUInt16BE(port, tcp + 2);
tmpl[tcp + 12] = 6 << 4;
tmpl[tcp + 13] = 0x02; // SYN
tmpl.writeUInt16BE(64240, tcp + 14);
Buffer.from([2, 4, 0x05, 0xb4]).copy(tmpl, tcp + 20); // MSS 1460

function ipChecksum(b, p) {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) if (i !== 10) sum += b.readUInt16BE(p + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(262144, 16);
header.writeUInt32LE(1, 20);

const ws = createWriteStream(out);
ws.on('error', (err) => {
  console.error(`make-syn-flood: ${err.message}`);
  process.exit(1);
});
ws.write(header);
const BATCH = 8192;
for (let start = 0; start < count; start += BATCH) {
  const n = Math.min(BATCH, count - start);
  const buf = Buffer.allocUnsafe(n * REC);
  for (let k = 0; k < n; k++) {
    const i = start + k;
    const o = k * REC;
    tmpl.copy(buf, o);
    const us = Math.floor((i * 1e6) / pps);
    buf.writeUInt32LE(T0 + Math.floor(us / 1e6), o);
    buf.writeUInt32LE(us % 1e6, o + 4);
    buf.writeUInt16BE(i & 0xffff, o + ip + 4); // IP id
    buf.writeUInt32BE((0x0b000000 + i) >>> 0, o + ip + 12); // spoofed source 11.0.0.0 + i
    buf.writeUInt16BE(ipChecksum(buf, o + ip), o + ip + 10);
    buf.writeUInt16BE(1024 + (i % 64000), o + tcp); // source port
    buf.writeUInt32BE(Math.imul(i + 1, 2654435761) >>> 0, o + tcp + 4); // ISN
  }
  if (!ws.write(buf)) await once(ws, 'drain');
}
ws.end();
await once(ws, 'finish');
