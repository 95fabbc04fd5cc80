#!/usr/bin/env node
// Agreement check of the issue-20 prototype against `tcpdiag flows --format ndjson`, capture by capture:
// the number of connections, and per connection (client, server, first frame) the SYN count, the
// SYN-ACK count, the packets each way and the end (fin/rst/rst+ack/open and by whom).
//
//   node scripts/bench/prototype/agree.mjs FILE.pcap[.gz] ...
//
// .gz captures are gunzipped to /tmp first (the prototype reads classic pcap only). Exit 1 on any difference.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, createReadStream, createWriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PROTO = join(REPO, 'scripts/bench/prototype/track-proto.mjs');
let bad = 0;
for (const arg of process.argv.slice(2)) {
  let file = arg;
  if (file.endsWith('.gz')) {
    file = `/tmp/proto-agree-${arg.replace(/[^A-Za-z0-9]+/g, '_')}.pcap`;
    await pipeline(createReadStream(arg), createGunzip(), createWriteStream(file));
  }
  const out = `/tmp/proto-agree-${process.pid}.ndjson`;
  const p = spawnSync('node', [PROTO, 'track', file, '--check', out], { encoding: 'utf8' });
  if (p.status !== 0) { console.log(`${arg}: prototype failed: ${p.stderr.trim()}`); bad++; continue; }
  const t = spawnSync('node', [join(REPO, 'bin/tcpdiag.js'), 'flows', '--format', 'ndjson', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (t.status !== 0) { console.log(`${arg}: tcpdiag flows failed: ${t.stderr.trim()}`); bad++; continue; }
  const key = (r) => `${r.client} ${r.server} ${r.firstFrame}`;
  const proto = new Map();
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    proto.set(key(r), r);
  }
  const real = new Map();
  for (const line of t.stdout.split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (!r.client) continue;
    real.set(key(r), {
      synRetransmits: r.synRetransmits, synAckRetransmits: r.synAckRetransmits,
      clientPackets: r.clientPackets, serverPackets: r.serverPackets,
      end: r.end.how + (r.end.by ? `/${r.end.by}` : ''),
    });
  }
  const diffs = [];
  let missing = 0, extra = 0;
  for (const [k, a] of real) {
    const b = proto.get(k);
    if (!b) { missing++; if (diffs.length < 5) diffs.push(`only in tcpdiag: ${k}`); continue; }
    const bb = {
      synRetransmits: Math.max(0, b.synCount - 1), synAckRetransmits: Math.max(0, b.synAckCount - 1),
      clientPackets: b.clientPackets, serverPackets: b.serverPackets, end: b.end,
    };
    for (const f of Object.keys(a)) {
      if (a[f] !== bb[f]) { diffs.push(`${k}: ${f} tcpdiag ${a[f]} prototype ${bb[f]}`); break; }
    }
  }
  for (const k of proto.keys()) if (!real.has(k)) { extra++; if (diffs.length < 10) diffs.push(`only in prototype: ${k}`); }
  const n = diffs.length;
  console.log(`${basename(dirname(arg))}/${basename(arg)}: tcpdiag ${real.size} connections, prototype ${proto.size}; ` +
    `missing ${missing}, extra ${extra}, differing ${n - Math.min(n, missing + extra)} → ${n === 0 ? 'agree' : 'DIFFER'}`);
  for (const d of diffs.slice(0, 8)) console.log(`  ${d}`);
  if (n) bad++;
  writeFileSync(out, '');
}
process.exit(bad ? 1 : 0);
