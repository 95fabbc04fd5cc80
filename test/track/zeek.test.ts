import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zeekConnState } from '../../src/track/zeek.js';
import { FIXTURES, run } from '../helpers/pipeline.js';

/** Rows of a Zeek conn.log baseline as objects keyed by its #fields (or header) line. */
function zeekLog(name: string): Record<string, string>[] {
  const lines = readFileSync(`${FIXTURES}public/${name}`, 'utf8').split('\n');
  let fields: string[] = [];
  const rows: Record<string, string>[] = [];
  for (const line of lines) {
    if (line.startsWith('#fields')) fields = line.split('\t').slice(1);
    else if (line.startsWith('ts\t')) fields = line.split('\t');
    else if (!line.startsWith('#') && line.trim() && fields.length) {
      const cells = line.split('\t');
      rows.push(Object.fromEntries(fields.map((f, i) => [f, cells[i] ?? ''])));
    }
  }
  return rows;
}

const BASELINES = ['get.pcap', 'missing-syn.pcap', 'irc-starttls.pcap', 'ctu-64702-888.pcap', 'one-sided-2745.pcap', 'vlan-collisions.pcap'];

describe.each(BASELINES)('Zeek conn.log baseline: %s', (pcap) => {
  it('gives the same connections, orientation, conn_state, history and packet counts', async () => {
    const expected = zeekLog(`${pcap}.zeek-conn.log`);
    const r = await run(`${FIXTURES}public/${pcap}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(r.conns.length).toBe(expected.length);
    for (const z of expected) {
      const orig = `${z['id.orig_h']}:${z['id.orig_p']}`;
      const resp = `${z['id.resp_h']}:${z['id.resp_p']}`;
      const tag = (f: string) => (z[f] && z[f] !== '-' ? Number(z[f]) : 0);
      // The tracker keys VLANs as outer << 12 | inner (and QinQ's tag count from bit 24, decode/link.ts).
      const vlan = tag('id.ctx.inner_vlan') ? (tag('id.ctx.vlan') << 12) | tag('id.ctx.inner_vlan') : tag('id.ctx.vlan');
      const c = r.conns.find((x) => x.client === orig && x.server === resp && (x.c.vlan & 0xffffff) === vlan);
      expect(c, `${orig} → ${resp} vlan ${vlan}`).toBeDefined();
      const k = c!.c;
      if (z.history) expect(k.history).toBe(z.history);
      if (z.conn_state) expect(zeekConnState(k.clientState, k.serverState, k.history, k.client.bytes, k.server.bytes)).toBe(z.conn_state);
      expect(k.client.packets).toBe(Number(z.orig_pkts));
      expect(k.server.packets).toBe(Number(z.resp_pkts));
    }
  });
});

describe('Zeek conn_state-RST-behavior baseline', () => {
  const expected = readFileSync(`${FIXTURES}public/zeek_conn_state-RST-behavior.out`, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(', '));
  const files = ['single-rst.pcap', 'syn-then-rst.pcap', 'syn-then-ack-then-rst.pcap', 'syn-then-stuff-then-rst.pcap'];
  it.each(files.map((f, i) => [f, i] as const))('%s', async (file, i) => {
    const r = await run(`${FIXTURES}public/${file}`);
    expect(r.conns.length).toBe(1);
    const k = r.conns[0]!.c;
    const [history, state] = expected[i]!;
    expect(k.history).toBe(history);
    expect(zeekConnState(k.clientState, k.serverState, k.history, k.client.bytes, k.server.bytes)).toBe(state);
  });
});
