// Runs mutated inputs through trackCapture in a worker thread, so that the
// pool can terminate it when an input hangs (a synchronous infinite loop
// cannot be interrupted any other way) or eats all its memory.
import { parentPort, workerData, threadId } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkSummary, comparable } from './check.mjs';
import { scratchFile } from './scratch.mjs';

const { trackCapture } = await import(pathToFileURL(join(workerData.libDir, 'track', 'run.js')).href);
const file = scratchFile(process.pid, threadId);

async function run(input, chunkBytes) {
  const ids = new Set();
  const emitted = { count: 0, dupes: 0, maxConnections: input.maxConnections, digest: 0 };
  const summary = await trackCapture(
    file,
    (c) => {
      emitted.count++;
      if (ids.has(c.id)) emitted.dupes++;
      ids.add(c.id);
      // Order-independent digest of what came out, for the differential run.
      emitted.digest = (emitted.digest + Math.imul(c.id, 2654435761) + Math.imul(c.firstFrame, 40503) + c.lastFrame * 7 + c.history.length) >>> 0;
    },
    { maxConnections: input.maxConnections, chunkBytes, since: input.since, until: input.until },
  );
  return { summary, emitted };
}

parentPort.on('message', async (input) => {
  const started = performance.now();
  try {
    writeFileSync(file, input.bytes);
    const a = await run(input);
    const problems = checkSummary(a.summary, a.emitted, input);
    // Not for corrupt gzip streams: zlib drops the output of its failing step, and how much that is depends on
    // the read size (at most one 64 KiB piece; a cut .gz loses nothing and is compared).
    if (input.chunkBytes && input.plainLength >= 0) {
      // The same bytes read in small chunks must give the same answer: record boundaries fall across chunks.
      const b = await run(input, input.chunkBytes);
      problems.push(...checkSummary(b.summary, b.emitted, input).map((p) => `[chunks of ${input.chunkBytes}] ${p}`));
      if (comparable(a.summary) !== comparable(b.summary)) {
        problems.push(`reading in chunks of ${input.chunkBytes} bytes changed the summary:\n  ${comparable(a.summary)}\n  ${comparable(b.summary)}`);
      } else if (a.emitted.digest !== b.emitted.digest) {
        problems.push(`reading in chunks of ${input.chunkBytes} bytes changed the connections emitted`);
      }
    }
    parentPort.postMessage({ id: input.id, problems, summary: a.summary, ms: performance.now() - started });
  } catch (e) {
    parentPort.postMessage({ id: input.id, problems: [`trackCapture threw: ${e?.stack ?? e}`], summary: null, ms: performance.now() - started });
  }
});

parentPort.postMessage({ ready: true });
