// The slot layout, the records' slot fields and the flows row are generated from the field table
// (src/track/fields.ts → src/track/layout.generated.ts, src/track/record.generated.ts and
// src/report/flow.generated.ts by scripts/gen-layout.mjs). The generated files must be what the table makes,
// the layout the generator computes must give every number its own bytes, with what a packet touches in the
// slot's first lines, and a fact added to the table must reach the record and the flows row.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/track/connection.js';
import { Direction } from '../../src/track/direction.js';
import { DF, DW, Fl, W } from '../../src/track/layout.js';
import { analyzeOne, LAB } from '../report/pipeline.js';

type Entry = [string, number, { type: string; record?: string } | null];
interface Layout {
  W: Entry[];
  Fl: Entry[];
  DW: Entry[];
  DF: Entry[];
  DC: Entry[];
  size: number;
  dwSize: number;
  dfSize: number;
  dcSize: number;
}
interface Table {
  SLOT_GROUPS: { kind: string; fields: object[] }[];
  DIRECTION_WORDS: object[];
  DIRECTION_DOUBLES: object[];
  DIRECTION_COUNTERS: object[];
  FLOW_ROW: string[];
  FLOW_DIRECTION_STATS: string[];
}
interface Generator {
  OUTPUT_PATH: string;
  loadFields(): Promise<Table>;
  computeLayout(t: unknown): Layout;
  generate(t: unknown): string;
  generateAll(t: unknown): [string, string][];
  generateRecords(t: unknown): string;
  generateFlows(t: unknown): string;
  flowColumns(t: unknown): { row: Map<string, unknown>; stats: Map<string, unknown>; order: string[]; statsOrder: string[]; appended: string[] };
}

const generator = async (): Promise<Generator> =>
  (await import(pathToFileURL(new URL('../../scripts/gen-layout.mjs', import.meta.url).pathname).href)) as Generator;

