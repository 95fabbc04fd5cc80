// Inputs that broke tcpdiag once (found by scripts/fuzz.mjs or by reading the code), kept in
// fixtures/hostile/regressions/ with what they must give now. Each also keeps every general promise
// (test/hostile/lib/check.mjs) and reads the same in small chunks. See fixtures/hostile/README.md.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from '../../src/track/connection.js';
import { trackCapture, type CaptureSummary } from '../../src/track/run.js';
import { checkSummary } from './lib/index.mjs';

const DIR = fileURLToPath(new URL('../../fixtures/hostile/regressions/', import.meta.url));

type Expect = Partial<Pick<CaptureSummary, 'packets' | 'tcp' | 'otherIp' | 'nonIp' | 'truncated' | 'malformed' | 'error' | 'errorOffset' | 'errorFrame'>>;

/** What each file must give. The bug it was is in fixtures/hostile/README.md. */
const EXPECTED: Record<string, Expect> = {
  // pcapng EPB/OPB whose captured length runs past the block: the frame number was taken before the check
  // threw, so `packets` counted a frame no decoder saw and the counters no longer added up.
  'epb-caplen-past-block-be.pcapng': {
    packets: 0, tcp: 0, error: 'packet block says 4294967295 captured bytes but holds only 80', errorOffset: 120, errorFrame: 1,
  },
  'opb-caplen-past-block.pcapng': {
    packets: 8, tcp: 8, error: 'packet block says 1458 captured bytes but holds only 732', errorOffset: 5396, errorFrame: 9,
  },
  // A pcapng cut 20 bytes into its section header block: under 24 bytes in all, it was read as an empty
  // capture with no error at all.
  'pcapng-cut-inside-shb.pcapng': {
    packets: 0, error: 'the file ends 20 bytes into the pcapng section header block (cut short)', errorOffset: 0, errorFrame: 1,
  },
  'epb-caplen-past-block-many-interfaces.pcapng': {
    packets: 38, error: 'packet block says 105 captured bytes but holds only 104', errorOffset: 8572, errorFrame: 39,
  },
};

async function run(path: string, chunkBytes?: number) {
  const ids: number[] = [];
  const s = await trackCapture(path, (c: Connection) => ids.push(c.id), { chunkBytes });
  const problems = checkSummary(s, { count: ids.length, dupes: ids.length - new Set(ids).size }, { plainLength: readFileSync(path).length });
  return { s, ids, problems };
}

describe('fuzz regressions', () => {
  const files = readdirSync(DIR).filter((n) => /\.(pcap|pcapng|gz|bin)$/.test(n)).sort();

  it('every regression input has its expectation here', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of files) {
    it(name, async () => {
      const path = join(DIR, name);
      const a = await run(path);
      expect(a.problems).toEqual([]);
      expect(a.s).toMatchObject(EXPECTED[name] ?? {});
      for (const chunkBytes of [1, 7, 64, 1000]) {
        const b = await run(path, chunkBytes);
        expect(b.problems).toEqual([]);
        expect({ ...b.s, path: '' }).toEqual({ ...a.s, path: '' });
        expect(b.ids).toEqual(a.ids);
      }
    });
  }
});
