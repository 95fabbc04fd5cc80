// The glue between analyze/flows and correlate/: two or more capture files are read together.

import { correlate, type Correlation } from '../correlate/index.js';
import { stripControl } from '../report/escape.js';
import { withoutMemoryFavour } from './run-capture.js';

/** The captures' correlation, or null: fewer than two files (stdin is read once, by the analysis), or a failure said on stderr. */
export async function correlateCaptures(command: string, paths: string[]): Promise<Correlation | null> {
  const files = paths.filter((p) => p !== '-');
  if (files.length < 2) return null;
  try {
    return await withoutMemoryFavour(() => correlate(files));
  } catch (err) {
    process.stderr.write(`tcpdiag ${command}: captures not correlated: ${stripControl(err instanceof Error ? err.message : String(err))}\n`);
    return null;
  }
}

/** What `flows` adds to a row of a correlated capture. */
export interface FlowFacts {
  lostOnPath: { toServer: number; toClient: number };
  droppedAtHost: number;
  resetAtHost: number;
}

/** A row's correlation facts by its keys (capture path, client, server, first frame), from every pair. */
export function flowFactsOf(c: Correlation | null): (capture: string, client: string, server: string, firstFrame: number) => FlowFacts | undefined {
  const byKey = new Map<string, FlowFacts>();
  for (const pair of c?.pairs ?? []) {
    if (pair.clockOffset === null) continue;
    for (const conn of pair.connections) {
      const facts: FlowFacts = { lostOnPath: conn.lostOnPath, droppedAtHost: conn.droppedAtHost, resetAtHost: conn.resetAtHost };
      for (const k of conn.flows) byKey.set(`${k.capture}\t${k.client}\t${k.server}\t${k.firstFrame}`, facts);
    }
  }
  return (capture, client, server, firstFrame) => byKey.get(`${capture}\t${client}\t${server}\t${firstFrame}`);
}
