import { Command, Option } from 'commander';
import { FINDING_IDS, SEVERITY_RANK } from '../diagnose/finding.js';
import { captureReport, findingReport, newReport, type Report } from '../report/model.js';
import { renderText } from '../report/text.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderJunit } from '../report/junit.js';
import { renderHtml } from '../report/html.js';
import { collectLadders } from './ladders.js';
import { makeColor } from './color.js';
import { FAIL_ON, parseListener, parseMaxConnections, parsePort, parsePositive, parseTimeBound, type FailOn } from './options.js';
import { Output } from './output.js';
import { unreadable } from './run-capture.js';
import { defaultJobs, runCaptures } from './jobs.js';
import { stripControl } from '../report/escape.js';
import type { TimeBound } from '../track/run.js';
import { attachCounters, readCounters, runCountingCookies } from './counters.js';
import { renderCountersText } from '../report/counters-text.js';

interface AnalyzeOptions {
  format: 'text' | 'json' | 'ndjson' | 'markdown' | 'junit' | 'html';
  output?: string;
  quiet: boolean;
  failOn: FailOn;
  listener?: string[];
  port?: number[];
  since?: TimeBound;
  until?: TimeBound;
  color: boolean;
  maxConnections?: number;
  jobs?: number;
  counters?: string[];
}

/** 0: nothing at or above the threshold; 1: a finding is; 2: an input could not be read. */
export function exitCode(r: Report, failOn: FailOn): number {
  if (r.captures.some((c) => c.error !== null && c.packets === 0)) return 2;
  if (failOn === 'never') return 0;
  const min = SEVERITY_RANK[failOn];
  return r.findings.some((f) => SEVERITY_RANK[f.severity] >= min) ? 1 : 0;
}

function githubAnnotations(r: Report): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    if (f.severity === 'info') continue;
    const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    const title = esc(`${f.id} ${f.listener}`).replace(/:/g, '%3A').replace(/,/g, '%2C');
    lines.push(`::${f.severity === 'error' ? 'error' : 'warning'} title=${title}::${esc(stripControl(`${f.capture}: ${f.verdict}`))}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export async function analyze(given: string[], o: AnalyzeOptions): Promise<number> {
  // The same file twice would only report the same findings twice.
  const paths = given.filter((p, i) => p === '-' || given.indexOf(p) === i);
  const report = newReport(VERSION, { listeners: o.listener ?? [], ports: o.port ?? [], since: boundText(o.since), until: boundText(o.until) });
  const kernel = o.counters ? await readCounters(o.counters) : null;
  if (o.counters && !kernel) return 2;
  const cookies: number[] = [];
  const runs = await (kernel ? runCountingCookies.bind(null, cookies) : runCaptures)(
    paths,
    { listeners: o.listener, ports: o.port },
    { quiet: o.quiet || o.format !== 'text', since: o.since, until: o.until, maxConnections: o.maxConnections },
    o.jobs ?? defaultJobs(),
  );
  runs.forEach(({ summary, analysis }, i) => {
    const path = paths[i]!;
    report.captures.push(captureReport(summary, analysis));
    for (const f of analysis.findings) report.findings.push(findingReport(path, f));
    if (unreadable(summary)) {
      process.stderr.write(`tcpdiag: ${stripControl(path)}: ${stripControl(summary.error ?? '')} (byte offset ${summary.errorOffset}, frame ${summary.errorFrame})\n`);
    }
  });
  if (kernel) attachCounters(report, kernel, cookies);
  let text: string;
  switch (o.format) {
    case 'json':
      text = JSON.stringify(report, null, 2) + '\n';
      break;
    case 'ndjson':
      text = [
        ...report.captures.map((c) => JSON.stringify({ type: 'capture', ...c })),
        ...report.findings.map((f) => JSON.stringify({ type: 'finding', ...f })),
      ].join('\n') + '\n';
      break;
    case 'markdown':
      text = renderMarkdown(report);
      break;
    case 'junit':
      text = renderJunit(report, o.failOn, FINDING_IDS);
      break;
    case 'html':
      text = renderHtml(report, await collectLadders(report, { since: o.since, until: o.until, maxConnections: o.maxConnections }));
      break;
    default:
      text = renderText(report, makeColor(o.color && !o.output), o.quiet) + renderCountersText(report, makeColor(o.color && !o.output));
  }
  const out = new Output(o.output ?? null);
  try {
    out.write(text);
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
  if (process.env.GITHUB_ACTIONS === 'true') process.stderr.write(githubAnnotations(report));
  return exitCode(report, o.failOn);
}

let VERSION = '0.0.0';

function boundText(b: TimeBound | undefined): string | null {
  if (!b) return null;
  if (b.fromStart !== undefined) return `${b.fromStart}`;
  return b.epoch !== undefined ? new Date(b.epoch * 1000).toISOString() : null;
}

export function addAnalyzeCommand(program: Command, version: string): void {
  VERSION = version;
  program
    .command('analyze')
    .description('diagnose why TCP connections failed to open: verdict, evidence, fix')
    .argument('<captures...>', 'pcap or pcapng files (gzip is fine), or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'ndjson', 'markdown', 'junit', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE (atomically) instead of stdout')
    .option('-q, --quiet', 'print findings only', false)
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding reaches this severity').choices([...FAIL_ON]).default('error'))
    .option('--listener <ip:port>', 'keep only this server (repeatable)', parseListener)
    .option('--port <n>', 'keep only servers on this port (repeatable)', parsePort)
    .option('--since <time>', 'ignore packets before TIME (ISO 8601, or seconds from the start)', parseTimeBound)
    .option('--until <time>', 'ignore packets after TIME (ISO 8601, or seconds from the start)', parseTimeBound)
    .option('--no-color', 'no colour even on a terminal')
    .option('--max-connections <n>', 'cap on live connections (memory bound)', parseMaxConnections)
    .option('-j, --jobs <n>', 'captures analysed in parallel (default: the number of cores)', parsePositive)
    .option('--counters <files...>', 'compare with the kernel counters: BEFORE AFTER (tcpdiag host --snapshot, nstat -az, netstat -s or /proc/net/netstat), or one file holding both')
    .addHelpText(
      'after',
      `
Exit codes: 0 no finding at or above --fail-on, 1 one is, 2 an input could not be read or usage error.

Examples:
  $ tcpdiag analyze fixtures/lab/accept-overflow-abort0-server.pcap
  $ tcpdump -i eth0 -w - 'tcp port 8080' | tcpdiag analyze -
  $ tcpdiag analyze loadtest-*.pcap.gz --format junit --output tcpdiag.xml --fail-on warning
  $ tcpdiag analyze capture.pcapng --listener 10.0.0.5:443 --since 2026-11-21T10:00:00Z --format markdown`,
    )
    .action(async (captures: string[], opts: AnalyzeOptions) => {
      process.exitCode = await analyze(captures, opts);
    });
}
