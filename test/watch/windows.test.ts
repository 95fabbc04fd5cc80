// `tcpdiag watch -r` on every lab capture in fixtures/: the windows add up to analyze of the same capture,
// every connection is counted as finished in the window its finish falls in, and each finding is reported
// in the window whose end first completes its evidence: analyze of the capture cut at that end (--until)
// reports it, and cut one window earlier it does not.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { COUNTED, isZero, newCounted, sameCounts, Windows, WatchedAnalyzer, type FindingEvent, type ListenerWindow, type WindowEvent } from '../../src/diagnose/window.js';
import type { Connection } from '../../src/track/connection.js';
import { TEST_ALL } from '../helpers/fixtures.js';
import { FIXTURES } from '../helpers/pipeline.js';
import { epochOf } from '../../src/capture/time-base.js';
import { epochBoundOf } from '../../src/track/time-bound.js';

const INTERVAL = 1;
/** fixtures/lab and fixtures/lab-all alone (npm test): captures and findings today. */
const MIN_FAST_CAPTURES = 28;
const MIN_FAST_FINDINGS = 26;

function labCaptures(): string[] {
  const lab = join(FIXTURES, 'lab');
  const acc = join(FIXTURES, 'accuracy');
  const all = join(FIXTURES, 'lab-all');
  const out = readdirSync(lab).filter((f) => f.endsWith('.pcap')).map((f) => join(lab, f));
  // The accuracy corpus (most of the captures, ~10 s) runs under `npm run test:all`, as its scoreboard does.
  for (const dir of TEST_ALL ? [acc, all] : [all]) {
    for (const d of readdirSync(dir)) {
      for (const f of readdirSync(join(dir, d))) if (/\.pcap(ng)?(\.gz)?$/.test(f)) out.push(join(dir, d, f));
    }
  }
  return out.sort();
}

interface Watched {
  /** The run's base second: connection times are nanoseconds since it, windows are in epoch seconds. */
  base: number;
  windows: WindowEvent[];
  findings: FindingEvent[];
  /** Connections in the window each was counted in. */
  perWindow: Connection[][];
}

async function watchRun(path: string): Promise<Watched> {
  const windows: WindowEvent[] = [];
  const findings: FindingEvent[] = [];
  const perWindow: Connection[][] = [[]];
  const analyzer = new WatchedAnalyzer();
  const w = new Windows(analyzer, INTERVAL, {
    window: (e) => {
      windows.push(e);
      perWindow.push([]);
    },
    finding: (e) => findings.push(e),
  });
  analyzer.beforeAdd = (c) => w.advance(c.finishedAt);
  await runPipeline(path, { analyzer, recycle: false, newTracker: w.newTracker }, (c, facts) => {
    w.count(c, facts);
    perWindow[perWindow.length - 1]!.push(c);
  });
  w.close();
  perWindow.pop();
  return { base: analyzer.times.base, windows, findings, perWindow };
}

function sum(windows: WindowEvent[], listener: string, field: keyof Omit<ListenerWindow, 'listener'>): number {
  let n = 0;
  for (const w of windows) for (const l of w.listeners) if (l.listener === listener) n += l[field];
  return n;
}

const CAPTURES = labCaptures();

