#!/usr/bin/env node
// Mutation fuzzer for the capture reader, decoder and tracker (issue 7).
//
//   npm run build && npm run fuzz -- --runs 100000 --seed 42
//
// Takes the capture fixtures under fixtures/, mutates them (bit flips, byte
// runs, cuts, record and block lengths, duplicated and swapped records, IP
// and TCP header fields; see test/hostile/lib/mutate.mjs), runs each input
// through the built dist/ in worker threads with a time limit, and checks
// the promises: nothing escapes trackCapture, nothing hangs or runs out of
// memory, the frame counters add up, a fault is one line with a byte offset
// and frame number, frames before the fault still count, and reading in
// small chunks gives the same answer. Failing inputs go to fuzz-failures/
// (gitignored) with a .json saying what broke; copy real ones into
// fixtures/hostile/regressions/ (test/hostile/regressions.test.ts runs them).
//
// Options:
//   --runs N        inputs to try (default 10000)
//   --seed S        PRNG seed (default: from the clock, printed)
//   --workers W     worker threads (default: CPUs)
//   --timeout MS    time limit per input (default 2000)
//   --fixed         run the test suite's fixed corpus instead of random mutations
//   --lib DIR       directory holding track/run.js (default dist/)
//   --out DIR       where failing inputs go (default fuzz-failures/)
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedCorpus, listFixtures, loadFixtures, randomCorpus, runPool, saveFailure } from '../test/hostile/lib/index.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { runs: 10000, seed: (Date.now() ^ (process.pid << 8)) >>> 0, workers: availableParallelism(), timeout: 2000, fixed: false, lib: join(ROOT, 'dist'), out: join(ROOT, 'fuzz-failures') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--runs') o.runs = Number(next());
    else if (a === '--seed') o.seed = Number(next()) >>> 0;
    else if (a === '--workers') o.workers = Number(next());
    else if (a === '--timeout') o.timeout = Number(next());
    else if (a === '--fixed') o.fixed = true;
    else if (a === '--lib') o.lib = resolve(next());
    else if (a === '--out') o.out = resolve(next());
    else if (a === '-h' || a === '--help') {
      console.log('usage: npm run fuzz -- [--runs N] [--seed S] [--workers W] [--timeout MS] [--fixed] [--lib DIR] [--out DIR]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 0) throw new Error('--runs needs a count');
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(join(o.lib, 'track', 'run.js'))) {
    console.error(`fuzz: ${join(o.lib, 'track', 'run.js')} not found; run \`npm run build\` first`);
    process.exit(2);
  }
  const list = listFixtures(join(ROOT, 'fixtures'), ['public', 'lab', 'crafted', 'hostile']);
  const t0 = performance.now();
  const { files, baselines, failures: baseFailures } = await loadFixtures(list, o.lib);
  console.log(`fuzz: ${files.length} fixtures, seed ${o.seed}, ${o.fixed ? 'fixed corpus' : `${o.runs} runs`}, ${o.workers} workers, lib ${o.lib}`);
  const corpus = o.fixed ? fixedCorpus(files, baselines, o.seed) : randomCorpus(files, baselines, o.seed, o.runs);
  let done = 0;
  let lastReport = performance.now();
  const r = await runPool(corpus, {
    libDir: o.lib,
    workers: o.workers,
    timeoutMs: o.timeout,
    onResult: (input, res) => {
      done++;
      if (res.problems.length) {
        const path = saveFailure(o.out, { input, problems: res.problems });
        console.log(`FAIL ${input.fixture} [${input.label}] -> ${path}\n  ${res.problems.join('\n  ')}`);
      }
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        console.log(`  ${done} inputs, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    },
  });
  for (const f of baseFailures) {
    const path = saveFailure(o.out, f);
    console.log(`FAIL (unmutated) ${f.input.fixture} -> ${path}\n  ${f.problems.join('\n  ')}`);
  }
  const secs = (performance.now() - t0) / 1000;
  const nFail = r.failures.length + baseFailures.length;
  console.log(`fuzz: ${r.runs} inputs in ${secs.toFixed(1)} s (${(r.runs / secs).toFixed(0)}/s, slowest ${r.slowestMs.toFixed(0)} ms), ${nFail} failing${nFail ? `, saved in ${o.out}` : ''}`);
  process.exit(nFail ? 1 : 0);
}

main().catch((e) => {
  console.error(`fuzz: ${e.message}`);
  process.exit(2);
});
