import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../src/correlate/', import.meta.url));

it('src/correlate imports only capture/, decode/, track/ and itself (the tracker\'s level)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const src = readFileSync(DIR + f, 'utf8');
    for (const m of src.matchAll(/from '([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      expect(spec, `${f} imports ${spec}`).toMatch(/^\.\/|^\.\.\/(capture|decode|track)\//);
    }
  }
});
