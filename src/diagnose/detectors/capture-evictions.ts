// tcpdiag's own limit: the connection table was full and finalised connections early.

import type { CaptureSummary } from '../../track/summary.js';
import type { CaptureDetector, Where } from '../detector.js';
import type { FindingCommon } from '../finding.js';

export type CaptureEvictionsFinding = FindingCommon<'capture-evictions'>;

function advice(_at?: Where): string[] {
  return ['Analyse a shorter window (--since/--until) or one listener (--listener), or raise --max-connections.'];
}

export const captureEvictions: CaptureDetector<'capture-evictions', CaptureEvictionsFinding> = {
  scope: 'capture',
  id: 'capture-evictions',
  severity: 'warning',
  advice,

  judge(summary: CaptureSummary): CaptureEvictionsFinding | null {
    if (summary.evictions <= 0) return null;
    return {
      id: 'capture-evictions', severity: 'warning', listener: '*', connections: summary.evictions,
      verdict: `The connection table was full: ${summary.evictions} connections were finalised early to stay within memory, so their diagnosis may be incomplete.`,
      figures: [['evicted', String(summary.evictions)], ['peak live connections', String(summary.peakLiveConnections)]],
      firstTime: NaN, lastTime: NaN, episodes: [], evidence: { connections: [], filter: '' },
      fix: advice(),
      confirm: [], explain: 'tcpdiag explain capture-evictions', caveats: [],
    };
  },

  explain: {
    kind: 'finding',
    title: 'tcpdiag evicted connections',
    summary: 'tcpdiag\'s connection table dropped connections under memory pressure; counts in this report may be incomplete.',
    wire: {
      pattern: ['Not a network event. The capture held more concurrent connections than tcpdiag\'s connection table was allowed to keep, so the oldest or least active ones were evicted before they finished.'],
      server: 'Not applicable.',
      client: 'Not applicable.',
    },
    kernel: ['Not a kernel behaviour: this concerns tcpdiag itself.'],
    lookAlikes: ['Evicted connections may be missing from every other finding. A real overflow can be under-counted, and a signature that needs the whole connection (such as recovery after overflow) can be missed.'],
    confirm: [{ text: 'The report gives the number of evicted connections. Compare it with the total number of connections in the capture.' }],
    kernels: ['Independent of the kernel.'],
    sources: [],
    related: [],
  },
};
