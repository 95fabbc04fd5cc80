// The `correlation` object of analyze's report: what two captures of the same traffic, read together,
// say about each pair (correlate/model.ts), without the per-connection list (that goes into `flows`).

import type { CaptureSpan, Correlation, PairCorrelation } from '../correlate/model.js';

export type PairReport = Omit<PairCorrelation, 'connections'>;

export interface CorrelationReport {
  captures: CaptureSpan[];
  pairs: PairReport[];
  unpaired: string[];
}

export function correlationReport(c: Correlation): CorrelationReport {
  return {
    captures: c.captures,
    pairs: c.pairs.map(({ connections: _all, ...pair }) => pair),
    unpaired: c.unpaired,
  };
}
