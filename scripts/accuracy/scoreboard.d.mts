// Types of scoreboard.mjs (kept in JS so `npm run accuracy` needs no build step of its own).
export declare const SCORED_FINDINGS: string[];
export declare const VANTAGES: string[];
export declare const TARGETS: { id: TargetId; text: string }[];

export type TargetId =
  | 'no-error-without-overflow'
  | 'overflow-recall-server'
  | 'overflow-recall-client'
  | 'overflow-recall-middle'
  | 'reset-precision'
  | 'reset-recall'
  | 'dropped-server'
  | 'dropped-client'
  | 'vantage-per-listener';

export interface CorpusItem {
  name: string;
  path: string;
  vantage: 'server' | 'client' | 'middle' | 'local';
  labels: any;
}

export interface Unit {
  listener: string;
  /** The listener's own vantage (a proxy capture's listeners: server for its front, client for its back end). */
  vantage: string;
  /** `middle` for the listeners of a proxy capture (scored at their own vantage and in this group), else null. */
  group: string | null;
  overflow: boolean;
  queueDrop: boolean;
  /** TcpExtTCPReqQFullDrop (or ListenDrops − ListenOverflows where not recorded). */
  synQueueDrops: number;
  countersApply: boolean;
  listenOverflows: number;
  expected: Record<string, boolean | null>;
  resetPorts: Set<number>;
  labelledPorts: Set<number>;
  handshakeDropsOnPath: number;
}

export interface ScoredItem {
  name: string;
  vantage: string;
  captureVantage: string | null;
  units: Unit[];
  rows: { unit: string; vantage: string; group: string | null; id: string; expected: boolean; reported: boolean }[];
  /** Each listener's vantage: the label's, and what tcpdiag's listener table said. */
  vantages: { unit: string; vantage: string; group: string | null; said: string | null; right: boolean }[];
  resets: { unit: string; vantage: string; group: string | null; tp: number; fp: number; fn: number }[];
  dropped: { unit: string; vantage: string; group: string | null; droppedSegments: number; listenOverflows: number; relError: number }[];
  errorsWithoutOverflow: string[];
  unscored: string[];
  findings: string[];
}

export interface Cell {
  id: string;
  vantage: string;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number | null;
  recall: number | null;
}

export interface TargetResult {
  measured: number | null;
  met: boolean;
  detail: string;
}

export interface Summary {
  captures: number;
  findings: Cell[];
  resets: { vantage: string; tp: number; fp: number; fn: number; precision: number | null; recall: number | null }[];
  dropped: { name: string; unit: string; vantage: string; group: string | null; droppedSegments: number; listenOverflows: number; relError: number }[];
  /** Per vantage (and `middle`): listeners whose vantage tcpdiag got right. */
  vantages: { vantage: string; listeners: number; right: number }[];
  targets: Record<TargetId, TargetResult>;
}

export interface Scoreboard {
  scored: ScoredItem[];
  summary: Summary;
}

export declare function truthFor(item: CorpusItem): Unit[];
export declare function loadCorpus(root: string, options?: { sharedLab?: string }): CorpusItem[];
export declare function runTcpdiag(root: string, path: string): Promise<TcpdiagOutput>;
export interface TcpdiagOutput {
  findings: any[];
  captureVantage: string | null;
  /** Listener → its vantage in the report's listener table. */
  listenerVantages?: Record<string, string | null>;
  flows: any[];
}
export declare function scoreItem(item: CorpusItem, output: TcpdiagOutput): ScoredItem;
export declare function summarise(scored: ScoredItem[]): Summary;
export declare function runScoreboard(root: string, options?: { sharedLab?: string; onItem?: (s: ScoredItem) => void; jobs?: number }): Promise<Scoreboard>;
export declare function formatScoreboard(result: Scoreboard, root: string): string;
export declare function relativeTo(root: string, path: string): string;
