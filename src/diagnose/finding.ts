import type { EvidenceConnection } from './evidence.js';
import type { Severity } from './severity.js';
import type { Vantage } from './vantage.js';

export { SEVERITY_RANK, type Severity } from './severity.js';

/** A burst of trouble, in capture time (nanoseconds since the run's base second, capture/time-base.ts). */
export interface Episode {
  start: number;
  end: number;
  connections: number;
}

/** How sure a per-listener verdict is: `certain` when the evidence excludes the look-alikes, else `likely` or `possible`. */
export type Confidence = 'certain' | 'likely' | 'possible';

/** A look-alike the evidence could not exclude, and why not (what would settle it). */
export interface Alternative {
  /** The other cause, as a finding id where there is one (`handshake-loss`), else a short name (`filter`). */
  cause: string;
  why: string;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  max: number;
  samples: number;
}

/**
 * What every finding carries. Each detector (detectors/<id>.ts) extends it
 * with its own fields; `Finding` (registry.ts) is the union of them, told
 * apart by `id`.
 */
export interface FindingCommon<Id extends string = string> {
  id: Id;
  severity: Severity;
  /** Server `ip:port` (`[ip]:port` for IPv6), or `*` for capture-wide findings. */
  listener: string;
  /** Connections affected. */
  connections: number;
  /** The verdict in one sentence. */
  verdict: string;
  /** Key figures as label → value, in display order. */
  figures: [string, string][];
  /** Capture times (nanoseconds since the run's base second): report/model.ts findingReport makes them the packets' timestamps. */
  firstTime: number;
  lastTime: number;
  episodes: Episode[];
  evidence: {
    connections: EvidenceConnection[];
    /** A Wireshark display filter that shows the pattern across the listener. */
    filter: string;
  };
  /** What to change. */
  fix: string[];
  /** Host commands that confirm it. */
  confirm: string[];
  /** The command that explains this finding. */
  explain: string;
  /** Notes on how sure the verdict is (vantage point, look-alikes). */
  caveats: string[];
  /** Per-listener findings only: how sure the verdict is. */
  confidence?: Confidence;
  /** Per-listener findings only: the look-alikes the evidence could not exclude (empty when certain). */
  alternatives?: Alternative[];
  /** Per-listener findings only: where the listener's packets were captured (issue 19 item 4: a proxy's front and back ends differ). */
  vantage?: Vantage;
}
