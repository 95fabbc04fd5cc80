// The report's side of the comparison: a capture's numbers read off its report, and the abort
// policy of its accept-queue-overflow findings stated with where it came from.

import type { AbortPolicy, CaptureFinding, CaptureSide, CountersReport } from './compare.js';

interface CaptureLike {
  path: string;
  firstTime: { epoch: number } | null;
  lastTime: { epoch: number } | null;
  vantage: { vantage: string };
  listeners: { listener: string }[];
}

interface FiltersLike {
  listeners: string[];
  ports: number[];
  since: string | null;
  until: string | null;
}

export function captureSide(capture: CaptureLike, findings: readonly (CaptureFinding & { capture: string })[], filters: FiltersLike, syncookies: number | null): CaptureSide {
  return {
    path: capture.path,
    first: capture.firstTime?.epoch ?? null,
    last: capture.lastTime?.epoch ?? null,
    vantage: capture.vantage.vantage,
    listeners: capture.listeners.map((l) => l.listener),
    filters: [
      ...filters.listeners.map((l) => `--listener ${l}`),
      ...filters.ports.map((p) => `--port ${p}`),
      ...(filters.since ? [`--since ${filters.since}`] : []),
      ...(filters.until ? [`--until ${filters.until}`] : []),
    ],
    findings: findings.filter((f) => f.capture === capture.path),
    syncookies,
  };
}

export type AbortSource = 'capture' | 'sysctl';

interface OverflowFindingLike {
  id: string;
  abortOnOverflow?: AbortPolicy;
  figures: [string, string][];
  caveats: string[];
}

const ABORT_FIGURE = 'tcp_abort_on_overflow';

/**
 * An accept-queue-overflow finding with its abort policy stated with its source: from the capture
 * when the capture shows it (resets, or SYN-ACKs re-sent after the ACK), else from the sysctls of
 * the counter readings. Other findings come back unchanged.
 */
export function withAbortSource<F extends OverflowFindingLike>(f: F, counters: CountersReport): F & { abortOnOverflowSource?: AbortSource } {
  if (f.id !== 'accept-queue-overflow') return f;
  const sysctl = counters.abortOnOverflow.sysctl;
  const fromCapture = f.abortOnOverflow === '0' || f.abortOnOverflow === '1';
  if (fromCapture) {
    const caveats = sysctl !== null && String(sysctl) !== f.abortOnOverflow
      ? [...f.caveats, `The counter readings say net.ipv4.tcp_abort_on_overflow=${sysctl}, but the capture shows ${f.abortOnOverflow} behaviour: the sysctl changed, or the readings are from another network namespace.`]
      : f.caveats;
    return { ...f, caveats, abortOnOverflowSource: 'capture' };
  }
  if (sysctl !== 0 && sysctl !== 1) return f;
  const value = String(sysctl) as AbortPolicy;
  const reading = counters.after.file;
  const figures = f.figures.map(([label, text]): [string, string] =>
    label === ABORT_FIGURE ? [label, `${value} (from the sysctls in ${reading}; the capture alone could not tell: it shows no overflow reset and no SYN-ACK re-sent after the ACK)`] : [label, text],
  );
  return { ...f, abortOnOverflow: value, figures, abortOnOverflowSource: 'sysctl' };
}
