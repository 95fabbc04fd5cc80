// `tcpdiag analyze`, run: loaded by the command's action (analyze.ts defines the command), so that --help
// and the other commands start without the analysis.

import type { Command } from 'commander';
import { SEVERITY_RANK } from '../diagnose/severity.js';
import { captureReport, findingReport, newReport, type CaptureReport, type Report } from '../report/model.js';
import { reportPrinter } from '../report/report-printers.js';
import type { ReportFormat } from '../report/formats.js';
import { errorLocation } from '../report/text.js';
import { collectLadders } from './ladders.js';
import { usageError, writeTo, type OutputOptions } from './command.js';
import { textStyle } from './text-style.js';
import { boundText, windowError, type FailOn } from './options.js';
import { Output } from './output.js';
import { capturesToRead } from './capture-paths.js';
import { unreadable } from './run-capture.js';
import { defaultJobs, runCaptures } from './jobs.js';
import { stripControl } from '../report/escape.js';
import type { TimeBound } from '../track/run.js';
import { windowNote } from './window.js';
import { attachCounters, readCounters, runCountingCookies } from './counters.js';
import { correlateCaptures } from './correlation.js';
import { applyCorrelation } from '../diagnose/correlated.js';
import { correlationReport } from '../report/correlation.js';
import { FrameOrigins } from '../capture/merge.js';
import { locateInFiles } from '../report/merged.js';

export interface AnalyzeOptions extends OutputOptions<ReportFormat> {
  quiet: boolean;
  failOn: FailOn;
  listener?: string[];
  port?: number[];
  since?: TimeBound;
  until?: TimeBound;
  maxConnections?: number;
  jobs?: number;
  counters?: string[];
  /** false with --no-correlate. */
  correlate: boolean;
  /** Text: the per-listener table across captures; undefined = when there are several. */
  summary?: boolean;
  /** The captures read as one, in time order. */
  merge: boolean;
}

/** 0: nothing at or above the threshold; 1: a finding is; 2: an input could not be read. */
export function exitCode(r: Report, failOn: FailOn): number {
  if (r.captures.some((c) => c.error !== null && c.packets === 0)) return 2;
  if (failOn === 'never') return 0;
  const min = SEVERITY_RANK[failOn];
  return r.findings.some((f) => SEVERITY_RANK[f.severity] >= min) ? 1 : 0;
}

const annotationData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const annotationProperty = (s: string) => annotationData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions workflow commands: a finding above info, and an input that could not be read at all. */
export function githubAnnotations(r: Report): string {
  const lines: string[] = [];
  for (const c of r.captures) {
    if (c.error === null || c.packets > 0) continue;
    lines.push(`::error title=${annotationProperty(`unreadable capture ${c.path}`)}::${annotationData(stripControl(`${c.path}: ${c.error}${errorLocation(c)}`))}`);
  }
  for (const f of r.findings) {
    if (f.severity === 'info') continue;
    const title = annotationProperty(`${f.id} ${f.listener}`);
    lines.push(`::${f.severity === 'error' ? 'error' : 'warning'} title=${title}::${annotationData(stripControl(`${f.capture}: ${f.verdict}`))}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export async function analyze(cmd: Command, given: string[], o: AnalyzeOptions, version: string): Promise<number> {
  const bad = windowError(o.since, o.until);
  if (bad) usageError(cmd, bad);
  // Opened first: a directory or an unwritable path fails before minutes of analysis, not after.
  const out = new Output(o.output);
  return writeTo(out, async () => {
    const { paths, merge } = capturesToRead(cmd, given, { merge: o.merge });
    // --merge: one capture, named by its files; `origins` maps its frame numbers back to theirs.
    const merged = merge && { files: merge.files, origins: new FrameOrigins() };
    const report = newReport(version, { listeners: o.listener ?? [], ports: o.port ?? [], since: boundText(o.since), until: boundText(o.until) });
    const kernel = o.counters ? await readCounters(o.counters) : null;
    if (o.counters && !kernel) return 2;
    const cookies: number[] = [];
    const runs = await (kernel ? runCountingCookies.bind(null, cookies) : runCaptures)(
      paths,
      { listeners: o.listener, ports: o.port },
      // No Zeek history or states: nothing analyze prints reads them (TrackerOptions.zeek).
      { quiet: o.quiet || o.format !== 'text', since: o.since, until: o.until, maxConnections: o.maxConnections, merge: merged, zeek: false },
      o.jobs ?? defaultJobs(),
    );
    // Two or more files are read together as well (stdin cannot be read twice), once their analysis is done:
    // read at the same time on the same thread, the correlation's index and the analysis each made the
    // other's garbage collections slower (two 1 M-packet captures of the same traffic: 26 s against 12 s;
    // BENCHMARKS.md, session 18), and the peak memory was both at once.
    const correlation = o.correlate && !merged ? await correlateCaptures('analyze', paths) : null;
    runs.forEach(({ summary, analysis }, i) => {
      const path = paths[i]!;
      const c: CaptureReport = captureReport(summary, analysis);
      if (merged) c.files = merged.files;
      report.captures.push(c);
      const findings = correlation ? applyCorrelation(path, analysis.findings, correlation) : analysis.findings;
      for (const f of findings) {
        const r = findingReport(path, f, summary);
        report.findings.push(merged ? locateInFiles(r, merged.files, merged.origins) : r);
      }
      if (unreadable(summary)) process.stderr.write(`tcpdiag analyze: ${stripControl(path)}: ${stripControl(summary.error ?? '')}${errorLocation(c)}\n`);
      // A capture cut at a fault is said on stderr whatever the format and -q: a report that reads
      // clean may only be clean up to the fault.
      else if (summary.partial) {
        process.stderr.write(`tcpdiag analyze: ${stripControl(path)}: incomplete, reading stopped at a fault${errorLocation(c)}: ${stripControl(summary.error ?? '')}; the report covers the ${summary.packets} packets before it\n`);
      }
      const note = windowNote(summary, o.since, o.until);
      if (note) process.stderr.write(`tcpdiag analyze: ${stripControl(path)}: ${note}\n`);
    });
    if (correlation) report.correlation = correlationReport(correlation);
    if (kernel) attachCounters(report, kernel, cookies);
    const ladders = o.format === 'html' ? await collectLadders(report, { since: o.since, until: o.until, maxConnections: o.maxConnections }) : [];
    const printer = reportPrinter(o.format, out, { style: textStyle(o, out), quiet: o.quiet, failOn: o.failOn, ladders, summary: o.summary });
    printer.print(report);
    printer.finish();
    if (process.env.GITHUB_ACTIONS === 'true') process.stderr.write(githubAnnotations(report));
    return exitCode(report, o.failOn);
  });
}
