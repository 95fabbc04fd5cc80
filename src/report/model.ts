import type { Analysis, ListenerOutcome, VantageReport } from '../diagnose/analyzer.js';
import type { ListenerTimeline } from '../diagnose/timeline.js';
import type { Finding } from '../diagnose/registry.js';
import type { CaptureSummary } from '../track/summary.js';
import type { LoggedPacket } from '../track/connection.js';
import type { CorrelationReport } from './correlation.js';
import type { Episode, LatencySummary } from '../diagnose/finding.js';
import { absoluteTime, exactSeconds, seconds } from '../capture/time-base.js';

/** Packets of one evidence connection, for its ladder diagram. */
export interface Ladder {
  capture: string;
  /** The evidence connection's id. */
  connection: number;
  packets: LoggedPacket[];
}

export const SCHEMA_VERSION = 1;

/** A time as both ISO 8601 (with the digits of a second the capture has: 6 for µs, 9 for ns) and epoch seconds. */
export interface Time {
  iso: string;
  epoch: number;
}

/** A capture's summary as reported: the reader's counts, times as ISO + epoch, and what the analysis found out. */
export interface CaptureReport extends Omit<CaptureSummary, 'firstTime' | 'lastTime'> {
  firstTime: Time | null;
  lastTime: Time | null;
  duration: number | null;
  vantage: VantageReport;
  listeners: ListenerOutcome[];
  /** Counts over time per listener with a finding. */
  timelines: ListenerTimeline[];
  /** --merge: the files read as this one capture, in the order given (`path` is their names joined by ' + '). */
  files?: string[];
}

/** Omit on each member of a union (plain Omit keeps only the fields every member has). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A finding as reported: times as ISO + epoch, and the capture it came from; a union by `id` like Finding. */
export type FindingReport = OmitEach<Finding, 'firstTime' | 'lastTime' | 'episodes'> & {
  capture: string;
  firstTime: Time | null;
  lastTime: Time | null;
  episodes: EpisodeReport[];
};

/**
 * An episode as reported: its bounds as Times, and its length in seconds with the digits the capture has
 * (exactSeconds of the difference of the capture times, as a capture's `duration` is): the reports print
 * it from here, not from the bounds' texts.
 */
export interface EpisodeReport {
  start: Time;
  end: Time;
  duration: number;
  connections: number;
}

/** The reported finding of one id. */
export type FindingReportOf<Id extends FindingReport['id']> = Extract<FindingReport, { id: Id }>;

/** What the run was told to keep (--listener, --port, --since, --until): a filtered report says so. */
export interface ReportFilters {
  listeners: string[];
  ports: number[];
  /** As given: ISO 8601, or seconds from the capture's start. */
  since: string | null;
  until: string | null;
}

