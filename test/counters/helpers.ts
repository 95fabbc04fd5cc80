// The analyze --counters pipeline in process: the same run (counting syncookie SYN-ACKs), report and
// comparison as the CLI, against the recorded fixtures in fixtures/counters/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attachCounters, runCountingCookies } from '../../src/cli/counters.js';
import type { CountersReport } from '../../src/knowledge/counters/compare.js';
import type { KernelDelta } from '../../src/knowledge/counters/delta.js';
import { captureReport, findingReport, newReport, type Report } from '../../src/report/model.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COUNTERS = `${ROOT}fixtures/counters/`;

export const SCENARIOS = ['accept-overflow-abort0', 'accept-overflow-abort1', 'slow-acceptor-abort0', 'slow-acceptor-abort1', 'syn-flood-nocookies'] as const;
export type Scenario = (typeof SCENARIOS)[number] | 'healthy';

/** The server capture of a scenario, from the repository. */
export function capture(s: Scenario): string {
  return s.startsWith('accept-overflow') ? `${ROOT}fixtures/lab/${s}-server.pcap` : `${COUNTERS}${s}-server.pcap.gz`;
}

export type Format = 'nstat' | 'netstat-s' | 'proc' | 'snapshot';
export const FORMATS: readonly Format[] = ['nstat', 'netstat-s', 'proc', 'snapshot'];

/** BEFORE and AFTER of a scenario in a format. */
export function counterFiles(s: Scenario, format: Format): [string, string] {
  if (format === 'snapshot') return [`${COUNTERS}snapshot/${s}-before.json`, `${COUNTERS}snapshot/${s}-after.json`];
  return [`${COUNTERS}${format}/before.txt`, `${COUNTERS}${format}/after-${s}.txt`];
}

export function labels(s: Scenario): { kernel_counters_delta: Record<string, number>; server: { sysctl: Record<string, number> } } {
  return JSON.parse(readFileSync(`${COUNTERS}labels/${s}.json`, 'utf8'));
}

export interface CaptureRun {
  report: Report;
  cookies: number[];
}

/** One capture through the pipeline as `analyze --counters` runs it (counting syncookie SYN-ACKs), without the counters yet. */
export async function runForCounters(path: string, filter: { listeners?: string[]; ports?: number[] } = {}): Promise<CaptureRun> {
  const report = newReport('0.0.0-test', { listeners: filter.listeners ?? [], ports: filter.ports ?? [], since: null, until: null });
  const cookies: number[] = [];
  const [run] = await runCountingCookies(cookies, [path], filter, { quiet: true }, 1);
  report.captures.push(captureReport(run!.summary, run!.analysis));
  report.findings.push(...run!.analysis.findings.map((f) => findingReport(path, f, run!.summary)));
  return { report, cookies };
}

/** A copy of the run's report with the counters attached, as the CLI prints it; and the comparison. */
export function withCounters(run: CaptureRun, kernel: KernelDelta): { report: Report; counters: CountersReport } {
  const report = structuredClone(run.report);
  attachCounters(report, kernel, run.cookies);
  return { report, counters: (report.captures[0] as { counters?: CountersReport }).counters! };
}
