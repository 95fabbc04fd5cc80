// The accuracy corpus's labels agree with its captures: the bridge's drop log is exactly the packets one
// side sent and the other never received, and each transform's record of what it changed matches the
// capture it wrote. Reads the pcaps directly (classic pcap, Ethernet), independent of tcpdiag.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ACC = fileURLToPath(new URL('../../fixtures/accuracy/', import.meta.url));

interface Frame {
  vlan: boolean;
  key: string | null; // src sport dst dport seq ack flags len ipid, for IPv4 TCP
}

const FLAG_LETTERS = 'FSRPAUEC';

function frames(path: string): Frame[] {
  const raw = readFileSync(path);
  const buf = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  const magic = buf.readUInt32LE(0);
  expect([0xa1b2c3d4, 0xa1b23c4d]).toContain(magic);
  expect(buf.readUInt32LE(20)).toBe(1); // Ethernet
  const out: Frame[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = buf.readUInt32LE(off + 8);
    const f = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let l3 = 14;
    let etype = f.readUInt16BE(12);
    const vlan = etype === 0x8100;
    while (etype === 0x8100 || etype === 0x88a8) {
      etype = f.readUInt16BE(l3 + 2);
      l3 += 4;
    }
    if (etype !== 0x0800 || f[l3 + 9] !== 6) {
      out.push({ vlan, key: null });
      continue;
    }
    const ihl = (f[l3]! & 15) * 4;
    const total = f.readUInt16BE(l3 + 2);
    const l4 = l3 + ihl;
    const fl = f[l4 + 13]!;
    const flags = [...FLAG_LETTERS].filter((_, i) => (fl >> i) & 1).join('');
    const len = total - ihl - (f[l4 + 12]! >> 4) * 4;
    const ip = (o: number) => `${f[o]}.${f[o + 1]}.${f[o + 2]}.${f[o + 3]}`;
    out.push({
      vlan,
      key: [ip(l3 + 12), f.readUInt16BE(l4), ip(l3 + 16), f.readUInt16BE(l4 + 2), f.readUInt32BE(l4 + 4), f.readUInt32BE(l4 + 8), flags, len, f.readUInt16BE(l3 + 4)].join(' '),
    });
  }
  return out;
}

function counts(fs: Frame[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs) if (f.key) m.set(f.key, (m.get(f.key) ?? 0) + 1);
  return m;
}

function labels(dir: string): any {
  return JSON.parse(readFileSync(`${ACC}${dir}/labels.json`, 'utf8'));
}

describe('bridge drop log (labels.dropped_on_path) against the two captures', () => {
  const logged: [string, number][] = [
    ['loss-3', 23], ['loss-8', 54], ['loss-15', 142], ['loss-20', 239],
    ['overflow-loss-abort0', 19], ['overflow-loss-abort1', 105], ['healthy-lossy-logged', 132],
  ];
  for (const [dir, total] of logged) {
    it(`${dir}: every logged TCP drop is a packet the sender captured and the receiver did not, and no other packet went missing`, () => {
      const l = labels(dir);
      expect(l.dropped_on_path.length).toBe(total);
      const cap = { client: counts(frames(`${ACC}${dir}/client.pcap.gz`)), server: counts(frames(`${ACC}${dir}/server.pcap.gz`)) };
      const drops = new Map<string, { from: 'client' | 'server'; n: number }>();
      for (const d of l.dropped_on_path) {
        if (d.sport === undefined) continue; // ARP / neighbour discovery
        const key = [d.src, d.sport, d.dst, d.dport, d.seq, d.ack, d.flags, d.len, d.ip_id].join(' ');
        const from = d.dir === 'r0->r1' ? 'client' : 'server';
        const e = drops.get(key) ?? { from, n: 0 };
        e.n++;
        drops.set(key, e);
      }
      expect(drops.size).toBeGreaterThan(0);
      for (const [key, { from, n }] of drops) {
        const to = from === 'client' ? 'server' : 'client';
        // SYN-ACKs and RSTs carry IP ID 0, so a lost one and its retransmission look alike: count copies
        expect((cap[from].get(key) ?? 0) - (cap[to].get(key) ?? 0), key).toBe(n);
      }
      for (const [from, to, ip] of [['client', 'server', l.client.ip], ['server', 'client', l.server.ip]] as const) {
        for (const [key, n] of cap[from]) {
          if (!key.startsWith(`${ip} `)) continue;
          const missing = n - (cap[to].get(key) ?? 0);
          if (missing > 0) expect(drops.get(key)?.n ?? 0, `${key} missing at the ${to} but not logged`).toBe(missing);
        }
      }
    });
  }

  it('runs without loss log no drops', () => {
    for (const dir of ['stalled-synack1', 'filtered-client', 'reuseport-slow', 'defer-accept', 'ipv6-overflow-abort0']) {
      const l = labels(dir);
      expect(l.dropped_on_path_logged, dir).toBe(true);
      expect(l.dropped_on_path, dir).toEqual([]);
    }
  });
});

describe('transform labels against the captures they describe', () => {
  it('duplicate: every frame twice, byte-identical fields', () => {
    const l = labels('dup-healthy-server');
    const fs = frames(`${ACC}dup-healthy-server/capture.pcap.gz`);
    expect(fs.length).toBe(l.transform.changed.frames_in + l.transform.changed.copies_added);
    expect(l.transform.changed.copies_added).toBe(l.transform.changed.frames_in);
    for (const n of counts(fs).values()) expect(n % 2).toBe(0);
    expect(l.transform.ground_truth).toMatchObject({ overflow: false, counters_apply: true });
  });

  it('capture-loss: the frames listed as lost are the ones missing', () => {
    const l = labels('caploss-overflow-abort0-server');
    const fs = frames(`${ACC}caploss-overflow-abort0-server/capture.pcap.gz`);
    expect(fs.length).toBe(l.transform.changed.frames_in - l.transform.changed.frames_lost);
    expect(l.transform.changed.lost.length).toBe(l.transform.changed.frames_lost);
    expect(l.transform.changed.frames_lost).toBeGreaterThan(0);
  });

  it('vlan: only one direction is tagged', () => {
    const l = labels('vlan-overflow-abort0-server');
    const fs = frames(`${ACC}vlan-overflow-abort0-server/capture.pcap.gz`);
    expect(fs.filter((f) => f.vlan).length).toBe(l.transform.changed.frames_tagged);
    for (const f of fs) expect(f.vlan).toBe(f.key!.startsWith('198.18.0.2 '));
  });

  it('proxy: front and back frames, the back end moved to 198.18.0.5', () => {
    const l = labels('proxy-overflow-backend');
    const fs = frames(`${ACC}proxy-overflow-backend/capture.pcap.gz`);
    expect(fs.length).toBe(l.transform.changed.front_frames + l.transform.changed.back_frames);
    expect(fs.filter((f) => f.key!.includes(' 198.18.0.5 ') || f.key!.startsWith('198.18.0.5 ')).length).toBe(l.transform.changed.back_frames);
    expect(Object.keys(l.transform.ground_truth.listeners)).toEqual(['198.18.0.3:8080', '198.18.0.5:8080']);
  });
});