/** The `--format json` document. */
export interface Report {
  tool: 'tcpdiag';
  version: string;
  schemaVersion: number;
  filters: ReportFilters;
  captures: CaptureReport[];
  findings: FindingReport[];
  /** Two or more captures read together (analyze with several files; absent with --no-correlate or one capture). */
  correlation?: CorrelationReport;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

// Date's own range (±8.64e15 ms); a capture can claim more (a 64-bit count of seconds).
const MAX_DATE_S = 8.64e12;

// isoTime's last second and its formatted text.
let lastSecond = NaN;
let lastWhole = '';

/** The digits of a second a capture's times print with: its resolution's, nanoseconds when not known. */
export function digitsOf(s: { timestampDigits?: number | null }): number {
  return s.timestampDigits ?? 9;
}

/**
 * ISO 8601 in UTC from whole seconds and nanoseconds (no float rounding), with `digits` digits of a
 * second (0-9; the capture's resolution: 6 for µs, 9 for ns), truncated as the capture's own ticks are.
 * A nanosecond field of a second or more is carried into the seconds; years past 9999 use the extended
 * form (+YYYYYY); times beyond what a Date can hold are clamped to its limit.
 */
export function isoTime(sec: number, nsec: number, digits = 9): string {
  let s = Math.floor(sec);
  let ns = Math.floor(nsec);
  if (ns >= 1e9 || ns < 0) {
    s += Math.floor(ns / 1e9);
    ns = ((ns % 1e9) + 1e9) % 1e9;
  }
  if (s > MAX_DATE_S) {
    s = MAX_DATE_S;
    ns = 0;
  } else if (s < -MAX_DATE_S) {
    s = -MAX_DATE_S;
    ns = 0;
  }
  // `flows` formats a time or two per connection, and neighbours share their second: format each second once.
  if (s !== lastSecond) {
    lastSecond = s;
    lastWhole = utcDateTime(s);
  }
  return digits <= 0 ? `${lastWhole}Z` : `${lastWhole}.${pad(ns, 9).slice(0, Math.min(digits, 9))}Z`;
}

const SECONDS_PER_DAY = 86_400;

/**
 * Whole seconds since the epoch as Date.prototype.toISOString writes them, without the fraction and the Z
 * (YYYY-MM-DDTHH:MM:SS; a year outside 0-9999 as +YYYYYY or -YYYYYY), computed here: a process's first
 * toISOString took 0.7-1.2 ms, about 1% of a small capture's run (BENCHMARKS.md, session 20). The civil date
 * of a day count is Howard Hinnant's days_from_civil inverse (proleptic Gregorian, as Date's).
 */
export function utcDateTime(sec: number): string {
  const days = Math.floor(sec / SECONDS_PER_DAY);
  const ofDay = sec - days * SECONDS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const y = year >= 0 && year <= 9999 ? pad(year, 4) : `${year < 0 ? '-' : '+'}${pad(Math.abs(year), 6)}`;
  const hour = Math.floor(ofDay / 3600);
  const minute = Math.floor((ofDay % 3600) / 60);
  return `${y}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(ofDay % 60, 2)}`;
}

/**
 * Nanoseconds from one capture time (whole seconds, nanoseconds) to another, in integers: exact for
 * spans under 104 days (2^53 ns), where a difference of float epoch seconds is off by up to ~0.2 µs.
 */
export function nanosBetween(fromSec: number, fromNsec: number, toSec: number, toNsec: number): number {
  return (toSec - fromSec) * 1e9 + (toNsec - fromNsec);
}

/** The digits of a second a Time was written with (its ISO's fraction): the capture's precision. */
export function timeDigits(t: Time): number {
  return /\.(\d+)Z$/.exec(t.iso)?.[1]!.length ?? 0;
}

export function timeOf(sec: number, nsec: number, digits = 9): Time {
  return { iso: isoTime(sec, nsec, digits), epoch: sec + nsec / 1e9 };
}

/**
 * A capture time (nanoseconds since the run's base second `base`, capture/time-base.ts) as a Time: the
 * capture's own timestamp, exact to the nanosecond, printed with `digits`. Null when not finite.
 */
export function captureTimeOf(t: number, base: number, digits = 9): Time | null {
  if (!Number.isFinite(t)) return null;
  const { sec, nsec } = absoluteTime(base, t);
  return timeOf(sec, nsec, digits);
}

export function captureReport(summary: CaptureSummary, a: Analysis): CaptureReport {
  // The base second is how the analysis's times are kept, not a fact of the capture: not printed.
  const { timeBase: _base, ...s } = summary;
  const digits = digitsOf(s);
  const first = s.firstTime ? timeOf(s.firstTime.sec, s.firstTime.nsec, digits) : null;
  const last = s.lastTime ? timeOf(s.lastTime.sec, s.lastTime.nsec, digits) : null;
  return {
    ...s,
    firstTime: first,
    lastTime: last,
    duration: s.firstTime && s.lastTime ? seconds(nanosBetween(s.firstTime.sec, s.firstTime.nsec, s.lastTime.sec, s.lastTime.nsec)) : null,
    vantage: {
      ...a.vantage,
      synToSynAck: a.vantage.synToSynAck === null ? null : exactSeconds(a.vantage.synToSynAck, digits),
      synAckToAck: a.vantage.synAckToAck === null ? null : exactSeconds(a.vantage.synAckToAck, digits),
    },
    listeners: a.listeners,
    // Bucket starts are sums of float seconds (…381.6000001): to the microsecond, as the capture times.
    timelines: a.timelines.map((t) => ({ ...t, start: Math.round(t.start * 1e6) / 1e6 })),
  };
}

/** What findingReport needs of the capture's summary: the digits its times print with, the base second of the analysis's times. */
export type ReportTimes = Pick<CaptureSummary, 'timestampDigits' | 'timeBase'>;

/**
 * A finding as reported. `s`: its capture's summary (ReportTimes): the finding's times (capture times:
 * packets' own, firstTime, lastTime, episode bounds) become the packets' timestamps, exact, printed with
 * the capture's digits; its durations (nanoseconds) become seconds with the digits the capture has
 * (exactSeconds), the latency histogram's edges seconds.
 */
export function findingReport(capture: string, f: Finding, s: ReportTimes): FindingReport {
  const { firstTime, lastTime, episodes, ...rest } = f;
  const digits = digitsOf(s);
  const base = s.timeBase ?? 0;
  return {
    capture,
    ...(rest as OmitEach<Finding, 'firstTime' | 'lastTime' | 'episodes'>),
    ...addedLatencyOf(rest, digits),
    ...latencyHistogramOf(rest),
    firstTime: captureTimeOf(firstTime, base, digits),
    lastTime: captureTimeOf(lastTime, base, digits),
    episodes: episodes.map((e) => episodeReport(e, base, digits)),
  };
}

/**
 * An episode's bounds as Times and its length: the nanoseconds between the two bounds as printed (the
 * packets' own timestamps; past EXACT_NANOS_SPAN each to the microsecond, absoluteTime), in seconds with
 * the capture's digits, so that Length is End less Start as the reports show them.
 */
function episodeReport(e: Episode, base: number, digits: number): EpisodeReport {
  const start = absoluteTime(base, e.start);
  const end = absoluteTime(base, e.end);
  return {
    start: timeOf(start.sec, start.nsec, digits),
    end: timeOf(end.sec, end.nsec, digits),
    duration: exactSeconds(nanosBetween(start.sec, start.nsec, end.sec, end.nsec), digits),
    connections: e.connections,
  };
}

/** The overflow's addedLatency in seconds with the digits the capture has (the detector's are nanoseconds; its figure's text is final). */
function addedLatencyOf(f: Omit<Finding, 'firstTime' | 'lastTime' | 'episodes'>, digits: number): { addedLatency?: LatencySummary } {
  const l = 'addedLatency' in f ? (f.addedLatency as LatencySummary | null) : null;
  if (!l) return {};
  return { addedLatency: { ...l, p50: exactSeconds(l.p50, digits), p90: exactSeconds(l.p90, digits), max: exactSeconds(l.max, digits) } };
}

/** The overflow's latency histogram with its edges in seconds (the detector's are nanoseconds). */
function latencyHistogramOf(f: Omit<Finding, 'firstTime' | 'lastTime' | 'episodes'>): { latencyHistogram?: { edges: number[]; counts: number[] } | null } {
  if (!('latencyHistogram' in f)) return {};
  const h = f.latencyHistogram as { edges: number[]; counts: number[] } | null;
  return { latencyHistogram: h && { edges: h.edges.map(seconds), counts: h.counts } };
}

export const NO_FILTERS: ReportFilters = { listeners: [], ports: [], since: null, until: null };

/** An empty report, to which each capture's summary and findings are added. */
export function newReport(version: string, filters: ReportFilters = NO_FILTERS): Report {
  return { tool: 'tcpdiag', version, schemaVersion: SCHEMA_VERSION, filters, captures: [], findings: [] };
}
