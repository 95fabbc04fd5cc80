// The glue between analyze/flows and correlate/: two or more capture files are read together.

import { correlate, type Correlation } from '../correlate/index.js';
import { stripControl } from '../report/escape.js';

/** The captures' correlation, or null: fewer than two files (stdin is read once, by the analysis), or a failure said on stderr. */
export async function correlateCaptures(command: string, paths: string[]): Promise<Correlation | null> {
  const files = paths.filter((p) => p !== '-');
  if (files.length < 2) return null;
  try {
    return await correlate(files);
  } catch (err) {
    process.stderr.write(`tcpdiag ${command}: captures not correlated: ${stripControl(err instanceof Error ? err.message : String(err))}\n`);
    return null;
  }
}
