// Mutation test (issue 7): every capture fixture under fixtures/ (public, lab, crafted, hostile; listed
// at test time, side files skipped) is mutated with a fixed seed (test/hostile/lib/mutate.mjs: cuts at
// every record and block boundary and inside them, length fields set to 0, 1, 0xFFFFFFFF and their
// neighbours, bit flips, 0x00/0xFF runs, duplicated, swapped, deleted and reversed records, IP and TCP
// header fields, timestamps) and every input runs through trackCapture in worker threads that are
// terminated when an input takes more than the time limit, so a synchronous infinite loop fails the
// test instead of hanging it. Each input is checked (test/hostile/lib/check.mjs): nothing escapes,
// counters add up to the frames read, a fault is one line with its byte offset and frame number, the
// frames before the first changed byte still count, cuts give exactly the frames before them, and
// reading the same bytes in small chunks gives the same summary and connections. Failing inputs are
// written to fuzz-failures/ (gitignored).
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLib, fixedCorpus, listFixtures, loadFixtures, runPool, saveFailure, type Failure } from './lib/index.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SEED = 0x7c0ffee;
const MIN_INPUTS = 5000;
// Generous: an honest input takes well under 100 ms; only a hang or a pathological slowdown gets near this,
// and the whole suite may be running on the same two cores.
const TIMEOUT_MS = 5000;

const libDir = join(ROOT, 'test-artifacts', `hostile-lib-${process.pid}`);
afterAll(() => rmSync(libDir, { recursive: true, force: true }));

function describeFailures(failures: Failure[]): string {
  const dir = join(ROOT, 'fuzz-failures');
  return failures
    .slice(0, 20)
    .map((f) => `${f.input.fixture} [${f.input.label}] -> ${saveFailure(dir, f)}\n    ${f.problems.join('\n    ')}`)
    .join('\n');
}

describe('mutated captures', () => {
  it(`${MIN_INPUTS}+ mutated inputs: no escape, no hang, no lost frame`, async () => {
    const t0 = performance.now();
    buildLib(libDir);
    const list = listFixtures(join(ROOT, 'fixtures'), ['public', 'lab', 'crafted', 'hostile']);
    expect(list.length).toBeGreaterThan(10);
    const { files, baselines, failures: baseFailures } = await loadFixtures(list, libDir);
    // The unmutated files keep the promises too.
    expect(describeFailures(baseFailures)).toBe('');
    const r = await runPool(fixedCorpus(files, baselines, SEED), { libDir, workers: 2, timeoutMs: TIMEOUT_MS });
    const secs = (performance.now() - t0) / 1000;
    console.log(`hostile: ${r.runs} mutated inputs from ${files.length} fixtures in ${secs.toFixed(1)} s (slowest ${r.slowestMs.toFixed(0)} ms)`);
    expect(describeFailures(r.failures)).toBe('');
    expect(r.runs).toBeGreaterThanOrEqual(MIN_INPUTS);
  }, 240_000);
});
