import { fileURLToPath } from 'node:url';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { flowRecord, type FlowRecord } from '../../src/report/flow.js';
import { captureReport, findingReport, newReport, type Report } from '../../src/report/model.js';
import { labCapture, requireFile } from '../helpers/fixtures.js';

export const LAB = {
  abort0: fileURLToPath(new URL('../../fixtures/lab/accept-overflow-abort0-server.pcap', import.meta.url)),
  refused: fileURLToPath(new URL('../../fixtures/lab/refused-server.pcap', import.meta.url)),
  appReset: fileURLToPath(new URL('../../fixtures/lab/app-reset-client.pcap', import.meta.url)),
  slowAbort1: labCapture('slow-acceptor-abort1', 'server.pcap'),
} as const;

export interface Run {
  report: Report;
  flows: FlowRecord[];
}

/** The CLI's pipeline, in process: capture → tracker → analyzer → Report (and the flow records). */
export async function analyzeCaptures(paths: string[]): Promise<Run> {
  const report: Report = newReport('0.0.0-test');
  const flows: FlowRecord[] = [];
  for (const path of paths) {
    // A missing file would be a report of one unreadable capture; tests that want one make it themselves.
    requireFile(path);
    // As the CLI runs it (analyze and flows): records reused, each turned into its flow record at once.
    // Times with the capture's digits of a second, as the CLI prints them (known before any connection).
    let digits = 9;
    const { summary, analysis: a } = await runPipeline(path, { onTimestampDigits: (d) => (digits = d) }, (c) => flows.push(flowRecord(path, c, digits)));
    report.captures.push(captureReport(summary, a));
    report.findings.push(...a.findings.map((f) => findingReport(path, f, summary)));
  }
  return { report, flows };
}

const cache = new Map<string, Promise<Run>>();

/** One capture's run, shared by the tests of a file. */
export function analyzeOne(path: string): Promise<Run> {
  let r = cache.get(path);
  if (!r) {
    // The captures shared by a file's tests are real ones: one that cannot be read is missing data.
    r = analyzeCaptures([path]).then((run) => {
      const c = run.report.captures[0]!;
      if (c.error !== null && c.packets === 0) throw new Error(`${path} could not be read: ${c.error}`);
      return run;
    });
    cache.set(path, r);
  }
  return r;
}

/** A JSON round trip: what `--format json` consumers see (undefined fields dropped). */
export function asJson<T>(x: T): unknown {
  return JSON.parse(JSON.stringify(x));
}
