// `tcpdiag watch -r` on every lab capture in fixtures/: the windows add up to analyze of the same capture,
// every connection is counted in the window its finish falls in, and each finding is reported in the first
// window after whose connections the diagnosis holds (checked with a fresh Analyzer).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/diagnose/analyzer.js';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import { Windows, WatchedAnalyzer, type FindingEvent, type ListenerWindow, type WindowEvent } from '../../src/diagnose/window.js';
import type { Connection } from '../../src/track/connection.js';
import { FIXTURES } from '../helpers/pipeline.js';

const INTERVAL = 1;

function labCaptures(): string[] {
  const lab = join(FIXTURES, 'lab');
  const acc = join(FIXTURES, 'accuracy');
  const out = readdirSync(lab).filter((f) => f.endsWith('.pcap')).map((f) => join(lab, f));
  for (const d of readdirSync(acc)) {
    for (const f of readdirSync(join(acc, d))) if (/\.pcap(ng)?(\.gz)?$/.test(f)) out.push(join(acc, d, f));
  }
  return out.sort();
}

interface Watched {
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
  await runPipeline(path, { analyzer, recycle: false }, (c, facts) => {
    w.count(c, facts);
    perWindow[perWindow.length - 1]!.push(c);
  });
  w.close();
  perWindow.pop();
  return { windows, findings, perWindow };
}

function sum(windows: WindowEvent[], listener: string, field: keyof Omit<ListenerWindow, 'listener'>): number {
  let n = 0;
  for (const w of windows) for (const l of w.listeners) if (l.listener === listener) n += l[field];
  return n;
}

const CAPTURES = labCaptures();

describe('watch -r: windows over the streaming analysis', () => {
  it('finds the lab captures in fixtures/', () => {
    // fixtures/lab holds 4 captures and fixtures/accuracy 36 runs of one or two: a missing corpus is a failure.
    expect(CAPTURES.length).toBeGreaterThanOrEqual(40);
  });

  for (const path of CAPTURES) {
    const name = path.slice(FIXTURES.length);
    it(`${name}: the sum of the windows equals analyze; findings start where their evidence completes`, async () => {
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
          expect(c.finishedAt).toBeGreaterThanOrEqual(w.start);
          // The last window is closed by the end of input: it also holds what end() finished.
          if (i < watched.windows.length - 1) expect(c.finishedAt).toBeLessThan(w.end);
        }
      });
      // Every listener finding of analyze was started in some window, once.
      const listenerFindings = a.findings.filter((f) => f.listener !== '*');
      for (const f of listenerFindings) {
        const started = watched.findings.filter((e) => e.change === 'started' && e.id === f.id && e.listener === f.listener);
        expect(started.length, `${f.id} ${f.listener} started once`).toBe(1);
        const k = started[0]!.window;
        // A fresh Analyzer fed the connections of windows 0..k judges the finding; fed 0..k-1, it does not.
        const judgedAfter = (n: number) => {
          const fresh = new Analyzer();
          for (let i = 0; i < n; i++) for (const c of watched.perWindow[i]!) fresh.add(c);
          return fresh.judgeNow([f.listener]).some((g) => g.id === f.id);
        };
        expect(judgedAfter(k + 1), `${f.id} judged after window ${k}`).toBe(true);
        expect(judgedAfter(k), `${f.id} not judged before window ${k}`).toBe(false);
        // Never before the trouble itself: the window ends after the finding's first affected connection began.
        expect(watched.windows[k]!.end).toBeGreaterThan(f.firstTime);
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
