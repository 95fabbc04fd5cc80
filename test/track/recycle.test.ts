import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/track/connection.js';
import { Direction } from '../../src/track/direction.js';
import { Analyzer } from '../../src/diagnose/analyzer.js';
import { trackCapture } from '../../src/track/run.js';
import { LAB } from '../helpers/pipeline.js';

/** Own fields, Directions included, as plain data. */
function state(o: object): unknown {
  return JSON.parse(JSON.stringify(o));
}

describe('recycled connections', () => {
  it('reset() gives exactly the state of a new Connection and Direction, every field', async () => {
    // A connection that went through a whole overflow story, then reset.
    let used: Connection | null = null;
    await trackCapture(`${LAB}slow-acceptor-abort0/server.pcap`, (c) => {
      if (c.cPort === 35972) used = c;
    });
    expect(used).not.toBeNull();
    const c = used! as Connection;
    expect(state(c)).not.toEqual(state(new Connection()));
    c.reset();
    expect(Object.keys(c)).toEqual(Object.keys(new Connection()));
    expect(state(c)).toEqual({ ...(state(new Connection()) as object), signatures: [] });
    const d = new Direction();
    const fresh = new Direction();
    d.packets = 5;
    d.reset();
    expect(Object.keys(d)).toEqual(Object.keys(fresh));
    expect(state(d)).toEqual(state(fresh));
  });

  it('a run that recycles gives the same findings as one that does not', async () => {
    const path = `${LAB}slow-acceptor-abort1/server.pcap`;
    const results = [];
    for (const recycle of [false, true]) {
      const a = new Analyzer();
      const s = await trackCapture(path, (c) => a.add(c), { recycle });
      results.push(JSON.stringify(a.finish(s)));
    }
    expect(results[1]).toBe(results[0]);
  });
});
