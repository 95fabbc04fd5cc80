// The live judgement's parts (diagnose/live.ts, track/live.ts) on real captures: a deep copy of every
// listener's state judges exactly as the original (the detectors' states survive the copy), the open
// connections the tracker shows are the ones it later finishes, and the grace rules on a SYN not yet
// due; and what the judgement keeps between windows (settled connections, unchanged listeners) changes
// nothing in it.

import { describe, expect, it } from 'vitest';
import { Analyzer, Listener } from '../../src/diagnose/analyzer.js';
import { deepCopy, inFlight, OpenJudge, openFacts } from '../../src/diagnose/live.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { classify } from '../../src/diagnose/signatures.js';
import { WatchedAnalyzer } from '../../src/diagnose/window.js';
import type { Connection } from '../../src/track/connection.js';
import { LiveTracker } from '../../src/track/live.js';
import { join } from 'node:path';
import { FIXTURES } from '../helpers/pipeline.js';
import { MS, S } from '../../src/capture/time-base.js';

const CAPTURES = [
  'lab/accept-overflow-abort0-server.pcap',
  'lab/accept-overflow-abort1-server.pcap',
  'lab/refused-server.pcap',
  'accuracy/syn-flood-cookies/server.pcap.gz',
  'accuracy/slow-acceptor-abort0/client.pcap.gz',
  'accuracy/loss-8/server.pcap.gz',
].map((p) => join(FIXTURES, p));

/**
 * The pipeline with watch's LiveTracker stopping before the first packet past each multiple of `every`
 * (capture ns), as watch's windows end: `onStop(tracker, at, now)` sees what is open then (`now`: the
 * packet that made the stop, not yet in).
 */
function runWithStops(
  path: string,
  every: number,
  onStop: (t: LiveTracker, at: number, now: number) => void,
  analyzer?: Analyzer,
  each?: (c: Connection) => void,
): ReturnType<typeof runPipeline> {
  return runPipeline(
    path,
    {
      analyzer,
      recycle: false,
      newTracker: (emit, opts) => {
        const t = new LiveTracker(emit, opts);
        t.stopAt(-Infinity, (now) => {
          const at = Math.floor(now / every) * every;
          onStop(t, at, now);
          return at + every;
        });
        return t;
      },
    },
    each,
  );
}

/** An Analyzer that shows its listeners (protected in Analyzer). */
class Open extends Analyzer {
  all(): Map<string, Listener> {
    return this.listeners;
  }
  vantageOf(l: Listener) {
    return this.vantageNow().of(l);
  }
}

/** watch's analyzer, showing its listeners. */
class OpenWatched extends WatchedAnalyzer {
  all(): Map<string, Listener> {
    return this.listeners;
  }
}

describe('deepCopy of listener state', () => {
  for (const path of CAPTURES) {
    it(`${path.slice(FIXTURES.length)}: every listener's copy judges as the original, and feeding the copy leaves the original alone`, async () => {
      const a = new Open();
      const kept: Connection[] = [];
      await runPipeline(path, { analyzer: a, recycle: false }, (c) => kept.push(c));
      expect(a.all().size).toBeGreaterThan(0);
      let findings = 0;
      for (const l of a.all().values()) {
        const before = JSON.stringify(l.judge(a.vantageOf(l)));
        const copy = deepCopy(l);
        expect(copy).not.toBe(l);
        expect(Object.getPrototypeOf(copy)).toBe(Listener.prototype);
        expect(JSON.stringify(copy.judge(a.vantageOf(l)))).toBe(before);
        findings += (JSON.parse(before) as unknown[]).length;
        // Fed every connection again, the copy changes; the original does not.
        for (const c of kept) if (l.base.serves(c)) copy.add(c, classify(c));
        expect(copy.base.connections).toBe(2 * l.base.connections);
        expect(JSON.stringify(l.judge(a.vantageOf(l)))).toBe(before);
      }
      expect(findings).toBeGreaterThan(0);
    });
  }
});

