// Vantage per listener (issue 19 item 4), when a SYN's answer is due (item 6) and the SYN-retransmit
// series (item 7), on real captures: the proxy merges of fixtures/accuracy (their labels name each
// listener's vantage), the lab runs, and public/bug-7657-01.pcap (tshark: 24 SYNs on one tuple, 22 ISNs,
// ISN 4291095205 sent three times, frames 13, 20 and 24).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/diagnose/pipeline.js';
import type { ConnectionFacts } from '../../src/diagnose/signatures.js';
import { Timeline } from '../../src/diagnose/timeline.js';
import { WatchedAnalyzer } from '../../src/diagnose/window.js';
import { LiveTracker } from '../../src/track/live.js';
import { synAnswerDue, SYN_ANSWER_FALLBACK_S, SYN_ANSWER_MIN_S } from '../../src/diagnose/vantage.js';
import { FIXTURES, run } from '../helpers/pipeline.js';

interface ProxyLabels {
  transform: { ground_truth: { listeners: Record<string, { vantage: string; overflow: boolean }> } };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('vantage per listener', () => {
  for (const name of ['proxy-lossy-backend', 'proxy-overflow-backend', 'proxy-overflow-front-lossy-backend']) {
    it(`${name}: each listener at the vantage its label names, the capture mixed, every finding carrying its listener's`, async () => {
      const labels = JSON.parse(readFileSync(`${FIXTURES}accuracy/${name}/labels.json`, 'utf8')) as ProxyLabels;
      const truth = labels.transform.ground_truth.listeners;
      const r = await run(`${FIXTURES}accuracy/${name}/capture.pcap.gz`);
      expect(r.analysis.vantage.vantage).toBe('mixed');
      const said = Object.fromEntries(r.analysis.listeners.map((l) => [l.listener, l.vantage]));
      expect(said).toEqual(Object.fromEntries(Object.entries(truth).map(([l, t]) => [l, t.vantage])));
      expect(Object.values(said).sort()).toEqual(['client', 'server']);
      const perListener = r.analysis.findings.filter((f) => f.listener !== '*');
      expect(perListener.length).toBeGreaterThan(0);
      for (const f of perListener) expect(f.vantage, `${f.id} on ${f.listener}`).toBe(said[f.listener]);
    });
  }

  it('proxy-overflow-backend: the back end\'s overflow is judged at the client side (its caveat), the front listener has none', async () => {
    const r = await run(`${FIXTURES}accuracy/proxy-overflow-backend/capture.pcap.gz`);
    const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow')!;
    expect(f.listener).toBe('198.18.0.5:8080');
    expect(f.vantage).toBe('client');
    expect(f.caveats.some((c) => c.startsWith('Captured at the client side'))).toBe(true);
    // The label: TcpExtListenOverflows 163 on the back end.
    expect((f as { droppedSegments: number }).droppedSegments).toBe(163);
    expect(r.analysis.findings.filter((x) => x.listener === '198.18.0.3:8080')).toEqual([]);
  });

  it('proxy-lossy-backend: the back end\'s path loss is handshake-loss seen from the client side, not certain', async () => {
    const r = await run(`${FIXTURES}accuracy/proxy-lossy-backend/capture.pcap.gz`);
    const f = r.analysis.findings.find((x) => x.id === 'handshake-loss')!;
    expect([f.listener, f.vantage, f.confidence]).toEqual(['198.18.0.5:8080', 'client', 'likely']);
    expect(f.alternatives!.length).toBeGreaterThan(0);
  });

  it('vantage/proxy-backend-silent: a back end that never answers has no timing; its only client is the front listener\'s address: client side', async () => {
    const r = await run(`${FIXTURES}vantage/proxy-backend-silent.pcap.gz`);
    const said = Object.fromEntries(r.analysis.listeners.map((l) => [l.listener, [l.vantage, l.connections]]));
    // tshark: 40 front connections (answered at once), 80 back-end connections whose 102 SYNs got nothing.
    expect(said).toEqual({ '198.18.0.3:8080': ['server', 40], '198.18.0.5:8080': ['client', 80] });
    expect(r.analysis.vantage.vantage).toBe('mixed');
    const back = r.analysis.findings.filter((f) => f.listener === '198.18.0.5:8080');
    expect(back.length).toBeGreaterThan(0);
    for (const f of back) expect(f.vantage).toBe('client');
  });

  it('one-sided captures keep one vantage: every listener at the capture\'s', async () => {
    for (const [path, vantage] of [
      ['lab/accept-overflow-abort0-server.pcap', 'server'],
      ['lab/refused-server.pcap', 'server'],
      ['accuracy/slow-acceptor-abort0/client.pcap.gz', 'client'],
    ] as const) {
      const r = await run(`${FIXTURES}${path}`);
      expect(r.analysis.vantage.vantage, path).toBe(vantage);
      expect(r.analysis.listeners.map((l) => l.vantage), path).toEqual(r.analysis.listeners.map(() => vantage));
    }
  });

  it('syn-flood-nocookies/server: every real client re-sent its SYN, yet the answered SYN → SYN-ACK shows the server side', async () => {
    const r = await run(`${FIXTURES}accuracy/syn-flood-nocookies/server.pcap.gz`);
    // No clean handshake (one SYN, one SYN-ACK, the ACK) among the 40 real clients' ...
    expect(r.conns.filter((c) => c.c.synCount === 1 && c.c.synAckCount === 1 && c.c.handshakeAckFrame !== 0)).toEqual([]);
    const retried = r.conns.filter((c) => c.c.synCount > 1 && c.c.synAckCount === 1 && c.c.handshakeAckFrame !== 0);
    expect(retried.length).toBeGreaterThan(0);
    expect(r.analysis.vantage).toMatchObject({ vantage: 'server', handshakes: retried.length });
    expect(r.analysis.vantage.synToSynAck!).toBeLessThan(0.002);
  });
});

describe('when a SYN\'s answer is due: one rule for analyze and watch', () => {
  it('a few times the measured turnaround, never under 0.1 ms nor over 1 s; 0.2 s when nothing was measured', () => {
    expect(synAnswerDue(0.000021)).toBe(SYN_ANSWER_MIN_S);
    expect(synAnswerDue(0.020432)).toBeCloseTo(0.061296, 9);
    expect(synAnswerDue(0.5)).toBe(1);
    expect(synAnswerDue(NaN)).toBe(SYN_ANSWER_FALLBACK_S);
  });

  it('cut-1s-slow-acceptor-abort0-client: the two SYNs sent 29.7 and 4.5 ms before the cut (RTT 20.4 ms, tshark) are unresolved, not dropped', async () => {
    const r = await run(`${FIXTURES}accuracy/cut-1s-slow-acceptor-abort0-client/capture.pcap.gz`);
    expect(r.analysis.vantage.synToSynAck).toBeCloseTo(0.020432, 6);
    for (const port of [36850, 36866]) {
      const c = r.conns.find((x) => x.clientPort === port)!;
      expect(c.c.synCount, String(port)).toBe(1);
      expect(c.c.synAckCount, String(port)).toBe(0);
      expect(c.facts.synDropped, String(port)).toBe(false);
      expect(c.facts.unresolved, String(port)).toBe(true);
      expect(c.facts.signatures, String(port)).not.toContain('syn-unanswered');
    }
  });

  it('watch judges those two SYNs at a window end 1 ms after the second as analyze does at the capture\'s end: not dropped', async () => {
    const path = `${FIXTURES}accuracy/cut-1s-slow-acceptor-abort0-client/capture.pcap.gz`;
    const at = 1795253343.249995; // frame 298 (36866's SYN) + 1 ms; the capture goes on to 1795253343.253515
    const analyzer = new WatchedAnalyzer();
    const seen = new Map<number, ConnectionFacts>();
    let stops = 0;
    await runPipeline(path, {
      analyzer,
      recycle: false,
      newTracker: (emit, opts) => {
        const t = new LiveTracker(emit, opts);
        t.stopAt(at, () => {
          stops++;
          analyzer.judgeOpen(t.live, at, analyzer.grace, (c, f) => {
            if (c.cPort === 36850 || c.cPort === 36866) seen.set(c.cPort, { ...f });
          });
          return Infinity;
        });
        return t;
      },
    });
    expect(stops).toBe(1);
    expect([...seen.keys()].sort()).toEqual([36850, 36866]);
    for (const f of seen.values()) expect([f.synDropped, f.unansweredSyns]).toEqual([false, 0]);
  });

  it('kernel-lab ackov1b: at the server the turnaround is microseconds, so a SYN 0.35 ms before the end was due (a ListenOverflow)', async () => {
    const r = await run(`${FIXTURES}kernel-lab/ackov1b.pcap.gz`);
    const f = r.analysis.findings.find((x) => x.id === 'accept-queue-overflow') as { droppedSegments: number } | undefined;
    // The log: TcpExtListenOverflows 2.
    expect(f?.droppedSegments).toBe(2);
  });
});

describe('timeline: SYN retransmits are re-sends of the same ISN', () => {
  it('public/bug-7657-01.pcap: 24 SYNs with 22 ISNs on one tuple are one connection with 2 SYN retransmits', async () => {
    const r = await run(`${FIXTURES}public/bug-7657-01.pcap`);
    const c = r.conns.find((x) => x.c.synCount === 24)!;
    expect(c).toBeDefined();
    expect(c.c.synRetransmits).toBe(2);
    const t = new Timeline();
    t.addConnection(c.c, false, false, false, c.facts);
    const s = t.result(c.server, c.c.firstTime, c.c.lastTime).series;
    expect(sum(s.syns)).toBe(1);
    expect(sum(s.synRetransmits)).toBe(2);
  });

  it('without a new ISN every re-sent SYN is a retransmit, at its own time (accuracy/loss-20/client)', async () => {
    const r = await run(`${FIXTURES}accuracy/loss-20/client.pcap.gz`);
    const resent = r.conns.filter((x) => x.c.synCount > 1 && x.c.synCount <= 12);
    expect(resent.length).toBeGreaterThan(5);
    for (const c of resent) {
      expect(c.c.synRetransmits).toBe(c.c.synCount - 1);
      const t = new Timeline();
      t.addConnection(c.c, false, false, false, c.facts);
      expect(sum(t.result(c.server, c.c.firstTime, c.c.lastTime).series.synRetransmits)).toBe(c.c.synCount - 1);
    }
  });
});
