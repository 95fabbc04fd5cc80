// The slot layout (src/track/layout.ts) puts 32-bit words (W, with two DW blocks) and doubles (Fl, with
// two DF blocks) in the same bytes of one buffer. Its const enums vanish from compiled code, so this test
// compiles the file itself with the enums kept, and checks that no two numbers share a byte.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

type Enum = Record<string, number>;

async function layoutEnums(): Promise<Record<'W' | 'Fl' | 'DW' | 'DF', Enum>> {
  const src = readFileSync(new URL('../../src/track/layout.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(src, {
    compilerOptions: { preserveConstEnums: true, module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as Record<'W' | 'Fl' | 'DW' | 'DF', Enum>;
}

/** The members of a numeric enum (TypeScript adds the reverse mapping too). */
function members(e: Enum): [string, number][] {
  return Object.entries(e).filter((kv): kv is [string, number] => typeof kv[1] === 'number');
}

describe('slot layout', () => {
  it('gives every word and double of a slot its own bytes, inside the slot', async () => {
    const { W, Fl, DW, DF } = await layoutEnums();
    expect(W.Size! * 4).toBe(Fl.Size! * 8);
    const owner = new Map<number, string>();
    const claim = (byte: number, name: string, size: number): void => {
      for (let i = byte; i < byte + size; i++) {
        expect(owner.get(i), `${name} overlaps ${owner.get(i)}`).toBeUndefined();
        expect(i, `${name} past the slot`).toBeLessThan(W.Size! * 4);
        owner.set(i, name);
      }
    };
    const dwords = members(DW).filter(([k]) => k !== 'Size');
    const dfs = members(DF).filter(([k]) => k !== 'Size');
    for (const [name, at] of members(W)) {
      if (name === 'Size') continue;
      if (name === 'Client' || name === 'Server') {
        for (const [d, off] of dwords) claim((at + off) * 4, `W.${name}+DW.${d}`, 4);
      } else claim(at * 4, `W.${name}`, 4);
    }
    for (const [name, at] of members(Fl)) {
      if (name === 'Size') continue;
      if (name === 'Client' || name === 'Server') {
        for (const [d, off] of dfs) claim((at + off) * 8, `Fl.${name}+DF.${d}`, 8);
      } else claim(at * 8, `Fl.${name}`, 8);
    }
    // Every number a packet touches sits in the slot's first six cache lines.
    const hot = ['W.Key', 'W.Vlan', 'W.Bits', 'W.RstBy', 'W.HistLen', 'W.ZClient', 'W.Server+DW.Recent', 'Fl.LastTime', 'Fl.Server+DF.LastTime'];
    for (const name of hot) {
      const bytes = [...owner].filter(([, n]) => n === name).map(([b]) => b);
      expect(bytes.length, name).toBeGreaterThan(0);
      expect(Math.max(...bytes), name).toBeLessThan(384);
    }
  });
});
