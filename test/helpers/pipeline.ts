import { readFileSync } from 'node:fs';
import type { Analysis } from '../../src/diagnose/analyzer.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import type { ConnectionFacts } from '../../src/diagnose/signatures.js';
import { formatEndpoint } from '../../src/decode/address.js';
import type { Connection } from '../../src/track/connection.js';
import type { CaptureSummary } from '../../src/track/summary.js';
import { FIXTURES, labLabelsPath, requireFile } from './fixtures.js';

export { FIXTURES, labCapture } from './fixtures.js';

export interface ConnView {
  client: string;
  clientPort: number;
  server: string;
  facts: ConnectionFacts;
  c: Connection;
}

export interface Run {
  summary: CaptureSummary;
  analysis: Analysis;
  conns: ConnView[];
}

/**
 * The CLI's pipeline (runPipeline) in-process, keeping every connection for assertions: the one
 * difference from the CLI is that connection records are not reused, since this keeps them.
 */
export async function run(path: string): Promise<Run> {
  requireFile(path);
  const conns: ConnView[] = [];
  const { summary, analysis } = await runPipeline(path, { recycle: false }, (c, facts) => {
    conns.push({
      client: formatEndpoint(c.ipVersion, c.c0, c.c1, c.c2, c.c3, c.cPort),
      clientPort: c.cPort,
      server: formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort),
      facts,
      c,
    });
  });
  // Nothing read at all is missing data, not an empty result to compare (0 == 0 passes anything).
  if (summary.error !== null && summary.packets === 0) throw new Error(`${path} could not be read: ${summary.error}`);
  return { summary, analysis, conns };
}

export interface Labels {
  scenario: string;
  server: { ip: string; port: number; sysctl: Record<string, number> };
  kernel_counters_delta: Record<string, number>;
  connections: { port: number; outcome: string }[];
  client_outcomes: Record<string, number>;
  flood?: string[];
}

export function labels(scenario: string): Labels {
  return JSON.parse(readFileSync(labLabelsPath(scenario), 'utf8')) as Labels;
}
