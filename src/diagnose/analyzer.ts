import { formatAddress, formatEndpoint } from '../decode/address.js';
import type { Connection } from '../track/connection.js';
import { endpointKey } from '../track/key.js';
import type { CaptureSummary } from '../track/run.js';
import { SEVERITY_RANK, type Finding } from './finding.js';
import { isFlood, listenerFindings } from './findings.js';
import { ListenerStats } from './listener.js';
import { classify, type ConnectionFacts } from './signatures.js';
import { VantageEstimator, type Vantage } from './vantage.js';
import type { ListenerTimeline } from './timeline.js';

// A port scan or a random-port flood creates a listener per port; past this they share one bucket.
const MAX_LISTENERS = 20_000;

export interface ListenerFilter {
  /** `ip:port` strings to keep. */
  listeners?: string[];
  ports?: number[];
}

export interface VantageReport {
  vantage: Vantage;
  /** Median SYN → SYN-ACK and SYN-ACK → ACK, seconds. */
  synToSynAck: number | null;
  synAckToAck: number | null;
  handshakes: number;
}

export interface Analysis {
  vantage: VantageReport;
  findings: Finding[];
  /** Connections per outcome, per listener (for the postmortem table). */
  listeners: ListenerOutcome[];
  /** Counts over time for each listener with a finding (for the report's charts). */
  timelines: ListenerTimeline[];
}

export interface ListenerOutcome {
  listener: string;
  connections: number;
  completed: number;
  overflowed: number;
  refused: number;
  halfOpen: number;
  appResets: number;
}

/** connections → signatures → per-listener findings. Feed it finished connections as they come. */
export class Analyzer {
  private readonly listeners = new Map<string, ListenerStats>();
  private readonly byHash = new Map<number, ListenerStats>();
  private readonly vantage = new VantageEstimator();
  private readonly keepListeners: Set<string> | null;
  private readonly keepPorts: Set<number> | null;

  constructor(filter: ListenerFilter = {}) {
    this.keepListeners = filter.listeners?.length ? new Set(filter.listeners) : null;
    this.keepPorts = filter.ports?.length ? new Set(filter.ports) : null;
  }

  /** Whether a connection's server passes --listener/--port. */
  wants(c: Connection): boolean {
    if (this.keepPorts && !this.keepPorts.has(c.sPort)) return false;
    if (this.keepListeners && !this.keepListeners.has(formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort))) return false;
    return true;
  }

  /** Classifies one connection (filling `c.signatures`) and adds it to its listener. */
  add(c: Connection): ConnectionFacts {
    const facts = classify(c);
    c.signatures = facts.signatures;
    this.vantage.add(c);
    // Most connections go to a listener seen before: find it by number, without building its name.
    const hash = endpointKey(c.s0, c.s1, c.s2, c.s3, c.sPort);
    const known = this.byHash.get(hash);
    if (known && known.serves(c)) {
      known.add(c, facts);
      return facts;
    }
    let key = formatEndpoint(c.ipVersion, c.s0, c.s1, c.s2, c.s3, c.sPort);
    let l = this.listeners.get(key);
    if (!l) {
      if (this.listeners.size >= MAX_LISTENERS) key = '*';
      l = this.listeners.get(key);
      if (!l) {
        l = new ListenerStats(key, formatAddress(c.ipVersion, c.s0, c.s1, c.s2, c.s3));
        this.listeners.set(key, l);
      }
    }
    if (!known && key !== '*') {
      l.identify(c);
      this.byHash.set(hash, l);
    }
    l.add(c, facts);
    return facts;
  }

  finish(summary: CaptureSummary): Analysis {
    const v = this.vantage.result();
    let vantage = v.vantage;
    // Both turnarounds local: the capture saw both ends on one host (loopback).
    // Only when the timing could not tell server from client: a client in a data centre has sub-ms RTTs too.
    if (vantage === 'middle' && v.synToSynAck < 0.002 && v.synAckToAck < 0.002) vantage = 'local';
    const findings: Finding[] = [];
    for (const l of this.listeners.values()) findings.push(...listenerFindings(l, vantage));
    if (summary.evictions > 0) {
      findings.push({
        id: 'capture-evictions', severity: 'warning', listener: '*', connections: summary.evictions,
        verdict: `The connection table was full: ${summary.evictions} connections were finalised early to stay within memory, so their diagnosis may be incomplete.`,
        figures: [['evicted', String(summary.evictions)], ['peak live connections', String(summary.peakLiveConnections)]],
        firstTime: NaN, lastTime: NaN, episodes: [], evidence: { connections: [], filter: '' },
        fix: ['Analyse a shorter window (--since/--until) or one listener (--listener), or raise --max-connections.'],
        confirm: [], explain: 'tcpdiag explain capture-evictions', caveats: [],
      });
    }
    findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.connections - a.connections || a.listener.localeCompare(b.listener));
    const listeners = [...this.listeners.values()]
      .sort((a, b) => b.connections - a.connections)
      .map((l) => ({
        listener: l.listener,
        connections: l.connections,
        completed: l.completed,
        overflowed: l.affectedRecovered + l.affectedFailed + (isFlood(l) ? 0 : l.halfOpenDropped),
        refused: l.refused,
        halfOpen: l.halfOpen,
        appResets: l.appResets,
      }));
    const withFindings = new Set(findings.map((f) => f.listener));
    const timelines = [...this.listeners.values()]
      .filter((l) => withFindings.has(l.listener))
      .map((l) => l.timeline.result(l.listener, firstTime(summary, l.firstTime), lastTime(summary, l.lastTime)));
    return {
      timelines,
      vantage: {
        vantage,
        synToSynAck: Number.isNaN(v.synToSynAck) ? null : v.synToSynAck,
        synAckToAck: Number.isNaN(v.synAckToAck) ? null : v.synAckToAck,
        handshakes: v.handshakes,
      },
      findings,
      listeners,
    };
  }
}

/** The capture's own first time (so charts of all listeners share an axis), else the listener's. */
function firstTime(s: CaptureSummary, fallback: number): number {
  return s.firstTime ? s.firstTime.sec + s.firstTime.nsec / 1e9 : fallback;
}

function lastTime(s: CaptureSummary, fallback: number): number {
  return s.lastTime ? s.lastTime.sec + s.lastTime.nsec / 1e9 : fallback;
}
