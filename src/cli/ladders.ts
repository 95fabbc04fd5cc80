import type { LoggedPacket } from '../track/connection.js';
import { trackCapture, type RunOptions } from '../track/run.js';
import type { Ladder, Report } from '../report/model.js';

/**
 * The evidence connections' packets, from a second read of each capture
 * (connection ids are the order of first packets, so the same input read with
 * the same window gives the same ids). A capture read from stdin cannot be read twice: no ladders.
 */
export async function collectLadders(report: Report, opts: Pick<RunOptions, 'since' | 'until' | 'maxConnections'>): Promise<Ladder[]> {
  const out: Ladder[] = [];
  for (const cap of report.captures) {
    if (cap.path === '-' || (cap.error !== null && cap.packets === 0)) continue;
    const ids = new Set<number>();
    for (const f of report.findings) if (f.capture === cap.path) for (const e of f.evidence.connections) ids.add(e.id);
    if (ids.size === 0) continue;
    const found = new Map<number, LoggedPacket[]>();
    await trackCapture(cap.path, (c) => {
      if (c.packets) found.set(c.id, c.packets);
    }, // The same window and cap as the first read, or the ids would name other connections.
    { ...opts, logPackets: ids, recycle: true, ...(cap.files ? { merge: { files: cap.files } } : {}) });
    for (const [connection, packets] of found) out.push({ capture: cap.path, connection, packets });
  }
  return out;
}
