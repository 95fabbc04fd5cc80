// `tcpdiag watch`: the live incident mode. The same streaming analysis as analyze, read in windows of
// --interval seconds of capture time (diagnose/window.ts), then analyze's report of everything seen. Loaded
// by the command's action (watch.ts defines the command).

import type { Command } from 'commander';
import { runPipeline, type CaptureRun } from '../diagnose/pipeline.js';
import { Windows, WatchedAnalyzer, type FindingEvent, type WindowEvent } from '../diagnose/window.js';
import { captureReport, findingReport, newReport, type Report } from '../report/model.js';
import { reportPrinter } from '../report/report-printers.js';
import { stripControl } from '../report/escape.js';
import type { Printer } from '../report/printer.js';
import { exitCode } from './analyze-run.js';
import type { WatchFormat } from './choices.js';
import { usageError, writeTo, type OutputOptions } from './command.js';
import { textStyle } from './text-style.js';
import { capturesToRead } from './capture-paths.js';
import { FrameOrigins } from '../capture/merge.js';
import { locateInFiles } from '../report/merged.js';
import { Output } from './output.js';
import { favourMemory } from './run-capture.js';
import { CaptureClock } from './watch-clock.js';
import { HostWatch } from './watch-host.js';
import { findOnPath, LiveError, pipeHint, startTcpdump, type LiveCapture } from './watch-live.js';
import { watchNdjsonPrinter, watchTextPrinter, type WatchEvent } from './watch-print.js';
import { MS, nanos } from '../capture/time-base.js';
import { fromStartBound } from '../track/time-bound.js';
import type { FailOn } from './options.js';

export interface WatchOptions extends OutputOptions<WatchFormat> {
  /** -r: a capture, `-`, a folder, or (with --merge) several files read as one capture. */
  read?: string[];
  merge: boolean;
  port?: number;
  interface: string;
  interval: number;
  duration?: number;
  save?: string;
  quiet: boolean;
  failOn: FailOn;
  maxConnections?: number;
}

/** Thrown out of the pipeline's callback to stop reading (Ctrl-C on a replay); the reader records it as its fault. */
const STOP_MESSAGE = 'tcpdiag watch: stopped';
/**
 * Live: a window closes this long (capture time) after its end when no later packet has closed it, so that
 * the packets tcpdump stamped before the end have been read (it runs with --immediate-mode: milliseconds).
 */
const SETTLE_NS = 50 * MS;

