import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/diagnose/analyzer.js';
import { Connection } from '../../src/track/connection.js';
import { newSegment, TCP_SYN } from '../../src/decode/segment.js';
import { trackCapture } from '../../src/track/run.js';
import { Tracker } from '../../src/track/tracker.js';
import { labCapture } from '../helpers/pipeline.js';

/**
 * The record's own storage, reused from one connection to the next (SYN timelines, history letters): read
 * through synFrames, synTimes, synAckFrames, synAckTimes and history, not as fields.
 */
const STORAGE = ['synMore', 'synMoreLength', 'synAckMore', 'synAckMoreLength', 'histLen', 'hist0', 'hist1', 'hist2', 'hist3', 'historyText'];

/** Every field of a finished connection, Directions included, as plain data. */
function state(c: Connection): string {
  const fields = Object.fromEntries(Object.entries(c).filter(([k]) => !STORAGE.includes(k)));
  return JSON.stringify({ ...fields, synFrames: c.synFrames, synTimes: c.synTimes, synAckFrames: c.synAckFrames, synAckTimes: c.synAckTimes, history: c.history });
}

describe('recycled connections', () => {
  it('fill() assigns every field of the record and of its Directions', () => {
    let emitted: Connection | null = null;
    const t = new Tracker((c) => (emitted = c), { recycle: true });
    // Poison the reused record: whatever fill() leaves alone stays 'stale'. The option objects are
    // records of their own that fill() writes into again, so they are poisoned inside.
    const reused = (t as unknown as { reused: Connection }).reused;
    const poison = (o: object) => {
      for (const k of Object.keys(o)) if (k !== 'client' && k !== 'server') (o as Record<string, unknown>)[k] = 'stale';
    };
    poison(reused);
    poison(reused.client);
    poison(reused.server);
    const staleOptions = () => ({ mss: 'stale', wscale: 'stale', sackPerm: 'stale', timestamps: 'stale', tsVal: 'stale', mask: 'stale' });
    (reused as unknown as Record<string, unknown>).synOptions = staleOptions();
    (reused as unknown as Record<string, unknown>).synAckOptions = staleOptions();
    const s = newSegment();
    s.src3 = 0x0a000001;
    s.dst3 = 0x0a000002;
    s.src2 = s.dst2 = 0xffff;
    s.srcPort = 40000;
    s.dstPort = 80;
    s.flags = TCP_SYN;
    s.frame = 1;
    s.time = 1;
    t.add(s);
    t.end();
    expect(emitted).toBe(reused);
    // The timeline arrays are storage the record refills only when a connection has a timeline (STORAGE).
    const left = (o: object, at: string) =>
      Object.entries(o).filter(([k, v]) => v === 'stale' && !(at === '' && (k === 'synMore' || k === 'synAckMore'))).map(([k]) => at + k);
    expect(reused.synOptions).not.toBeNull();
    expect([
      ...left(reused, ''),
      ...left(reused.client, 'client.'),
      ...left(reused.server, 'server.'),
      ...left(reused.synOptions!, 'synOptions.'),
    ]).toEqual([]);
    expect(reused.synAckOptions).toBeNull();
    expect(Object.keys(reused)).toEqual(Object.keys(new Connection()));
  });

  it('one reused record, filled connection after connection, equals a new record each time, every field', async () => {
    // A capture with overflow stories (SYN and SYN-ACK retransmits, resets, data) next to plain ones,
    // so a record that held a long story is next filled with a short one.
    const path = labCapture('slow-acceptor-abort0', 'server.pcap');
    const runs: string[][] = [];
    const objects = new Set<Connection>();
    for (const recycle of [false, true]) {
      const out: string[] = [];
      await trackCapture(path, (c) => {
        out.push(state(c));
        if (recycle) objects.add(c);
      }, { recycle });
      runs.push(out);
    }
    expect(runs[0]!.length).toBeGreaterThan(100);
    expect(objects.size).toBe(1);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('a run that recycles gives the same findings as one that does not', async () => {
    const path = labCapture('slow-acceptor-abort1', 'server.pcap');
    const results = [];
    for (const recycle of [false, true]) {
      const a = new Analyzer();
      const s = await trackCapture(path, (c) => a.add(c), { recycle });
      results.push(JSON.stringify(a.finish(s)));
    }
    expect(results[1]).toBe(results[0]);
  });
});
