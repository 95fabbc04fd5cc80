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
import { handshakesTimed } from '../../src/report/units.js';
import { MS, S, seconds } from '../../src/capture/time-base.js';
import { synAnswerDue, SYN_ANSWER_FALLBACK_NS, SYN_ANSWER_MIN_NS, VantageEstimator } from '../../src/diagnose/vantage.js';
import type { Connection } from '../../src/track/connection.js';
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
    expect(r.analysis.vantage).toMatchObject({ vantage: 'server', handshakes: retried.length, handshakeKind: 'resent-syn' });
    expect(r.analysis.vantage.synToSynAck!).toBeLessThan(2 * MS);
    // The reports say what the medians are of: not "clean handshakes" (there is none).
    expect(handshakesTimed(r.analysis.vantage)).toBe(`${retried.length} handshakes with a re-sent SYN (timed from the last SYN; none was clean)`);
  });
});

describe('when a SYN\'s answer is due: one rule for analyze and watch', () => {
  it('a few times the measured turnaround, never under 0.1 ms nor over 1 s; 0.2 s when nothing was measured', () => {
    // Nanoseconds, as every time inside tcpdiag (capture/time-base.ts).
    expect(synAnswerDue(21_000)).toBe(SYN_ANSWER_MIN_NS);
    expect(SYN_ANSWER_MIN_NS).toBe(100_000);
    expect(synAnswerDue(20_432_000)).toBe(61_296_000);
    expect(synAnswerDue(500_000_000)).toBe(1_000_000_000);
    expect(synAnswerDue(NaN)).toBe(SYN_ANSWER_FALLBACK_NS);
    expect(SYN_ANSWER_FALLBACK_NS).toBe(200_000_000);
  });

  it('cut-1s-slow-acceptor-abort0-client: the two SYNs sent 29.7 and 4.5 ms before the cut (RTT 20.4 ms, tshark) are unresolved, not dropped', async () => {
    const r = await run(`${FIXTURES}accuracy/cut-1s-slow-acceptor-abort0-client/capture.pcap.gz`);
    expect(r.analysis.vantage.synToSynAck).toBe(20_432_000);
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
    // Capture time is nanoseconds since the run's base second (the first frame's): found by a first run.
    const base = (await runPipeline(path)).summary.timeBase!;
    expect(base).toBe(1795253342);
    const at = (1795253343 - base) * S + 249_995_000; // frame 298 (36866's SYN) + 1 ms; the capture goes on to 1795253343.253515
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
    const s = t.result(c.server, seconds(c.c.firstTime), seconds(c.c.lastTime)).series;
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
      expect(sum(t.result(c.server, seconds(c.c.firstTime), seconds(c.c.lastTime)).series.synRetransmits)).toBe(c.c.synCount - 1);
    }
  });
});

