// The slot layout is generated from the field table (src/track/fields.ts → src/track/layout.generated.ts by
// scripts/gen-layout.mjs). The generated file must be what the table makes, and the layout the generator
// computes must give every number its own bytes, with what a packet touches in the slot's first lines.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/track/connection.js';
import { Direction } from '../../src/track/direction.js';
import { DF, DW, Fl, W } from '../../src/track/layout.js';

type Entry = [string, number, { type: string; record?: string } | null];
interface Layout {
  W: Entry[];
  Fl: Entry[];
  DW: Entry[];
  DF: Entry[];
  size: number;
  dwSize: number;
  dfSize: number;
}
interface Generator {
  OUTPUT_PATH: string;
  loadFields(): Promise<unknown>;
  computeLayout(t: unknown): Layout;
  generate(t: unknown): string;
}

const generator = async (): Promise<Generator> =>
  (await import(pathToFileURL(new URL('../../scripts/gen-layout.mjs', import.meta.url).pathname).href)) as Generator;

describe('slot layout', () => {
  it('layout.generated.ts is what the field table makes (run node scripts/gen-layout.mjs after changing fields.ts)', async () => {
    const g = await generator();
    expect(readFileSync(g.OUTPUT_PATH, 'utf8')).toBe(g.generate(await g.loadFields()));
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
      } else claim(at * 4, `W.${name}`, 4);
    }
    for (const [name, at] of L.Fl) {
      if (name === 'Client' || name === 'Server') {
        for (const [d, off] of L.DF) claim((at + off) * 8, `Fl.${name}+DF.${d}`, 8);
      } else claim(at * 8, `Fl.${name}`, 8);
    }
    const hot = ['W.Key', 'W.Vlan', 'W.Bits', 'W.RstBy', 'W.HistLen', 'W.ZClient', 'W.Server+DW.LastId', 'Fl.LastTime', 'Fl.Server+DF.LastTime'];
    for (const name of hot) {
      const bytes = [...owner].filter(([, n]) => n === name).map(([b]) => b);
      expect(bytes.length, name).toBeGreaterThan(0);
      expect(Math.max(...bytes), name).toBeLessThan(384);
    }
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
    expect(check([...L.DW, ...L.DF], new Direction(), 'Direction')).toBe(13);
  });
});
