import type { Connection } from '../track/connection.js';
import { trackCapture, type RunOptions } from '../track/run.js';
import type { CaptureSummary } from '../track/summary.js';
import { Analyzer, type Analysis, type ListenerFilter } from './analyzer.js';
import type { ConnectionFacts } from './signatures.js';

/** One capture's result: what was read, and what the diagnosis found. Plain data (worker threads clone it). */
export interface CaptureRun {
  summary: CaptureSummary;
  analysis: Analysis;
}

export interface PipelineOptions extends RunOptions {
  /** --listener / --port: connections to other servers are neither diagnosed nor shown. */
  filter?: ListenerFilter;
  /** The analyzer to feed, for a caller that reads it as it goes (`tcpdiag watch`); else a new one for `filter`. */
  analyzer?: Analyzer;
  /**
   * Called once the capture is read and the tracker's state is garbage, before the judgement allocates
   * its own (the CLI lets memory go here: cli/run-capture.ts releaseTrackerMemory).
   */
  beforeJudging?: (summary: CaptureSummary) => void;
}

/**
 * The whole pipeline for one capture, capture → decode → track → diagnose:
 * the one way the CLI, its worker threads and the tests run it. `each` sees
 * every kept connection right after its diagnosis (signatures filled in).
 * Connection records are reused once `each` returns (nothing downstream keeps
 * one), unless `recycle: false` is given: only a caller that keeps the
 * records (a test asserting on them) needs that. Never throws for a bad
 * capture: the fault is in the summary.
 */
export async function runPipeline(
  path: string,
  opts: PipelineOptions = {},
  each?: (c: Connection, facts: ConnectionFacts) => void,
): Promise<CaptureRun> {
  const { filter, analyzer: given, beforeJudging, ...run } = opts;
  const analyzer = given ?? new Analyzer(filter);
  const summary = await trackCapture(
    path,
    (c) => {
      if (!analyzer.wants(c)) return;
      const facts = analyzer.add(c);
      each?.(c, facts);
    },
    {
      ...run,
      recycle: run.recycle ?? true,
      onTimeBase: (sec) => {
        analyzer.times.base = sec;
        run.onTimeBase?.(sec);
      },
      onTimestampDigits: (digits) => {
        analyzer.times.digits = digits;
        run.onTimestampDigits?.(digits);
      },
    },
  );
  beforeJudging?.(summary);
  return { summary, analysis: analyzer.finish(summary) };
}
