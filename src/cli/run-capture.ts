import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import type { ListenerFilter } from '../diagnose/analyzer.js';
import { runPipeline, type CaptureRun } from '../diagnose/pipeline.js';
import type { Connection } from '../track/connection.js';
import { connectionsAtMost, type RunOptions } from '../track/run.js';
import type { CaptureSummary } from '../track/summary.js';
import { SLOT_BYTES } from '../track/limits.js';
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
  // For releaseTrackerMemory, in this thread and the workers started after it.
  setFlagsFromString('--expose-gc');
  holdYoungGeneration();
}

/**
 * --optimize-for-size off for `work`, then on again if it was: for the correlation of two or more captures
 * (correlation.ts), whose index keeps objects for every connection of both. Collected as eagerly as a run's
 * garbage, that heap took 2.6 times the time (two 1 M-packet captures of the same traffic: 17.2 s against
 * 6.7 s; BENCHMARKS.md, session 18) for ~60 MB less peak RSS. Only between runs, never while a worker
 * thread runs (the flag is process-wide; analyze and flows correlate after or before their runs).
 */
export async function withoutMemoryFavour<T>(work: () => Promise<T>): Promise<T> {
  if (!memoryFavoured || !isMainThread) return work();
  setFlagsFromString('--no-optimize-for-size');
  memoryFavoured = false;
  try {
    return await work();
  } finally {
    favourMemory();
  }
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

/**
 * Tracker state above this is let go before the judgement (releaseTrackerMemory); below it a full
 * collection would cost more time than the memory is worth.
 */
export const RELEASE_ABOVE_BYTES = 16 * 1024 * 1024;
let collect: (() => void) | null = null;

/**
 * The tracker's connection slots (peak live connections × SLOT_BYTES, 44 MB at 20 M packets) are garbage
 * once the capture is read, but V8 frees an ArrayBuffer only at a full collection, which comes later: the
 * judgement's sorted copies of its samples (up to 200 000 per list) then add to the slots' pages, and that
 * sum was the run's peak (+5 MB at 20 M packets; BENCHMARKS.md, session 15). One full collection here
 * (22 ms at 2 M packets, against 5–7 ms for the collections V8 makes on its own, which would free the
 * slots later anyway) makes the peak the tracker's. The collector is there through the --expose-gc that
 * favourMemory sets; a caller that did not set it gets no collection here.
 */
export function releaseTrackerMemory(summary: CaptureSummary, collector?: (() => void) | null): boolean {
  if (summary.peakLiveConnections * SLOT_BYTES < RELEASE_ABOVE_BYTES) return false;
  // Looked up only here: a new context costs start-up time a small capture should not pay.
  const run = collector === undefined ? theCollector() : collector;
  if (!run) return false;
  run();
  return true;
}

function theCollector(): (() => void) | null {
  // Kept once found; looked for again while not there (favourMemory may set the flag later).
  if (!collect) {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    if (typeof gc === 'function') collect = gc as () => void;
  }
  return collect;
}

/**
 * Whether a capture's run sets the memory settings (favourMemory): not for an input whose size says it holds too
 * few connections for the tracker's slots to reach RELEASE_ABOVE_BYTES (a TCP segment's record takes 56 bytes
 * at least: under ~1.3 MB of capture). Its heap stays small whatever V8's settings, and setting them loads
 * node:v8 and node:worker_threads, ~4.5 ms of a small capture's run (BENCHMARKS.md, session 19). Stdin, a FIFO
 * or a device say nothing of their size: they do.
 */
export function needsMemoryFavour(path: string, files?: readonly string[]): boolean {
  const atMost = connectionsAtMost(files ?? [path]);
  return atMost === undefined || atMost * SLOT_BYTES >= RELEASE_ABOVE_BYTES;
}

/** One capture through the whole pipeline (runPipeline), with the CLI's memory settings (for an input that can need them) and progress bar. */
export async function runCapture(
  path: string,
  filter: ListenerFilter,
  opts: RunOptions & { quiet: boolean },
  each?: (c: Connection) => void,
): Promise<CaptureRun> {
  if (needsMemoryFavour(path, opts.merge?.files)) favourMemory();
  const { quiet, ...run } = opts;
  const progress = new Progress(path, quiet);
  try {
    return await runPipeline(path, { ...run, filter, onProgress: progress.update, beforeJudging: (s) => releaseTrackerMemory(s) }, each);
  } finally {
    progress.clear();
  }
}

/** Nothing could be read from this input at all. */
export function unreadable(s: CaptureSummary): boolean {
  return s.error !== null && s.packets === 0;
}
