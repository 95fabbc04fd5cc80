// The capture itself stopped at a fault (a cut file, a corrupt record): what follows the fault is missing.

import type { CaptureSummary } from '../../track/summary.js';
import type { CaptureDetector, Where } from '../detector.js';
import type { FindingCommon } from '../finding.js';

/** The fault itself (message, byte offset, frame) is in the capture's summary; the verdict and figures name it. */
export type CaptureIncompleteFinding = FindingCommon<'capture-incomplete'>;

function advice(_at?: Where): string[] {
  return [
    'Get the whole capture again: a file still being written (tcpdump without -U, or not yet flushed), cut by a copy or upload, or rotated mid-record (-C/-G) ends at a fault. Diagnose what was read with care: drops after the fault are not counted.',
  ];
}

/** "(byte offset N, frame M)" when the reader knew where; nothing when it did not. */
function where(s: CaptureSummary): string {
  if (s.errorOffset === null) return '';
  return ` (byte offset ${s.errorOffset}${s.errorFrame !== null ? `, frame ${s.errorFrame}` : ''})`;
}

export const captureIncomplete: CaptureDetector<'capture-incomplete', CaptureIncompleteFinding> = {
  scope: 'capture',
  id: 'capture-incomplete',
  severity: 'warning',
  advice,

  judge(s: CaptureSummary): CaptureIncompleteFinding | null {
    // Nothing read at all is not an incomplete diagnosis but no diagnosis: the CLI reports it as an error.
    if (!s.partial || s.error === null || s.packets === 0) return null;
    const figures: [string, string][] = [['file', s.path]];
    if (s.errorOffset !== null) figures.push(['byte offset', String(s.errorOffset)]);
    if (s.errorFrame !== null) figures.push(['frame', String(s.errorFrame)]);
    figures.push(['packets read', String(s.packets)], ['connections', String(s.connections)]);
    return {
      id: 'capture-incomplete', severity: 'warning', listener: '*', connections: s.connections,
      verdict: `Reading ${s.path} stopped at a fault${where(s)}: ${s.error}; only the ${s.packets} packets before it were diagnosed, and anything after it is missing from every finding.`,
      figures,
      firstTime: NaN, lastTime: NaN, episodes: [], evidence: { connections: [], filter: '' },
      fix: advice(),
      confirm: [`capinfos ${s.path}   # where the file ends and what it claims to hold`],
      explain: 'tcpdiag explain capture-incomplete', caveats: [],
    };
  },

  explain: {
    kind: 'finding',
    title: 'The capture stopped at a fault',
    summary: 'Reading the capture stopped at a fault (a truncated or corrupt record); the diagnosis covers only what came before it.',
    wire: {
      pattern: ['Not a network event. The file ends inside a record, or a record is corrupt (a length beyond the file, a bad block), so tcpdiag stops there and says where: the byte offset and the frame number.'],
      server: 'Not applicable.',
      client: 'Not applicable.',
    },
    kernel: ['Not a kernel behaviour: this concerns the capture file itself.'],
    lookAlikes: [
      'A capture that was stopped cleanly (Ctrl-C, -c, -G) ends at a record boundary and gives no fault. Connections still open at its end are cut short too, but nothing is missing in between.',
    ],
    confirm: [{ command: 'capinfos FILE', text: 'Wireshark\'s capinfos reports the same fault ("appears to have been cut short in the middle of a packet").' }],
    kernels: ['Independent of the kernel.'],
    sources: [],
    related: ['capture-evictions'],
  },
};
