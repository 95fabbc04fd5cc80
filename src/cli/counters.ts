// `analyze --counters`: the glue between the run and knowledge/counters. The captures run one after
// the other on this thread so that each connection's signatures can be counted as it is diagnosed
// (syncookie SYN-ACKs are not in the report); nothing else about the run changes.

import type { ListenerFilter } from '../diagnose/analyzer.js';
import type { RunOptions } from '../track/run.js';
import { captureSide, withAbortSource } from '../knowledge/counters/apply.js';
import { compareCounters, type CountersReport } from '../knowledge/counters/compare.js';
import type { KernelDelta } from '../knowledge/counters/delta.js';
import { loadKernelDelta } from '../knowledge/counters/load.js';
import { CounterInputError } from '../knowledge/counters/parse.js';
import type { Report } from '../report/model.js';
import { stripControl } from '../report/escape.js';
import { runCapture, type CaptureRun } from './run-capture.js';

/** The kernel's side, or null after a one-line error on stderr. */
export async function readCounters(files: string[]): Promise<KernelDelta | null> {
  try {
    return await loadKernelDelta(files);
  } catch (err) {
    if (!(err instanceof CounterInputError)) throw err;
    process.stderr.write(`tcpdiag analyze: ${stripControl(err.message)}\n`);
    return null;
  }
}

/** runCaptures' signature after `cookies`, which receives each capture's count; `_jobs` is not used. */
export async function runCountingCookies(
  cookies: number[],
  paths: string[],
  filter: ListenerFilter,
  opts: Omit<RunOptions, 'onProgress'> & { quiet: boolean },
  _jobs: number,
): Promise<CaptureRun[]> {
  const runs: CaptureRun[] = [];
  for (const path of paths) {
    let n = 0;
    runs.push(await runCapture(path, filter, opts, (c) => {
      if (c.signatures.includes('syncookie')) n++;
    }));
    cookies.push(n);
  }
  return runs;
}

/** Adds `counters` to every capture of the report, and the abort policy's source to its overflow findings. */
export function attachCounters(report: Report, kernel: KernelDelta, cookies: number[]): void {
  report.captures.forEach((c, i) => {
    const counters: CountersReport = compareCounters(captureSide(c, report.findings, report.filters, cookies[i] ?? null), kernel);
    (c as typeof c & { counters?: CountersReport }).counters = counters;
    report.findings = report.findings.map((f) => (f.capture === c.path ? withAbortSource(f, counters) : f));
  });
}
