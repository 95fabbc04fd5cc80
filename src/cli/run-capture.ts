import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import type { ListenerFilter } from '../diagnose/analyzer.js';
import { runPipeline, type CaptureRun } from '../diagnose/pipeline.js';
import type { Connection } from '../track/connection.js';
import type { RunOptions } from '../track/run.js';
import type { CaptureSummary } from '../track/summary.js';
import { Progress } from './progress.js';

export type { CaptureRun } from '../diagnose/pipeline.js';

let memoryFavoured = false;

/**
 * The live state of a run is small and bounded (typed-array connection table,
 * capped samples), but by default V8 lets garbage pile up to several times it
 * before a full collection. --optimize-for-size makes it collect sooner and
 * keeps peak RSS near the live size (BENCHMARKS.md: about 40 MB less at 2 M
 * packets, for about a tenth more CPU). Nearly everything a run allocates
 * dies young, yet V8 doubles the young generation whenever scavenges come
 * often, up to 16 MB a half: a growth factor of 1 keeps it at its first size
 * (9 MB less peak RSS at 2 M packets, 12 MB less at 20 M, no measurable time;
 * BENCHMARKS.md). Set here, not at start-up, so that it does not slow the
 * loading of the program.
 */
export function favourMemory(): void {
  // Flags are process-wide and set at run time only from the main thread (runCaptures sets it before
  // starting workers): Node warns that changing them while other threads run is unpredictable.
  if (memoryFavoured || !isMainThread) return;
  memoryFavoured = true;
  setFlagsFromString('--optimize-for-size');
  holdYoungGeneration();
}

/**
 * The growth factor of 1 again: V8 raises a factor below 2 back to 2 each time
 * an isolate is set up, so starting a worker thread undoes it for every thread
 * (the flag is process-wide). runCaptures calls this once its workers run.
 */
export function holdYoungGeneration(): void {
  if (!isMainThread) return;
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** One capture through the whole pipeline (runPipeline), with the CLI's memory settings and progress bar. */
export async function runCapture(
  path: string,
  filter: ListenerFilter,
  opts: RunOptions & { quiet: boolean },
  each?: (c: Connection) => void,
): Promise<CaptureRun> {
  favourMemory();
  const { quiet, ...run } = opts;
  const progress = new Progress(path, quiet);
  try {
    return await runPipeline(path, { ...run, filter, onProgress: progress.update }, each);
  } finally {
    progress.clear();
  }
}

/** Nothing could be read from this input at all. */
export function unreadable(s: CaptureSummary): boolean {
  return s.error !== null && s.packets === 0;
}
