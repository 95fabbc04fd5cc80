import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectionUid, splitVlan, type FlowRecord } from '../../src/report/flow.js';
import { flowPrinter } from '../../src/report/flow-printers.js';
import { analyzeCaptures, analyzeOne } from './pipeline.js';

// Flows' Zeek conn.log fields against Zeek's own baselines (fixtures/public/*.zeek-conn.log, from
// Zeek's test suite; fixtures/README.md). uids are Zeek's random ones there: compared on everything else.

const pub = (name: string) => fileURLToPath(new URL(`../../fixtures/public/${name}`, import.meta.url));

/** Rows of a Zeek log as column → value (`#fields` header, or the first line of a cut baseline). */
function zeekLog(name: string): Record<string, string>[] {
  const lines = readFileSync(pub(`${name}.zeek-conn.log`), 'utf8').split('\n').filter((l) => l && !l.startsWith('### '));
  const fields = lines.find((l) => l.startsWith('#fields'))?.split('\t').slice(1) ?? lines.shift()!.split('\t');
  return lines.filter((l) => !l.startsWith('#')).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [fields[i]!, v])));
}

const num = (v: string | undefined) => (v === undefined || v === '-' ? null : Number(v));

/** What a baseline row says, in the flow record's field names, for the columns it has. */
function expected(z: Record<string, string>): Partial<FlowRecord> {
  const out: Record<string, unknown> = {};
  for (const k of ['id.orig_h', 'id.resp_h', 'conn_state', 'history'] as const) if (k in z) out[k] = z[k];
  for (const k of ['id.orig_p', 'id.resp_p', 'orig_pkts', 'resp_pkts', 'orig_bytes', 'resp_bytes'] as const) if (k in z) out[k] = Number(z[k]);
  if ('id.ctx.vlan' in z) out.vlan = num(z['id.ctx.vlan']);
  if ('id.ctx.inner_vlan' in z) out.inner_vlan = num(z['id.ctx.inner_vlan']);
  return out as Partial<FlowRecord>;
}

const BASELINES = ['get.pcap', 'irc-starttls.pcap', 'missing-syn.pcap', 'ctu-64702-888.pcap', 'one-sided-2745.pcap', 'vlan-collisions.pcap'];

describe('flows: Zeek conn.log fields', () => {
  it.each(BASELINES)('%s: the fields Zeek logs agree, connection for connection', async (name) => {
    const rows = zeekLog(name);
    const { flows } = await analyzeOne(pub(name));
    expect(rows.length).toBeGreaterThan(0);
    expect(flows).toHaveLength(rows.length);
    // Zeek logs connections in the order it closes them: each row is matched to the flow of its tuple and tags.
    const KEY = ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'vlan', 'inner_vlan'] as const;
    const used = new Set<FlowRecord>();
    rows.forEach((z, i) => {
      const e = expected(z) as Record<string, unknown>;
      const f = flows.find((x) => !used.has(x) && KEY.every((k) => !(k in e) || (x as unknown as Record<string, unknown>)[k] === e[k]));
      expect(f, `${name} row ${i + 1}: no flow of that tuple`).toBeDefined();
      used.add(f!);
      const got = Object.fromEntries(Object.keys(e).map((k) => [k, (f as unknown as Record<string, unknown>)[k]]));
      expect(got, `${name} row ${i + 1}`).toEqual(e);
      // Zeek's duration stops at the packet that closed both ends; tcpdiag's runs to the last packet
      // (get.pcap: 0.211484 against 0.211628, the final ACK): within 1 ms of it, never shorter.
      if (z.duration) {
        expect(f!.duration).toBeGreaterThanOrEqual(Number(z.duration) - 1e-6);
        expect(f!.duration - Number(z.duration)).toBeLessThan(1e-3);
      }
    });
  });

  // Zeek logs vlan 0 / inner_vlan 0 for this 802.1ad frame with both ids 0: the decoder keeps the tag
  // count beside the ids, so an id-0 tag is not read as no tag.
  it('http-qinq-0.pcap: tags of id 0 are kept (Zeek: vlan 0, inner_vlan 0)', async () => {
    const { flows } = await analyzeOne(pub('http-qinq-0.pcap'));
    const z = zeekLog('http-qinq-0.pcap')[0]!;
    expect([flows[0]!.vlan, flows[0]!.inner_vlan]).toEqual([Number(z['id.ctx.vlan']), Number(z['id.ctx.inner_vlan'])]);
  });

  it('splits QinQ tags: outer in vlan, inner in inner_vlan', () => {
    expect(splitVlan(0)).toEqual({ vlan: null, inner_vlan: null });
    expect(splitVlan(42)).toEqual({ vlan: 42, inner_vlan: null });
    expect(splitVlan((2 << 24) | (10 << 12) | 20)).toEqual({ vlan: 10, inner_vlan: 20 });
    expect(splitVlan((2 << 24) | 40980)).toEqual({ vlan: 10, inner_vlan: 20 });
    // QinQ ids of 0 are tags, not the absence of one (nor VLAN 5 alone).
    expect(splitVlan(2 << 24)).toEqual({ vlan: 0, inner_vlan: 0 });
    expect(splitVlan((2 << 24) | 5)).toEqual({ vlan: 0, inner_vlan: 5 });
  });

  it('uids look like Zeek’s, are stable across runs, and differ per connection', async () => {
    const path = pub('vlan-collisions.pcap');
    const a = (await analyzeCaptures([path])).flows.map((f) => f.uid);
    const b = (await analyzeCaptures([path])).flows.map((f) => f.uid);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(3);
    for (const u of a) expect(u).toMatch(/^C[0-9A-Za-z]{15,17}$/);
    expect(connectionUid('x.pcap', 1, 'a b 0')).not.toBe(connectionUid('y.pcap', 1, 'a b 0'));
  });

  it('text and CSV show the VLAN: vlan-collisions.pcap has three rows told apart', async () => {
    const { flows } = await analyzeOne(pub('vlan-collisions.pcap'));
    const render = (format: 'text' | 'csv') => {
      let out = '';
      const p = flowPrinter(format, { write: (s) => (out += s) }, { quiet: true });
      for (const flow of flows) p.print({ kind: 'flow', flow });
      p.print({ kind: 'capture-end', path: 'x', connections: flows.length, packets: 42 });
      p.finish();
      return out.trim().split('\n');
    };
    const text = render('text');
    expect(text[0]).toMatch(/^client\s+server\s+vlan\s+start/);
    expect(text.slice(1).map((l) => l.split(/\s+/)[2])).toEqual(['-', '42', '10/20']);
    expect(new Set(text.slice(1)).size).toBe(3);
    const csv = render('csv');
    expect(csv[0]!.endsWith(',uid,vlan,inner_vlan')).toBe(true);
    expect(csv.slice(1).map((l) => l.split(',').slice(-2).join('/'))).toEqual(['/', '42/', '10/20']);
  });

  it('text has no vlan column for an untagged capture', async () => {
    const { flows } = await analyzeOne(pub('get.pcap'));
    let out = '';
    const p = flowPrinter('text', { write: (s) => (out += s) }, { quiet: true });
    for (const flow of flows) p.print({ kind: 'flow', flow });
    p.print({ kind: 'capture-end', path: 'x', connections: 1, packets: 14 });
    expect(out.split('\n')[0]).toMatch(/^client\s+server\s+start/);
  });
});
