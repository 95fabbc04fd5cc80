// The --counters comparison as the report carries it (captures[].counters): plain data that
// knowledge/counters/compare.ts produces and the printers in report/ render.

export type Relation = 'equal' | 'lower-bound';

export type AbortPolicy = '0' | '1' | 'unknown';

export interface CounterRow {
  /** What the capture number is. */
  what: string;
  capture: number | null;
  kernel: number | null;
  agree: boolean | null;
  relation: Relation;
  explanation: string;
}

export interface ReadingInfo {
  file: string;
  part: number | null;
  format: string;
  time: string | null;
  hostname: string | null;
  netns: string | null;
}

export interface CountersReport {
  before: ReadingInfo;
  after: ReadingInfo;
  /** Seconds between the readings (snapshots only). */
  intervalSeconds: number | null;
  captureSeconds: number | null;
  /** Whether the capture lies within the readings' interval; null without reading times. */
  captureWithinInterval: boolean | null;
  tolerance: { relative: number; absolute: number };
  /** Keyed by counter name, in display order. */
  compared: Record<string, CounterRow>;
  /** All compared counters agree (true), one does not (false), nothing could be compared (null). */
  agree: boolean | null;
  abortOnOverflow: { value: AbortPolicy; source: 'capture' | 'sysctl' | 'none'; capture: AbortPolicy | null; sysctl: number | null };
  notes: string[];
}
