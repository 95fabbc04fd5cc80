import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import type { ListenerFilter } from '../diagnose/analyzer.js';
import { runPipeline, type CaptureRun } from '../diagnose/pipeline.js';
import type { Connection } from '../track/connection.js';
import type { RunOptions } from '../track/run.js';
import type { CaptureSummary } from '../track/summary.js';
import { Progress } from './progress.js';
import { HandshakeSampler, type SampledRun } from './exact-vantage.js';
import { LatencySampler } from './exact-latency.js';
import type { ConnectionFacts } from '../diagnose/signatures.js';

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
  opts: RunOptions & CaptureExtras & { quiet: boolean },
  each?: (c: Connection) => void,
): Promise<SampledRun> {
  favourMemory();
  const { quiet, sampleExactTimes, ...run } = opts;
  const progress = new Progress(path, quiet);
  // The vantage and latency samples with their frames, for exact figures from a file finer than the microsecond (exact-vantage.ts, exact-latency.ts).
  let digits = 0;
  const sampler = sampleExactTimes && path !== '-' ? new HandshakeSampler() : null;
  const latencies = sampler ? new LatencySampler() : null;
  const eachSampled = sampler
    ? (c: Connection, facts: ConnectionFacts) => {
        // Known before the first connection (RunOptions.onTimestampDigits): a µs capture costs nothing.
        if (digits > 6) {
          sampler.add(c);
          latencies!.add(c, facts);
        }
        each?.(c);
      }
    : each;
  const onTimestampDigits = sampler
    ? (d: number) => {
        digits = d;
        run.onTimestampDigits?.(d);
      }
    : run.onTimestampDigits;
  try {
    const r: SampledRun = await runPipeline(path, { ...run, onTimestampDigits, filter, onProgress: progress.update }, eachSampled);
    if (sampler && digits > 6) {
      r.handshakes = sampler.result();
      r.latencies = latencies!.result();
    }
    return r;
  } finally {
    progress.clear();
  }
}

/** What a capture's run can be asked for besides the pipeline's options (plain data: worker threads get them). */
export interface CaptureExtras {
  /**
   * On a file finer than the microsecond, keep the samples whose durations are printed exact, with their
   * frames: the vantage sample's handshakes (exact-vantage.ts) and the overflow's latency samples
   * (exact-latency.ts).
   */
  sampleExactTimes?: boolean;
}

/** Nothing could be read from this input at all. */
export function unreadable(s: CaptureSummary): boolean {
  return s.error !== null && s.packets === 0;
}