describe('slot layout', () => {
  it('layout.generated.ts, record.generated.ts and flow.generated.ts are what the field table makes (run node scripts/gen-layout.mjs after changing fields.ts)', async () => {
    const g = await generator();
    const files = g.generateAll(await g.loadFields());
    expect(files.map(([p]) => p.replace(/.*\/src\//, 'src/'))).toEqual(['src/track/layout.generated.ts', 'src/track/record.generated.ts', 'src/report/flow.generated.ts']);
    for (const [path, text] of files) expect(readFileSync(path, 'utf8'), path).toBe(text);
  });

  it('gives every word and double of a slot its own bytes, inside the slot; what a packet touches in its first six cache lines', async () => {
    const g = await generator();
    const L = g.computeLayout(await g.loadFields());
    expect(L.size).toBe(W.Size);
    expect(L.size * 4).toBe(Fl.Size * 8);
    const owner = new Map<number, string>();
    const claim = (byte: number, name: string, size: number): void => {
      for (let i = byte; i < byte + size; i++) {
        expect(owner.get(i), `${name} overlaps ${owner.get(i)}`).toBeUndefined();
        expect(i, `${name} past the slot`).toBeLessThan(L.size * 4);
        owner.set(i, name);
      }
    };
    expect(L.DW.length).toBeLessThanOrEqual(L.dwSize);
    for (const [name, at] of L.W) {
      if (name === 'Client' || name === 'Server') {
        for (const [d, off] of L.DW) claim((at + off) * 4, `W.${name}+DW.${d}`, 4);
        for (let off = L.DW.length; off < L.dwSize; off++) claim((at + off) * 4, `W.${name}+DW(free)`, 4);
      } else if (name === 'ClientCounters' || name === 'ServerCounters') {
        for (const [d, off] of L.DC) claim((at + off) * 4, `W.${name}+DC.${d}`, 4);
      } else claim(at * 4, `W.${name}`, 4);
    }
    for (const [name, at] of L.Fl) {
      if (name === 'Client' || name === 'Server') {
        for (const [d, off] of L.DF) claim((at + off) * 8, `Fl.${name}+DF.${d}`, 8);
      } else claim(at * 8, `Fl.${name}`, 8);
    }
    // Read on every packet: the lookup's, a direction's, the handshake counts updateConnection reads on every
    // server packet, flows' Zeek words (history.ts, zeek.ts), the times.
    const hot = [
      'W.Key', 'W.Vlan', 'W.Bits', 'W.RstBy', 'W.SynCount', 'W.SynAckCount', 'W.ServerDataAckFrame', 'W.ClientSegsBeforeAnswer',
      'W.HistSeen', 'W.ZClient', 'W.ZServerPrev', 'W.ServerDataFrame', 'W.Server+DW.LastId', 'W.Server+DW.PrevDelta', 'Fl.LastTime', 'Fl.Server+DF.LastTime',
    ];
    for (const name of hot) {
      const bytes = [...owner].filter(([, n]) => n === name).map(([b]) => b);
      expect(bytes.length, name).toBeGreaterThan(0);
      expect(Math.max(...bytes), name).toBeLessThan(384);
    }
    // Tracker.loadSlot and ConnectionTable.preload load words 0, 16, ..., 160 and the last one: one from each line a
    // slot of 176 words at most overlaps.
    expect(W.Size, 'a slot past 176 words: give tracker.ts loadSlot and table.ts preload a load for the new line').toBeLessThanOrEqual(176);
    // The compiled code uses the generated enums: the same numbers.
    expect(L.W.find(([n]) => n === 'Server')![1]).toBe(W.Server);
    expect(L.Fl.find(([n]) => n === 'IsnSynTime')![1]).toBe(Fl.IsnSynTime);
    expect(L.DW.find(([n]) => n === 'LastId')![1]).toBe(DW.LastId);
    expect(L.DF.find(([n]) => n === 'LastTime')![1]).toBe(DF.LastTime);
  });

  it('names only fields the records have, each filled from one number', async () => {
    const g = await generator();
    const L = g.computeLayout(await g.loadFields());
    const check = (entries: Entry[], record: object, what: string) => {
      const seen = new Set<string>();
      for (const [name, , f] of entries) {
        if (!f?.record) continue;
        expect(Object.keys(record), `${what}.${f.record} (${name})`).toContain(f.record);
        expect(seen.has(f.record), `${what}.${f.record} twice`).toBe(false);
        seen.add(f.record);
      }
      return seen.size;
    };
    expect(check([...L.W, ...L.Fl], new Connection(), 'Connection')).toBeGreaterThan(50);
    expect(check([...L.DW, ...L.DF, ...L.DC], new Direction(), 'Direction')).toBe(13);
  });

  it('a fact added to the table is one edit: it reaches the record, its fill, and the flows row, CSV and stats', async () => {
    const g = await generator();
    const t = await g.loadFields();
    const before = { records: g.generateRecords(t), flows: g.generateFlows(t) };
    const rare = t.SLOT_GROUPS.findIndex((gr) => gr.kind === 'words' && gr.fields.some((f) => (f as { name: string }).name === 'SynFreshIsn'));
    const added: Table = {
      ...t,
      SLOT_GROUPS: t.SLOT_GROUPS.map((gr, i) =>
        i === rare ? { ...gr, fields: [...gr.fields, { name: 'Probes', type: 'i32', record: 'probes', recordDoc: 'Probes seen.', flows: ['probes'] }] } : gr,
      ),
      DIRECTION_DOUBLES: [...t.DIRECTION_DOUBLES, { name: 'Pushes', type: 'f64', record: 'pushes', flows: ['{side}Pushes', 'directions.pushes'] }],
    };
    const records = g.generateRecords(added);
    expect(records).toContain('  /** Probes seen. */\n  probes = 0;');
    expect(records).toContain('    this.probes = I[b + W.Probes]!;');
    expect(records).toContain('  pushes = 0;');
    expect(records).toContain('    this.pushes = F[fb + DF.Pushes]!;');
    expect(g.generate(added)).toMatch(/ {2}Probes = \d+,/);
    const flows = g.generateFlows(added);
    // After every column the row had, in table order: connection facts, then each side's.
    expect(flows).toContain("export const FLOW_APPENDED_COLUMNS: readonly string[] = ['probes', 'clientPushes', 'serverPushes'];");
    expect(flows).toContain('    signatures: d.signatures,\n    probes: c.probes,\n    clientPushes: c.client.pushes,\n    serverPushes: c.server.pushes,\n  };');
    expect(flows).toContain('    keepAlives: d.keepAlives,\n    pushes: d.pushes,\n  };');
    expect(flows).toMatch(/export interface FlowTableColumns \{[^}]*\n {2}probes: number;/);
    expect(flows).toMatch(/export interface DirectionStats \{[^}]*\n {2}pushes: number;/);
    // And nothing else moved.
    expect(g.generateRecords(t)).toBe(before.records);
    expect(g.generateFlows(t)).toBe(before.flows);
    expect(g.generateFlows(t)).toContain('export const FLOW_APPENDED_COLUMNS: readonly string[] = [];');
  });

  it('every flows column the table gives is in the published schema, required, and in FLOW_ROW order in real rows', async () => {
    const g = await generator();
    const t = await g.loadFields();
    const c = g.flowColumns(t);
    const schema = JSON.parse(readFileSync(new URL('../../schema/flow.schema.json', import.meta.url), 'utf8')) as {
      properties: Record<string, unknown>;
      required: string[];
      definitions: { directionStats: { properties: Record<string, unknown>; required: string[] } };
    };
    expect(c.row.size).toBe(15);
    for (const col of c.row.keys()) {
      expect(Object.keys(schema.properties), `schema/flow.schema.json has no property ${col}`).toContain(col);
      expect(schema.required, `schema/flow.schema.json does not require ${col}`).toContain(col);
    }
    expect(c.statsOrder).toEqual(Object.keys(schema.definitions.directionStats.properties));
    expect(c.statsOrder).toEqual(schema.definitions.directionStats.required);
    const { flows } = await analyzeOne(LAB.abort0);
    expect(flows.length).toBeGreaterThan(20);
    for (const f of flows) {
      expect(Object.keys(f)).toEqual(c.order);
      expect(Object.keys(f.directions.client)).toEqual(c.statsOrder);
      expect(f.orig_pkts).toBe(f.clientPackets);
      expect(f.resp_bytes).toBe(f.serverBytes);
      expect(f.clientRetransmits).toBe(f.directions.client.retransmits);
    }
    expect(new Set(flows.map((f) => f['id.resp_p'])).size).toBe(1);
    expect(flows.every((f) => f.clientPackets > 0 && f.firstFrame > 0 && f.lastFrame >= f.firstFrame)).toBe(true);
  });
});
