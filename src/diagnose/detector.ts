import type { Connection } from '../track/connection.js';
import type { CaptureSummary } from '../track/summary.js';
import type { EvidencePicker } from './evidence.js';
import type { CatalogEntry } from './explain/entry.js';
import type { Alternative, Confidence, FindingCommon } from './finding.js';
import type { ListenerBase } from './listener.js';
import type { Severity } from './severity.js';
import type { ConnectionFacts } from './signatures.js';
import type { Vantage } from './vantage.js';

/**
 * Where a finding's advice applies: the real listener in a report, placeholders in `tcpdiag explain`
 * (so both print the same advice, written once in the detector).
 */
export interface Where {
  /** `ip:port`, or `ADDR:PORT` in the catalog. */
  listener: string;
  /** The port, or `PORT` in the catalog. */
  port: string;
}

/** The placeholders `tcpdiag explain` shows in a finding's advice. */
export const ANY_LISTENER: Where = { listener: 'ADDR:PORT', port: 'PORT' };

/** A detector's explain entry: the catalog entry, with its fix written as advice for a listener. */
export interface FindingExplain extends Omit<CatalogEntry, 'id' | 'kind' | 'severity' | 'fix'> {
  /** A finding only, or also a per-connection signature of the same id. */
  kind: 'finding' | 'both';
  /**
   * Notes on the fix that `tcpdiag explain` prints after the advice: what the report's advice leaves out
   * (kernel details, the per-connection signature of a `both` id seen alone). They add to it, never restate it.
   */
  fixNotes?: string[];
}

/** What a listener detector's judge() may look at beyond its own state. */
export interface JudgeContext {
  vantage: Vantage;
  base: ListenerBase;
  /** Another detector's state for the same listener (a verdict that rests on another's counts says so by importing it). */
  stateOf<S>(detector: ListenerDetector<string, S, FindingCommon>): S;
}

/**
 * One finding about one listener (server ip:port): the unit of change. It
 * keeps its own per-listener state, fed one finished connection at a time,
 * and judges at the end of the capture.
 */
export interface ListenerDetector<Id extends string, State, F extends FindingCommon<Id>> {
  readonly scope: 'listener';
  readonly id: Id;
  readonly severity: Severity;
  readonly explain: FindingExplain;
  /** Advice for the listener; the catalog shows it with ANY_LISTENER. */
  advice(at: Where, state?: State): string[];
  newState(): State;
  /**
   * The Fact bits of the connections observe() acts on: the analyzer calls it only for a connection with one
   * of them (most connections have none: healthy ones). Absent: every connection. test/diagnose/observes.test.ts
   * holds each detector to it: for any other connection of the fixtures, observe() leaves its state and the
   * base as they were.
   */
  readonly observes?: number;
  observe(state: State, c: Connection, facts: ConnectionFacts, base: ListenerBase): void;
  judge(state: State, ctx: JudgeContext): F | null;
}

/** One finding about the capture as a whole (the reader's or tcpdiag's own limits). */
export interface CaptureDetector<Id extends string, F extends FindingCommon<Id>> {
  readonly scope: 'capture';
  readonly id: Id;
  readonly severity: Severity;
  readonly explain: FindingExplain;
  advice(at: Where): string[];
  judge(summary: CaptureSummary): F | null;
}

// `any` state: the registry holds detectors of many state types; each detector's own code is checked with its type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyListenerDetector = ListenerDetector<string, any, FindingCommon>;
export type AnyCaptureDetector = CaptureDetector<string, FindingCommon>;

/** The port of an `ip:port` / `[ip]:port` listener. */
export function port(listener: string): string {
  return listener.slice(listener.lastIndexOf(':') + 1);
}

export function whereOf(listener: string): Where {
  return { listener, port: port(listener) };
}

/** The fields every per-listener finding fills the same way. */
export function listenerFinding<Id extends string>(
  d: { id: Id; severity: Severity },
  base: ListenerBase,
  parts: {
    connections: number;
    verdict: string;
    figures: [string, string][];
    evidence: EvidencePicker;
    filter: string;
    fix: string[];
    confirm: string[];
    /** `certain` unless the detector says otherwise (with the look-alikes it could not exclude). */
    confidence?: Confidence;
    alternatives?: Alternative[];
  },
): FindingCommon<Id> {
  return {
    id: d.id,
    severity: d.severity,
    listener: base.listener,
    connections: parts.connections,
    verdict: parts.verdict,
    figures: parts.figures,
    firstTime: base.firstTime,
    lastTime: base.lastTime,
    episodes: [],
    evidence: { connections: parts.evidence.list, filter: parts.filter },
    fix: parts.fix,
    confirm: parts.confirm,
    explain: `tcpdiag explain ${d.id}`,
    caveats: [],
    confidence: parts.confidence ?? 'certain',
    alternatives: parts.alternatives ?? [],
  };
}
