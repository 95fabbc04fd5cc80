import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/track/connection.js';
import { trackCapture, type RunOptions } from '../../src/track/run.js';
import { Tracker } from '../../src/track/tracker.js';

/**
 * run.ts hands a plain Tracker its segments a batch at a time (Tracker.addBatch: the batch's lookups are
 * loaded together first); given a tracker of its own (`newTracker`, as watch does) it adds them one by one.
 * The batch only loads ahead: every connection must come out the same, in the same order.
 */
const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const lab = readdirSync(join(FIXTURES, 'lab-all')).flatMap((d) => ['client.pcap.gz', 'server.pcap.gz'].map((f) => join(FIXTURES, 'lab-all', d, f)));
const publicCaptures = readdirSync(join(FIXTURES, 'public'))
  .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
  .map((f) => join(FIXTURES, 'public', f));

/** Every connection of a run as text, in the order they finished, and the summary's counts. */
async function run(path: string, opts: RunOptions): Promise<{ connections: string[]; packets: number; tcp: number }> {
  const connections: string[] = [];
  const s = await trackCapture(path, (c: Connection) => connections.push(JSON.stringify(c)), { hashSeed: 7, ...opts });
  return { connections, packets: s.packets, tcp: s.tcp };
}

const oneByOne: RunOptions = { newTracker: (emit, o) => new Tracker(emit, o) };

describe('batched tracking', () => {
  it.each(lab)('gives the same connections as one segment at a time: %s', async (path) => {
    const batched = await run(path, {});
    const single = await run(path, oneByOne);
    // Lab captures hold 12 to 3 040 connections each: a run that read nothing must not pass as equal.
    expect(batched.connections.length).toBeGreaterThanOrEqual(12);
    expect(batched).toEqual(single);
  });

  it('gives the same connections on every public capture, and with a table of 8 evicting inside batches', async () => {
    let connections = 0;
    for (const path of publicCaptures) {
      for (const maxConnections of [undefined, 8]) {
        const batched = await run(path, { maxConnections });
        expect(batched, `${path} max ${maxConnections}`).toEqual(await run(path, { ...oneByOne, maxConnections }));
        connections += batched.connections.length;
      }
    }
    expect(publicCaptures.length).toBeGreaterThan(30);
    // 618 connections in all when written: enough that a run reading nothing cannot pass.
    expect(connections).toBeGreaterThan(600);
  });
});