describe('vantage without a handshake: each side\'s turnaround to the other\'s data (issue 19 items 4 and 6)', () => {
  const CUT = `${FIXTURES}accuracy/cut-start-overflow-abort0-server/capture.pcap.gz`;

  it('cut-start-overflow-abort0-server: the turnarounds as tshark shows them', async () => {
    const r = await run(CUT);
    const by = (port: number) => r.conns.find((c) => c.clientPort === port)!.c;
    // tshark, port 47166: client data frame 6 at 0.463683, the server's ACK of it frame 7 at 0.463722 (39 µs);
    // server data frame 72 at 2.500045 and FIN frame 73 at 2.500071, the client's ACK of both (ack 4173982449,
    // the FIN's nxtseq) frame 77 at 2.520827 (20.756 ms; frame 76 at 2.520804 ACKs the data, not the FIN).
    // Times are integer nanoseconds since the run's base second: tshark's microseconds, exactly.
    expect(by(47166).serverAckDelay).toBe(39_000);
    expect(by(47166).clientAckDelay).toBe(20_756_000);
    // Port 47222: its data (frame 11, 0.463753) met the full queue; the ACK (frame 51, 2.283832) answers the
    // re-sent copy (frame 50, 2.283789): 43 µs, timed from the client's latest segment, not its first data.
    expect(by(47222).serverAckDelay).toBe(43_000);
    // Port 47010: only its end was captured (server data frame 1, FIN frame 2 at 0.000018; the client's
    // ACK of the FIN frame 4 at 0.020647): no client data, so no server turnaround.
    expect(by(47010).clientAckDelay).toBe(20_629_000);
    expect(by(47010).serverAckDelay).toBeNaN();
  });

  it('cut-start-overflow-abort0-server: no handshake, yet the listener is at the server, as its label says', async () => {
    const labels = JSON.parse(readFileSync(`${FIXTURES}accuracy/cut-start-overflow-abort0-server/labels.json`, 'utf8')) as {
      server: { ip: string; port: number };
      transform: { ground_truth: { vantage: string } };
    };
    const r = await run(CUT);
    expect(r.conns.filter((c) => c.c.synCount > 0 || c.c.synAckCount > 0)).toEqual([]);
    expect(r.analysis.vantage).toMatchObject({ vantage: labels.transform.ground_truth.vantage, handshakes: 0, synToSynAck: null });
    expect(r.analysis.listeners.map((l) => [l.listener, l.vantage])).toEqual([[`${labels.server.ip}:${labels.server.port}`, 'server']]);
    // 22 of the 27 connections were timed both ways, every one a server's: microseconds against a round trip.
    const both = r.conns.filter((c) => c.c.serverAckDelay >= 0 && c.c.clientAckDelay >= 0);
    expect(both.length).toBe(22);
    for (const c of both) expect(c.c.serverAckDelay * 4).toBeLessThan(c.c.clientAckDelay);
  });

  /** A client capture's connections with the handshake taken out, as a capture that started after it would show them. */
  async function withoutHandshakes(path: string): Promise<Connection[]> {
    const r = await run(path);
    return r.conns.map((v) => Object.assign(Object.create(Object.getPrototypeOf(v.c)), v.c, { synCount: 0, synAckCount: 0, handshakeAckFrame: 0 }) as Connection);
  }

  it('at the client the reverse: the client ACKs server data in microseconds, the server\'s ACK takes a round trip', async () => {
    const conns = await withoutHandshakes(`${FIXTURES}accuracy/accept-overflow-abort0/client.pcap.gz`);
    const e = new VantageEstimator(256);
    for (const c of conns) e.add(c);
    expect(e.result()).toMatchObject({ vantage: 'client', handshakes: 0 });
  });

  it('too few connections timed both ways, or connections that disagree, leave the vantage unknown', async () => {
    const conns = (await withoutHandshakes(CUT)).filter((c) => c.serverAckDelay >= 0 && c.clientAckDelay >= 0);
    const few = new VantageEstimator(256);
    for (const c of conns.slice(0, 4)) few.add(c);
    expect(few.result().vantage).toBe('unknown');
    const five = new VantageEstimator(256);
    for (const c of conns.slice(0, 5)) five.add(c);
    expect(five.result().vantage).toBe('server');
    // Mixed with a client capture's connections (each voting client): no side has 90% of the votes.
    const client = (await withoutHandshakes(`${FIXTURES}accuracy/accept-overflow-abort0/client.pcap.gz`)).filter((c) => c.clientAckDelay >= 0 && c.serverAckDelay >= 0);
    const mixed = new VantageEstimator(256);
    for (const c of [...conns, ...client.slice(0, 5)]) mixed.add(c);
    expect(mixed.result().vantage).toBe('unknown');
  });
  it('the first clean handshake replaces a turnaround worked out from retried ones (the due time follows it at once)', async () => {
    // Retried handshakes seen from the client (a round trip each) first, then clean ones seen at the server (µs).
    const retried = (await run(`${FIXTURES}accuracy/loss-20/client.pcap.gz`)).conns.map((v) => v.c)
      .filter((c) => c.synCount > 1 && c.synAckCount === 1 && c.handshakeAckFrame > 0 && !c.synAckBeforeSyn && c.synAckTime > c.lastSynTime);
    const clean = (await run(`${FIXTURES}accuracy/healthy/server.pcap.gz`)).conns.map((v) => v.c)
      .filter((c) => c.synCount === 1 && c.synAckCount === 1 && c.handshakeAckFrame > 0 && !c.synAckBeforeSyn);
    expect(retried.length).toBeGreaterThanOrEqual(5);
    expect(clean.length).toBeGreaterThanOrEqual(3);
    const e = new VantageEstimator(256);
    for (const c of retried) { e.add(c); e.turnaround(); }
    expect(e.turnaround()).toBeGreaterThan(1 * MS);
    for (const c of clean.slice(0, 3)) e.add(c);
    expect(e.turnaround()).toBeLessThan(1 * MS);
    expect(e.result()).toMatchObject({ handshakes: 3, handshakeKind: 'clean' });
  });
});