describe('LiveTracker: open connections at each stop', () => {
  it('stops before the first packet past each time, and shows the connections open then', async () => {
    const path = join(FIXTURES, 'lab/accept-overflow-abort0-server.pcap');
    let tracker: LiveTracker | null = null;
    const stops: { at: number; open: number[] }[] = [];
    const finished: { id: number; at: number }[] = [];
    let latestBefore = -Infinity;
    await runWithStops(
      path,
      S,
      (t, at, now) => {
        tracker = t;
        if (stops.length > 0) {
          // Every packet seen so far is before the stop; the one that triggered it is not yet in.
          latestBefore = t.latest;
          expect(t.latest).toBeLessThan(now);
          const ids: number[] = [];
          t.live.forEach(at, (c) => {
            expect(c.finished).toBe(false);
            expect(c.lastTime).toBeLessThan(now);
            ids.push(c.id);
          });
          stops.push({ at, open: ids });
        } else stops.push({ at, open: [] });
      },
      undefined,
      (c) => finished.push({ id: c.id, at: c.finishedAt }),
    );
    expect(tracker).not.toBeNull();
    expect(latestBefore).toBeGreaterThan(-Infinity);
    expect(stops.length).toBeGreaterThan(5);
    // A connection open at a stop finishes after it.
    const when = new Map(finished.map((f) => [f.id, f.at]));
    let open = 0;
    for (const s of stops) {
      for (const id of s.open) {
        expect(when.get(id)!).toBeGreaterThanOrEqual(s.at);
        open++;
      }
    }
    expect(open).toBeGreaterThan(30);
  });
});

describe('openFacts: the grace on answers not yet due', () => {
  it('a SYN younger than the grace is in flight and not counted; past it, unanswered', async () => {
    // The capture's first connection that had a SYN dropped: judged at its last SYN plus a little.
    const path = join(FIXTURES, 'accuracy/stalled-synack1/server.pcap.gz');
    const kept: Connection[] = [];
    await runPipeline(path, { recycle: false }, (c) => kept.push(c));
    const c = kept.find((k) => k.synCount >= 2 && k.synRetransBeforeAnswer === k.synCount - 1)!;
    expect(c).toBeDefined();
    const grace = { server: 10 * MS, client: 100 * MS };
    const open = { clientLastTime: c.lastSynTime, serverLastTime: 0 };
    // Pretend the connection is open, with no SYN-ACK yet, right after its last SYN.
    const atSyn = Object.assign(Object.create(Object.getPrototypeOf(c) as object) as Connection, c, { synAckCount: 0, synAckFrame: 0, handshakeAckFrame: 0, rstBy: null, rstAnswersSyn: false, synAnsweredByAck: false });
    const young = openFacts(atSyn, open, c.lastSynTime + 5 * MS, grace);
    expect(inFlight(atSyn, c.lastSynTime + 5 * MS, grace)).toBe(true);
    expect(young.unansweredSyns).toBe(c.synCount - 1);
    const due = openFacts(atSyn, open, c.lastSynTime + 20 * MS, grace);
    expect(inFlight(atSyn, c.lastSynTime + 20 * MS, grace)).toBe(false);
    expect(due.unansweredSyns).toBe(c.synCount);
    expect(due.synDropped).toBe(true);
  });
});

describe('OpenJudge: what it keeps from one window to the next', () => {
  // refused-server.pcap is over within two stops: nothing is kept across them.
  for (const path of CAPTURES.filter((p) => !p.endsWith('refused-server.pcap'))) {
    it(`${path.slice(FIXTURES.length)}: judges every stop as a judgement that remembers nothing, reading fewer connections`, async () => {
      const analyzer = new WatchedAnalyzer();
      let stops = 0;
      let findings = 0;
      let readKept = 0;
      let readAfresh = 0;
      const keptFacts = new Map<number, string>();
      // Stops every 0.5 s of capture time: connections stay open across several, idle or not.
      await runWithStops(
        path,
        S / 2,
        (t, at) => {
          if (t.live.size > 0) {
            const grace = analyzer.grace;
            const kept = analyzer.judgeOpen(t.live, at, grace, (c, f, key) => {
              readKept++;
              keptFacts.set(c.id, JSON.stringify([f, key]));
            });
            const afresh = analyzer.judgeOpen(t.live, at, grace, (c, f, key) => {
              readAfresh++;
              // A connection not read again has the facts it had when last read.
              expect(keptFacts.get(c.id)).toBe(JSON.stringify([f, key]));
            }, new OpenJudge());
            expect(JSON.stringify(kept.findings)).toBe(JSON.stringify(afresh.findings));
            expect([...kept.listeners]).toEqual([...afresh.listeners]);
            expect(kept.grace).toEqual(afresh.grace);
            stops++;
            findings += kept.findings.length;
          }
        },
        analyzer,
      );
      expect(stops).toBeGreaterThan(3);
      expect(findings).toBeGreaterThan(0);
      // Connections judged settled at an earlier stop were not read again.
      expect(readKept).toBeLessThan(readAfresh);
    });
  }
});

