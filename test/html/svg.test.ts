import { describe, expect, it } from 'vitest';
import type { EvidenceConnection } from '../../src/diagnose/evidence.js';
import type { ListenerTimeline } from '../../src/diagnose/timeline.js';
import { captureTimeOf } from '../../src/report/model.js';
import { S } from '../../src/capture/time-base.js';
import { clock, clockOfIso, countTicks, timeStep, timeTicks } from '../../src/report/svg-common.js';
import { binLabels, histogramSvg } from '../../src/report/svg-histogram.js';
import { LADDER_CAP, ladderRows, ladderSvg, tcpFlags } from '../../src/report/svg-ladder.js';
import { timelineSvg } from '../../src/report/svg-timeline.js';
import type { LoggedPacket } from '../../src/track/connection.js';
import { findAll, parseXml } from '../report/xml.js';
import { byClass, textOf } from './helpers.js';

describe('axis helpers', () => {
  it('formats UTC wall-clock times, truncating like the ISO times', () => {
    const t = Date.UTC(2026, 10, 21, 9, 27, 39) / 1000 + 0.328692;
    expect(clock(t)).toBe('09:27:39');
    expect(clock(t, 1)).toBe('09:27:39.3');
    expect(clock(t, 3)).toBe('09:27:39.328');
    expect(clockOfIso('2026-11-21T09:27:39.328692000Z', t, 3)).toBe('09:27:39.328');
    expect(clockOfIso('2026-11-21T09:27:39.328692000Z', t)).toBe('09:27:39');
  });

  it('picks readable tick steps and integer count ticks', () => {
    expect(timeStep(30, 9)).toBe(5);
    expect(timeStep(7.5, 9)).toBe(1);
    expect(timeStep(0.9, 9)).toBe(0.1);
    expect(timeStep(86400, 9)).toBe(10800);
    expect(timeTicks(10.3, 14.9, 1)).toEqual([11, 12, 13, 14]);
    expect(countTicks(30)).toEqual({ top: 30, ticks: [0, 10, 20, 30] });
    expect(countTicks(3040).top).toBeGreaterThanOrEqual(3040);
    expect(countTicks(0)).toEqual({ top: 1, ticks: [0, 1] });
    for (const m of [1, 2, 3, 7, 9, 57, 301]) for (const v of countTicks(m).ticks) expect(Number.isInteger(v)).toBe(true);
  });
});

function timeline(start: number, bucket: number, n: number): ListenerTimeline {
  const z = () => new Array<number>(n).fill(0);
  const t: ListenerTimeline = { listener: '[2001:db8::1]:443', start, bucket, series: { syns: z(), synRetransmits: z(), handshakes: z(), ignored: z(), resets: z(), refused: z(), segmentDrops: z(), synDrops: z() } };
  t.series.syns[0] = 5;
  t.series.ignored[1] = 3;
  return t;
}

describe('timeline chart', () => {
  const start = Date.UTC(2026, 0, 1, 23, 59, 50) / 1000;
  it('draws one visible band per episode, even a 1 ms one, and ends the axis on the first and last packet', () => {
    const t = timeline(start, 1, 20);
    // Capture times: nanoseconds since the base second `start` (capture/time-base.ts).
    const at = (seconds: number) => captureTimeOf(Math.round(seconds * S), start);
    const eps = [0.2, 5, 12].map((s, i) => ({ start: at(s)!, end: at(s + (i === 0 ? 0.001 : 2))!, connections: 2 }));
    const svg = parseXml(
      timelineSvg({ timeline: t, first: at(0.5), last: at(19.25), episodes: eps, overflowStart: eps[0]!.start, id: 't1' }),
    );
    const bands = byClass(svg, 'rect', 'episode');
    expect(bands).toHaveLength(3);
    for (const b of bands) expect(Number(b.attrs.width)).toBeGreaterThanOrEqual(3);
    const edges = byClass(svg, 'text', 'edge').map(textOf);
    expect(edges).toEqual(['23:59:50.5', '00:00:09.2']);
    // Crossing midnight: both dates in the axis title.
    expect(byClass(svg, 'text', 'axis-title').map(textOf).join(' ')).toContain('2026-01-01 → 2026-01-02');
    // The text alternative.
    expect(textOf(findAll(svg, 'title')[0]!)).toBe('Timeline of [2001:db8::1]:443');
    expect(textOf(findAll(svg, 'desc')[0]!)).toContain('new SYNs 5');
    // Series with no count are in the legend only.
    expect(findAll(svg, 'path').map((p) => p.attrs.class)).toEqual(['line s-syns', 'line s-ignored']);
  });

  it('draws no band and no marker without an overflow', () => {
    const svg = parseXml(timelineSvg({ timeline: timeline(start, 0.1, 50), first: captureTimeOf(0, start), last: captureTimeOf(4.9 * S, start), episodes: [], overflowStart: null, id: 't2' }));
    expect(byClass(svg, 'rect', 'episode')).toHaveLength(0);
    expect(byClass(svg, 'g', 'overflow-start')).toHaveLength(0);
  });
});