describe('watch -r: windows over the streaming analysis', () => {
  it('finds the lab captures in fixtures/', () => {
    // fixtures/lab holds 4 captures, fixtures/accuracy 36 runs of one or two, fixtures/lab-all 11 scenarios of
    // two or more: a missing corpus is a failure.
    expect(CAPTURES.length).toBeGreaterThanOrEqual(TEST_ALL ? 70 : MIN_FAST_CAPTURES);
  });

  let judged = 0;
  let ran = 0;
  afterAll(() => {
    // 73 listener findings on fixtures/ today: a corpus that stopped yielding findings would pass the
    // per-finding checks on nothing. (Only when every capture ran: -t picks some.)
    console.log(`watch -r: ${judged} findings in ${ran} captures, each in the window whose end first completes its evidence`);
    if (ran === CAPTURES.length) expect(judged).toBeGreaterThanOrEqual(TEST_ALL ? 70 : MIN_FAST_FINDINGS);
  });

  for (const path of CAPTURES) {
    const name = path.slice(FIXTURES.length);
    it(`${name}: the sum of the windows equals analyze; findings start where their evidence completes`, async () => {
      ran++;
      const analyzed = await runPipeline(path, { recycle: false });
      const watched = await watchRun(path);
      const a = analyzed.analysis;
      expect(a.listeners.length).toBeGreaterThan(0);
      // The listener table: connections, completed, refused, half-open, application resets.
      for (const l of a.listeners) {
        expect(sum(watched.windows, l.listener, 'connections'), `${l.listener} connections`).toBe(l.connections);
        expect(sum(watched.windows, l.listener, 'completed'), `${l.listener} completed`).toBe(l.completed);
        expect(sum(watched.windows, l.listener, 'refused'), `${l.listener} refused`).toBe(l.refused);
        expect(sum(watched.windows, l.listener, 'halfOpen'), `${l.listener} half-open`).toBe(l.halfOpen);
        expect(sum(watched.windows, l.listener, 'appResets'), `${l.listener} application resets`).toBe(l.appResets);
      }
      const total = a.listeners.reduce((s, l) => s + l.connections, 0);
      expect(watched.windows.reduce((s, w) => s + w.listeners.reduce((t, l) => t + l.connections, 0), 0)).toBe(total);
      // The overflow finding's drops and resets.
      for (const f of a.findings) {
        if (f.id !== 'accept-queue-overflow') continue;
        expect(sum(watched.windows, f.listener, 'ignored'), 'ignored handshakes').toBe(f.ignoredHandshakes);
        expect(sum(watched.windows, f.listener, 'overflowResets'), 'overflow resets').toBe(f.resets);
        // Away from the server the finding leaves out what the measured path loss explains; a figure says how much.
        const explained = f.figures.find(([k]) => k === 'of the unanswered segments, path loss explains')?.[1] ?? '';
        const pathAll = Number(/^(\d+)/.exec(explained)?.[1] ?? 0);
        const pathSyns = Number(/(\d+) SYNs at/.exec(explained)?.[1] ?? 0);
        if (f.synDrops > 0) expect(sum(watched.windows, f.listener, 'unansweredSyns'), 'SYN drops').toBe(f.synDrops + pathSyns);
        if (f.synDrops > 0 || sum(watched.windows, f.listener, 'unansweredSyns') === 0) {
          expect(sum(watched.windows, f.listener, 'droppedSegments'), 'dropped segments').toBe(f.droppedSegments + pathAll);
        }
      }
      // Windows are consecutive, and each connection is counted in the window its finish falls in.
      watched.windows.forEach((w, i) => {
        expect(w.index).toBe(i);
        expect(w.end - w.start).toBe(INTERVAL);
        if (i > 0) expect(w.start).toBeGreaterThanOrEqual(watched.windows[i - 1]!.end);
        for (const c of watched.perWindow[i]!) {
          expect(epochOf(watched.base, c.finishedAt)).toBeGreaterThanOrEqual(w.start);
          // The last window is closed by the end of input: it also holds what end() finished.
          if (i < watched.windows.length - 1) expect(epochOf(watched.base, c.finishedAt)).toBeLessThan(w.end);
        }
      });
      // Every listener finding of analyze was started in some window, once.
      const listenerFindings = a.findings.filter((f) => f.listener !== '*');
      for (const f of listenerFindings) {
        const started = watched.findings.filter((e) => e.change === 'started' && e.id === f.id && e.listener === f.listener);
        expect(started.length, `${f.id} ${f.listener} started once`).toBe(1);
        const k = started[0]!.window;
        // The window whose end first completes the evidence: analyze of the capture cut at that end reports
        // the finding, cut at the window before it does not.
        const cutAt = async (i: number) => {
          if (i < 0) return false;
          const cut = await runPipeline(path, { until: epochBoundOf(watched.windows[i]!.end) });
          return cut.analysis.findings.some((g) => g.id === f.id && g.listener === f.listener);
        };
        // Never early: the capture cut at the end of the window it started in shows the finding.
        expect(await cutAt(k), `${f.id} judged by analyze of the capture cut at the end of window ${k}`).toBe(true);
        // Never late: cut at the end of the window before, the capture does not show it yet. (Until the
        // first window judged its open connections with the grace their own turnarounds give, rather than
        // the 0.2 s default before any connection had finished, accuracy/stalled-synack1/server reported
        // its overflow one window after the cut capture showed it: window.ts's close.)
        expect(await cutAt(k - 1), `${f.id} not judged by the capture cut at the end of window ${k - 1}`).toBe(false);
        judged++;
        // Never before the trouble itself: the window ends after the finding's first affected connection began.
        expect(watched.windows[k]!.end).toBeGreaterThan(epochOf(watched.base, f.firstTime));
      }
      // A finding changes at most once per window, and ends only after it started.
      const seen = new Set<string>();
      for (const e of watched.findings) {
        const key = `${e.window} ${e.id} ${e.listener}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    });
  }
});

describe('the window counts, field by field', () => {
  // sameCounts and isZero spell out COUNTED's fields for speed: each field, set alone, must be seen by both.
  it('every counted field alone makes counts differ and non-zero', () => {
    expect(Object.keys(newCounted()).sort()).toEqual([...COUNTED].sort());
    expect(isZero(newCounted())).toBe(true);
    expect(sameCounts(newCounted(), newCounted())).toBe(true);
    for (const k of COUNTED) {
      const one = newCounted();
      one[k] = 1;
      expect(isZero(one), k).toBe(false);
      expect(sameCounts(one, newCounted()), k).toBe(false);
      expect(sameCounts(newCounted(), one), k).toBe(false);
    }
  });
});
