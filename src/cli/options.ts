import { InvalidArgumentError } from 'commander';
import type { TimeBound } from '../track/run.js';
import { MAX_CONNECTIONS_LIMIT, SLOT_BYTES } from '../track/tracker.js';

/** `--since 30` (seconds from the capture's start) or `--since 2026-11-21T10:00:00Z`. */
export function parseTimeBound(v: string): TimeBound {
  if (/^\d+(\.\d+)?$/.test(v)) return { fromStart: Number(v) };
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`'${v}' is neither seconds from the start of the capture nor an ISO 8601 time`);
  return { epoch: t / 1000 };
}

export function parsePort(v: string, previous: number[] = []): number[] {
  const p = Number(v);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new InvalidArgumentError(`'${v}' is not a TCP port (1-65535)`);
  return [...previous, p];
}

/** `IP:PORT` or `[IPv6]:PORT`, normalised as the report prints listeners. */
export function parseListener(v: string, previous: string[] = []): string[] {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(v);
  if (!m) throw new InvalidArgumentError(`'${v}' is not IP:PORT (or [IPv6]:PORT)`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(`'${v}' has no valid port`);
  return [...previous, m[1] ? `[${m[1].toLowerCase()}]:${port}` : `${m[2]}:${port}`];
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${v}' is not a positive whole number`);
  return n;
}

/** --max-connections, checked here for a usage error rather than the tracker's RangeError. */
export function parseMaxConnections(v: string): number {
  const n = parsePositive(v);
  if (n > MAX_CONNECTIONS_LIMIT) {
    throw new InvalidArgumentError(`'${v}' is more than ${MAX_CONNECTIONS_LIMIT} live connections (about ${Math.round((MAX_CONNECTIONS_LIMIT * SLOT_BYTES) / 1e9)} GB of tracker state)`);
  }
  return n;
}

export { FAIL_ON, type FailOn } from '../diagnose/severity.js';
