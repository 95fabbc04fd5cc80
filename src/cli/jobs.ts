import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ListenerFilter } from '../diagnose/analyzer.js';
import type { RunOptions } from '../track/run.js';
import type { CaptureTask } from './capture-worker.js';
import { favourMemory, holdYoungGeneration, runCapture, type CaptureRun } from './run-capture.js';

export function defaultJobs(): number {
  return availableParallelism();
}

/**
 * Runs every capture through the pipeline, up to `jobs` at a time: the main
 * thread takes captures from the queue like `jobs - 1` worker threads do (one
 * isolate fewer to start and to keep in memory). Results come back in input
 * order. stdin (`-`) belongs to the main thread, and one capture gains
 * nothing from a worker: those run here.
 */
export async function runCaptures(
  paths: string[],
  filter: ListenerFilter,
  opts: Omit<RunOptions, 'onProgress'> & { quiet: boolean },
  jobs: number,
): Promise<CaptureRun[]> {
  const results = new Array<CaptureRun>(paths.length);
  const parallel = paths.map((p, i) => ({ p, i })).filter(({ p }) => p !== '-');
  const here = paths.map((p, i) => ({ p, i })).filter(({ p }) => p === '-');
  if (jobs <= 1 || parallel.length <= 1) {
    for (let i = 0; i < paths.length; i++) results[i] = await runCapture(paths[i]!, filter, opts);
    return results;
  }
  const { quiet: _quiet, ...workerOpts } = opts;
  const queue = [...parallel];
  const size = Math.min(jobs, queue.length) - 1;
  // The V8 flags are process-wide: set them here, on the main thread, before any worker starts.
  favourMemory();
  const workers = Array.from({ length: size }, () => new Worker(new URL('./capture-worker.js', import.meta.url)));
  let failed = false;
  // Quiet like the workers: a progress bar for one of several captures would mislead.
  const local = async () => {
    for (let t = queue.shift(); t && !failed; t = queue.shift()) results[t.i] = await runCapture(t.p, filter, { ...opts, quiet: true });
  };
  try {
    // Each worker's isolate resets the young generation's growth factor as it comes up (~20 ms): set it
    // again before any capture starts, or the main thread's young generation grows in the meantime.
    await Promise.all(workers.map((w) => once(w, 'online')));
    holdYoungGeneration();
    await Promise.all([
      local(),
      ...workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const next = () => {
              const t = queue.shift();
              if (!t) return resolve();
              const task: CaptureTask = { index: t.i, path: t.p, filter, opts: workerOpts };
              w.postMessage(task);
            };
            w.on('message', (m: { index: number; result?: CaptureRun; error?: string }) => {
              if (m.error !== undefined) {
                failed = true;
                return reject(new Error(m.error));
              }
              results[m.index] = m.result!;
              next();
            });
            w.on('error', (e) => {
              failed = true;
              reject(e);
            });
            next();
          }),
      ),
    ]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  for (const { p, i } of here) results[i] = await runCapture(p, filter, opts);
  return results;
}
