// What the mutation test and scripts/fuzz.mjs share: finding the fixtures,
// reading the unmutated files once (the baselines), building the corpus, and
// saving failing inputs.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { corpusFor, isCaptureFixture, mutateOnce, mutateStacked, packetsBefore, prepare } from './mutate.mjs';
import { mulberry32, randInt } from './prng.mjs';

/** The seeded PRNG the mutations use, for tests that want reproducible random inputs too. */
export { mulberry32 };
import { runPool } from './pool.mjs';
import { gzipSync } from 'node:zlib';

export { buildLib } from './build-lib.mjs';
export { runPool } from './pool.mjs';
export { checkSummary, faultLine } from './check.mjs';

/** Capture files under `root`'s `dirs` (recursively), side files and the tshark oracle left out. */
export function listFixtures(root, dirs) {
  const out = [];
  const visit = (dir) => {
    let names;
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'expected' && name !== 'LICENSES') visit(p);
      } else if (isCaptureFixture(name)) {
        out.push({ name: relative(root, p), path: p });
      }
    }
  };
  for (const d of dirs) visit(join(root, d));
  return out;
}

/** Loads fixtures and reads each unmutated file once; the summaries let cuts be checked exactly. */
export async function loadFixtures(list, libDir) {
  const files = list.map(({ name, path }) => prepare(name, new Uint8Array(readFileSync(path))));
  const baselines = new Map();
  const inputs = files.map((f) => ({ fixture: f.name, label: 'unmutated', bytes: f.raw, plainLength: f.gz ? f.plain.length : f.raw.length, gz: f.gz }));
  const r = await runPool(inputs, { libDir, onResult: (input, res) => res.summary && baselines.set(input.fixture, res.summary) });
  return { files, baselines, failures: r.failures };
}

function withPrefixCheck(f, baseline, x) {
  if (baseline && x.first >= 0 && x.plainLength >= 0) x.minPackets = Math.min(packetsBefore(f.s, x.first), baseline.packets);
  return x;
}

// --since +0.001 --until +0.5, as TimeBounds (src/track/time-bound.ts: integer nanoseconds from the first frame).
const WINDOW = { since: { kind: 'fromStart', ns: 1_000_000 }, until: { kind: 'fromStart', ns: 500_000_000 } };

/** The fixed mutation corpus of all fixtures; every fifth input runs with a connection cap of 3 (evictions), every seventh with a time window. */
export function* fixedCorpus(files, baselines, seed, opts) {
  let n = 0;
  for (const f of files) {
    const baseline = baselines.get(f.name) ?? null;
    for (const x of corpusFor(f, seed, opts, baseline)) {
      // The default cap (100 000) costs ~25 ms per run to set up (lru-cache preallocates); 1000 is plenty here.
      x.maxConnections = ++n % 5 === 0 ? 3 : 1000;
      // Some with a time window, so frames left out by --since/--until are counted too.
      if (n % 7 === 0) Object.assign(x, WINDOW);
      yield withPrefixCheck(f, baseline, x);
    }
  }
}

/** `runs` random mutations (single or stacked) of random fixtures, for the fuzzer. */
export function* randomCorpus(files, baselines, seed, runs) {
  const rng = mulberry32(seed);
  for (let i = 0; i < runs; i++) {
    const f = files[randInt(rng, files.length)];
    const r = rng() < 0.6 ? mutateOnce(rng, f) : mutateStacked(rng, f, 2 + randInt(rng, 6));
    const bytes = f.gz ? new Uint8Array(gzipSync(r.bytes, { level: 1 })) : r.bytes;
    const x = {
      fixture: f.name, label: r.label, bytes, plainLength: r.bytes.length, gz: f.gz, first: r.first,
      // Small reads, but not so small that a big file takes seconds.
      chunkBytes: rng() < 0.3 ? Math.max(1 + randInt(rng, 600), Math.ceil(r.bytes.length / 300)) : undefined,
      maxConnections: rng() < 0.2 ? 1 + randInt(rng, 8) : 1000,
      ...(rng() < 0.15 ? WINDOW : {}),
    };
    yield withPrefixCheck(f, baselines.get(f.name) ?? null, x);
  }
}

/** Writes a failing input and what went wrong; returns the .bin path. */
export function saveFailure(dir, failure) {
  mkdirSync(dir, { recursive: true });
  const { input, problems } = failure;
  const bytes = input.bytes ?? new Uint8Array(0);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const base = `${String(input.fixture).replace(/[^A-Za-z0-9._-]+/g, '_')}-${hash}`;
  const bin = join(dir, `${base}.${input.gz ? 'gz' : 'bin'}`);
  writeFileSync(bin, bytes);
  const { bytes: _b, ...meta } = input;
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify({ ...meta, problems }, null, 2)}\n`);
  return bin;
}
