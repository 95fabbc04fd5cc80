import { Analyzer, type Analysis, type ListenerFilter } from '../diagnose/analyzer.js';
import type { Connection } from '../track/connection.js';
import { trackCapture, type CaptureSummary, type RunOptions } from '../track/run.js';
import { Progress } from './progress.js';

export interface CaptureRun {
  summary: CaptureSummary;
  analysis: Analysis;
}

/** One capture through the whole pipeline; `each` sees every kept connection after its diagnosis. */
export async function runCapture(
  path: string,
  filter: ListenerFilter,
  opts: RunOptions & { quiet: boolean },
  each?: (c: Connection) => void,
): Promise<CaptureRun> {
  const analyzer = new Analyzer(filter);
  const progress = new Progress(path, opts.quiet);
  const summary = await trackCapture(
    path,
    (c) => {
      if (!analyzer.wants(c)) return;
      analyzer.add(c);
      each?.(c);
    },
    // Nothing downstream keeps a connection object past its callback: let the tracker reuse them.
    { ...opts, onProgress: progress.update, recycle: true },
  );
  progress.clear();
  return { summary, analysis: analyzer.finish(summary) };
}

/** Nothing could be read from this input at all. */
export function unreadable(s: CaptureSummary): boolean {
  return s.error !== null && s.packets === 0;
}