export async function watch(cmd: Command, o: WatchOptions, version: string): Promise<number> {
  if (o.read === undefined && o.port === undefined) usageError(cmd, 'give -r FILE (or -r - for a pipe) to replay a capture, or --port N to watch this host');
  if (o.read !== undefined && o.save) usageError(cmd, '--save is for --port (a live capture); a replayed file is already saved');
  if (o.merge && o.read === undefined) usageError(cmd, '--merge is for -r: the files of one capture replayed as one, in time order');
  const live = o.read === undefined;
  // -r: one capture, `-`, or a folder; several files only with --merge (one capture in time order).
  const read = live ? undefined : capturesToRead(cmd, o.read!, { merge: o.merge, one: true });
  // --merge: one capture named by its files; `origins` maps its frame numbers back to theirs.
  const merged = read?.merge && { files: read.merge.files, origins: new FrameOrigins() };
  let tcpdump: string | null = null;
  if (live) {
    tcpdump = findOnPath('tcpdump');
    if (!tcpdump) {
      process.stderr.write(`tcpdiag watch: tcpdump not found on PATH; capture with it and pipe instead: ${pipeHint(o.interface, o.port!)}\n`);
      return 2;
    }
  }
  const out = new Output(o.output);
  return writeTo(out, async () => {
    favourMemory();
    const style = textStyle(o, out);
    const printer: Printer<WatchEvent> = o.format === 'ndjson' ? watchNdjsonPrinter(out) : watchTextPrinter(out, style.color, !out.toFile && Boolean(process.stdout.isTTY));
    const analyzer = new WatchedAnalyzer(o.port !== undefined ? { ports: [o.port] } : {});
    let host: HostWatch | null = null;
    if (live) {
      host = new HostWatch(o.port!);
      if (host.missing && o.format === 'text') process.stderr.write(`tcpdiag watch: host half missing: ${host.missing}\n`);
    }
    const windows = new Windows(analyzer, o.interval, {
      window: (w: WindowEvent) => printer.print(host ? { ...w, host: host.sample() } : w),
      finding: (f: FindingEvent) => printer.print(f),
    });
    let capture: LiveCapture | null = null;
    if (live) {
      try {
        capture = startTcpdump(tcpdump!, o.interface, o.port!, o.save);
      } catch (e) {
        if (!(e instanceof LiveError)) throw e;
        process.stderr.write(`tcpdiag watch: ${e.message}; run instead: ${pipeHint(o.interface, o.port!)}\n`);
        return 2;
      }
    }
    const path = capture ? capture.path : read!.paths[0]!;
    const label = capture ? (o.save ?? `tcpdump -i ${o.interface} 'tcp port ${o.port}'`) : path;

    // Ending: --duration, Ctrl-C, SIGTERM. Live: tcpdump is stopped and its stream ends. Replay: the next
    // connection to finish stops the read (a pipe that stays silent is closed).
    let stopRequested = false;
    let stopThrown = false;
    let readAll = false;
    let stopReason = '';
    const stop = (why: string) => {
      if (stopRequested) return;
      stopRequested = true;
      stopReason = why;
      if (capture) capture.stop();
      else if (path === '-') {
        // The read ends by itself; nothing to throw (the tracker's end() must not meet a throw).
        stopThrown = true;
        process.stdin.destroy();
      }
    };
    const onSignal = (sig: NodeJS.Signals) => stop(sig);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const timers: NodeJS.Timeout[] = [];
    // Capture times are nanoseconds since the run's base second (capture/time-base.ts): live, the wall clock's
    // second now, so that windows can close before the first packet; a replay, its first frame's.
    const timeBase = live ? Math.floor(Date.now() / 1000) : undefined;
    if (timeBase !== undefined) analyzer.times.base = timeBase;
    // The wall clock in the same nanoseconds (live only): milliseconds since the base second, as nanoseconds.
    const wallNow = () => (Date.now() - (timeBase ?? 0) * 1000) * MS;
    // Windows close at capture time: before the first packet past a window's end (the tracker stops there,
    // so the open connections are judged as they stood at the end), and live also by the wall clock mapped
    // to capture time, so that a window closes on time when no packet comes.
    const clock = new CaptureClock();
    let tick: NodeJS.Timeout | null = null;
    const schedule = () => {
      if (stopRequested) return;
      const wall = wallNow();
      const due = windows.nextEnd === Infinity ? wall : clock.wallAt(windows.nextEnd + SETTLE_NS);
      tick = setTimeout(() => {
        windows.advance(clock.now(wallNow()) - (windows.nextEnd === Infinity ? 0 : SETTLE_NS));
        schedule();
      }, Math.max(0, (due - wall) / MS));
    };
    if (live) {
      if (o.duration) timers.push(setTimeout(() => stop(`--duration ${o.duration}s`), o.duration * 1000));
      schedule();
    }
    analyzer.beforeAdd = (c) => windows.advance(c.finishedAt);
    analyzer.beforeFinish = (summary) => {
      // Our own stop (a thrown stop, or stdin closed), not a fault of the capture.
      if (stopRequested && stopThrown && summary.error !== null) {
        summary.error = null;
        summary.partial = false;
        summary.errorOffset = null;
        summary.errorFrame = null;
      }
      if (stopRequested) summary.warnings.push(`watch stopped by ${stopReason}: the report covers what was read until then`);
    };
    let run: CaptureRun;
    try {
      run = await runPipeline(
        path,
        {
          analyzer,
          maxConnections: o.maxConnections,
          merge: merged,
          // Nothing watch prints reads Zeek's history or states (TrackerOptions.zeek).
          zeek: false,
          // Replay: --duration keeps the first seconds of capture time, as analyze --until +SECONDS.
          until: !live && o.duration ? fromStartBound(Math.round(nanos(o.duration))) : undefined,
          newTracker: windows.newTracker,
          timeBase,
          // Every byte of a file read: what finishes from here on comes from the tracker's end(), which a
          // throw must not meet (the reader catches a throw only while it parses). A stop then just lets it end.
          onProgress: (p) => {
            if (p.totalBytes !== null && p.rawBytes >= p.totalBytes) readAll = true;
            if (live && windows.tracker) clock.observe(wallNow(), windows.tracker.latest);
          },
        },
        (c, facts) => {
          windows.count(c, facts);
          if (stopRequested && !stopThrown && !live && !readAll) {
            stopThrown = true;
            throw new Error(STOP_MESSAGE);
          }
        },
      );
    } finally {
      for (const t of timers) clearTimeout(t);
      if (tick) clearTimeout(tick);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const failure = capture ? await capture.exited : null;
    capture?.cleanup();
    const summary = run.summary;
    if (failure && summary.packets === 0) {
      process.stderr.write(`tcpdiag watch: ${stripControl(failure)}; run instead: ${pipeHint(o.interface, o.port!)}\n`);
      return 2;
    }
    summary.path = label;
    windows.close();

    const report: Report = newReport(version, { listeners: [], ports: o.port !== undefined ? [o.port] : [], since: null, until: null });
    const c = captureReport(summary, run.analysis);
    if (merged) c.files = merged.files;
    report.captures.push(c);
    for (const f of run.analysis.findings) {
      const r = findingReport(label, f, summary);
      report.findings.push(merged ? locateInFiles(r, merged.files, merged.origins) : r);
    }
    const code = exitCode(report, o.failOn);
    if (summary.error && summary.packets === 0) process.stderr.write(`tcpdiag watch: ${stripControl(label)}: ${stripControl(summary.error)}\n`);
    printer.finish();
    if (o.format === 'ndjson') {
      out.write(JSON.stringify({ type: 'end', exitCode: code, report }) + '\n');
    } else {
      out.write(`\n${style.color.bold('── end of watch: the full report ──')}\n`);
      const p = reportPrinter('text', out, { style, quiet: o.quiet, failOn: o.failOn, ladders: [] });
      p.print(report);
      p.finish();
    }
    return code;
  });
}