describe('OpenJudge: a quiet spell', () => {
  // Live watch judges at each window's end whether packets came or not: an open connection's facts may
  // change with time alone (signatures.ts: still retrying, or given up, by how long its attempts went on),
  // and what the judgement keeps as settled must be judged the same after any silence. The flood's
  // half-open connections carry SYN-ACK re-sends for 15 s: a silence of half that changes them.
  it('syn-flood-nocookies: judged again and again with no packet in between, as a judgement that remembers nothing', async () => {
    const path = join(FIXTURES, 'accuracy/syn-flood-nocookies/server.pcap.gz');
    const analyzer = new WatchedAnalyzer();
    let stops = 0;
    let judged = 0;
    // Mismatches are collected, not thrown: an exception inside the tracker's callback ends the read as a capture fault.
    const mismatches: string[] = [];
    await runWithStops(
      path,
      S / 2,
      (t, at) => {
        if (t.live.size > 0 && stops++ % 8 === 0) {
          const grace = analyzer.grace;
          const judge = new OpenJudge();
          const keptFacts = new Map<number, string>();
          for (const silence of [0, 2.5, 5, 10, 20, 40].map((x) => x * S)) {
            const kept = analyzer.judgeOpen(t.live, at + silence, grace, (c, f, key) => keptFacts.set(c.id, JSON.stringify([f, key])), judge);
            const afresh = analyzer.judgeOpen(t.live, at + silence, grace, (c, f, key) => {
              judged++;
              if (keptFacts.get(c.id) !== JSON.stringify([f, key])) mismatches.push(`connection ${c.id} after ${silence / S} s of silence: kept ${keptFacts.get(c.id)}, afresh ${JSON.stringify(f)}`);
            }, new OpenJudge());
            if (JSON.stringify(kept.findings) !== JSON.stringify(afresh.findings)) mismatches.push(`findings after ${silence / S} s of silence`);
          }
        }
      },
      analyzer,
    );
    expect([mismatches.length, ...mismatches.filter((m) => m.startsWith('connection')).slice(0, 1)]).toEqual([0]);
    expect(stops).toBeGreaterThan(8);
    expect(judged).toBeGreaterThan(1000);
  });
});

describe('OpenJudge: the listeners it judges take the run’s capture times', () => {
  // A listener with open evidence and no finished connection yet is judged on state made afresh; one with
  // finished connections, on a copy. Both must print their evidence as the capture gives its times (here
  // nanoseconds, 9 digits): the run's times are the analyzer's, lent, not a default (microseconds).
  it('lab-nsec/accept-overflow-abort1/server: evidence notes of a listener new to the judgement as of one it copied, to the nanosecond', async () => {
    const path = join(FIXTURES, 'lab-nsec/accept-overflow-abort1/server.pcap.gz');
    const analyzer = new OpenWatched();
    // Given no finished connection: every listener of its judgement is new to it.
    const fresh = new OpenWatched();
    const copied = new Map<number, string>();
    const made = new Map<number, string>();
    const notesOf = (findings: { evidence?: { connections: { id: number; note: string }[] } }[], into: Map<number, string>) => {
      for (const f of findings) for (const e of f.evidence?.connections ?? []) into.set(e.id, e.note);
    };
    await runWithStops(
      path,
      S / 2,
      (t, at) => {
        if (t.live.size > 0 && analyzer.all().size > 0) {
          Object.assign(fresh.times, analyzer.times);
          notesOf(analyzer.judgeOpen(t.live, at, analyzer.grace, () => undefined).findings as never, copied);
          notesOf(fresh.judgeOpen(t.live, at, analyzer.grace, () => undefined).findings as never, made);
        }
      },
      analyzer,
    );
    expect(analyzer.times.digits).toBe(9);
    const timed = [...made].filter(([id, note]) => copied.has(id) && /\d s after/.test(note));
    expect(timed.length).toBeGreaterThanOrEqual(5);
    for (const [id, note] of timed) {
      expect(note).toMatch(/ \d+\.\d{9} s after the handshake/);
      expect(note).toBe(copied.get(id));
    }
    expect(fresh.all().size).toBe(0);
  });
});