describe('latency histogram', () => {
  it('labels the bins and draws the non-empty ones', () => {
    const h = { edges: [0, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128], counts: [0, 0, 1, 1, 2, 4, 7, 8, 1, 0, 0, 0] };
    expect(binLabels(h).slice(0, 6)).toEqual(['0–100 ms', '100–250 ms', '250–500 ms', '500–1000 ms', '1–2 s', '2–4 s']);
    expect(binLabels(h)[11]).toBe('≥ 128 s');
    const svg = parseXml(histogramSvg(h, '10.0.0.1:80', 'h'));
    expect(byClass(svg, 'rect', 'bar')).toHaveLength(7);
  });
});

const SYN = 2;
const ACK = 16;
const PSH = 8;
const RST = 4;
const FIN = 1;

/** A logged packet at `seconds` of capture time (kept as nanoseconds, capture/time-base.ts). */
function pkt(frame: number, seconds: number, fromClient: boolean, flags: number, seq: number, ack: number, len = 0, resent = 0): LoggedPacket {
  return { frame, time: Math.round(seconds * S), fromClient, flags, seq, ack, len, resent };
}

const EV: EvidenceConnection = {
  id: 3, client: '10.0.0.2:40000', server: '10.0.0.1:80', firstFrame: 1, lastFrame: 200,
  frames: { syn: 1, synAck: 2, handshakeAck: 3, firstData: 4, serverAnswer: 6 },
  signatures: ['handshake-data-ignored'], filter: 'tcp.port==40000', note: 'x',
};

describe('ladder diagram', () => {
  it('writes tcpdump flags', () => {
    expect(tcpFlags(SYN)).toBe('[S]');
    expect(tcpFlags(SYN | ACK)).toBe('[S.]');
    expect(tcpFlags(ACK)).toBe('[.]');
    expect(tcpFlags(PSH | ACK)).toBe('[P.]');
    expect(tcpFlags(RST)).toBe('[R]');
    expect(tcpFlags(RST | ACK)).toBe('[R.]');
    expect(tcpFlags(FIN | ACK)).toBe('[F.]');
    expect(tcpFlags(SYN | 64 | 128)).toBe('[SEW]');
  });

  it('makes seq/ack relative to each side\'s ISN, across the 32-bit wrap', () => {
    const c = 0xffff_fff0;
    const s = 0x7fff_ffff;
    const rows = ladderRows([
      pkt(2, 10.001, false, SYN | ACK, s, (c + 1) >>> 0),
      pkt(1, 10, true, SYN, c, 0),
      pkt(3, 10.02, true, ACK, (c + 1) >>> 0, (s + 1) >>> 0),
      pkt(4, 10.03, true, PSH | ACK, (c + 1) >>> 0, (s + 1) >>> 0, 100),
    ]);
    expect(rows.map((r) => `${r.flags} ${r.detail}`)).toEqual(['[S] seq 0', '[S.] seq 0 ack 1', '[.] seq 1 ack 1', '[P.] seq 1:101 ack 1 len 100']);
    expect(rows[3]!.rel).toBeCloseTo(0.03, 6);
  });

  it('draws at most the first 40 packets with a note, and brackets the gap even when its end is cut off', () => {
    const ps = [pkt(1, 0, true, SYN, 100, 0), pkt(2, 0.001, false, SYN | ACK, 500, 101), pkt(3, 0.02, true, ACK, 101, 501), pkt(4, 0.021, true, PSH | ACK, 101, 501, 10)];
    for (let i = 0; i < 60; i++) ps.push(pkt(10 + i, 0.2 * (i + 1), true, PSH | ACK, 101, 501, 10, 1));
    const e = { ...EV, frames: { ...EV.frames, serverAnswer: 100 } };
    ps.push(pkt(100, 13, false, ACK, 501, 111));
    const svg = parseXml(ladderSvg(e, ps, 'l1', { overflow: true }));
    expect(byClass(svg, 'g', 'pkt')).toHaveLength(LADDER_CAP);
    expect(textOf(byClass(svg, 'text', 'cut')[0]!)).toContain(`first ${LADDER_CAP} of 65`);
    const gap = byClass(svg, 'g', 'answer-gap')[0]!;
    expect(byClass(gap, 'path', 'open')).toHaveLength(1);
    expect(byClass(gap, 'text', 'gap-len').map(textOf)).toEqual(['12.98 s']);
    expect(byClass(svg, 'g', 'resent').length).toBe(LADDER_CAP - 4);
  });

  it('brackets a SYN retransmitted before its SYN-ACK', () => {
    const ps = [pkt(1, 0, true, SYN, 1, 0), pkt(5, 1.03, true, SYN, 1, 0, 0, 1), pkt(6, 1.031, false, SYN | ACK, 9, 2), pkt(7, 1.05, true, ACK, 2, 10), pkt(8, 1.05001, false, RST, 10, 0)];
    const e = { ...EV, frames: { syn: 1, synAck: 6, handshakeAck: 7, serverAnswer: 8, rst: 8 } };
    const svg = parseXml(ladderSvg(e, ps, 'l2', { overflow: true }));
    expect(byClass(byClass(svg, 'g', 'syn-gap')[0]!, 'text', 'gap-len').map(textOf)).toEqual(['1.03 s']);
    const answer = byClass(svg, 'g', 'answer-gap')[0]!;
    expect(byClass(answer, 'text', 'gap-len').map(textOf)).toEqual(['10 µs']);
    expect(textOf(answer)).toContain('queue full: reset');
  });
});
