import type { EvidenceConnection } from './evidence.js';

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Per-listener finding ids (the verdicts), stable across versions. */
export const FINDING_IDS = [
  'accept-queue-overflow',
  'syn-flood',
  'connection-refused',
  'syn-unanswered',
  'application-resets',
  'handshake-loss',
  'port-reuse',
  'capture-evictions',
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

/** A burst of trouble, in epoch seconds. */
export interface Episode {
  start: number;
  end: number;
  connections: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  max: number;
  samples: number;
}

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** Server `ip:port` (`[ip]:port` for IPv6), or `*` for capture-wide findings. */
  listener: string;
  /** Connections affected. */
  connections: number;
  /** The verdict in one sentence. */
  verdict: string;
  /** Key figures as label → value, in display order. */
  figures: [string, string][];
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

  // accept-queue-overflow
  abortOnOverflow?: '0' | '1' | 'unknown';
  droppedSegments?: number;
  resets?: number;
  synDrops?: number;
  ignoredHandshakes?: number;
  recovered?: number;
  failed?: number;
  addedLatency?: LatencySummary | null;
  /** Histogram of the added latency of recovered connections: counts[i] fall in [edges[i], edges[i+1]) seconds, the last bin is open-ended. */
  latencyHistogram?: { edges: number[]; counts: number[] } | null;
  acceptQueueEstimate?: number | null;
  peakHandshakesPerSecond?: number;
  // syn-flood
  syncookies?: boolean;
  halfOpen?: number;
  sources?: number;
}
