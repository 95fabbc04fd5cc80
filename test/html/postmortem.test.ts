/**
 * The HTML report as a postmortem (issue 22): the timeline plots every drop the accept-queue-overflow
 * finding counts, where tshark puts them, with the queue shaded full to the last drop; the outcome
 * table says what the chart and the finding say; the ladder names the listener's second RST. Expected
 * values from the labels (kernel counters, client outcomes) and from tshark (fixtures/lab/*.drops.txt).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FindingReportOf, Report } from '../../src/report/model.js';
import { dropsPerBucket, queueFullIntervals } from '../../src/report/svg-timeline.js';
import { findAll } from '../report/xml.js';
import { ABORT0, byClass, htmlOf, parseHtml, ROOT, SLOW_ABORT1, textOf } from './helpers.js';
import { labLabelsPath, requireFile } from '../helpers/fixtures.js';

interface Labels {
  kernel_counters_delta: Record<string, number>;
  client_outcomes: Record<string, number>;
  connections?: unknown[];
}
const labels = (path: string) => JSON.parse(readFileSync(requireFile(path), 'utf8')) as Labels;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function overflowOf(r: Report): FindingReportOf<'accept-queue-overflow'> {
  const f = r.findings.find((x): x is FindingReportOf<'accept-queue-overflow'> => x.id === 'accept-queue-overflow');
  expect(f, 'accept-queue-overflow finding').toBeDefined();
  return f!;
}

function outcomeCells(html: string): Record<string, string> {
  const table = byClass(parseHtml(html), 'table', 'outcomes')[0]!;
  const head = findAll(findAll(table, 'thead')[0]!, 'th').map(textOf);
  const row = findAll(findAll(table, 'tbody')[0]!, 'tr')[0]!;
  const cells = findAll(row, 'td').map(textOf);
  return Object.fromEntries(head.map((h, i) => [h, cells[i]!]));
}

describe('postmortem timeline: accept-overflow-abort0 server capture', async () => {
  const { report, html } = await htmlOf([`${ROOT}${ABORT0}`]);
  const t = report.captures[0]!.timelines[0]!;
  const f = overflowOf(report);
  // tshark: every dropped segment (frame, epoch seconds).
  const truth = readFileSync(requireFile(`${ROOT}fixtures/lab/accept-overflow-abort0-server.drops.txt`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split(' ')[1]));

  it('plots every drop the finding counts: as many as tshark and the kernel counted', () => {
    const overflows = labels(`${ROOT}fixtures/lab/accept-overflow-abort0.labels.json`).kernel_counters_delta.TcpExtListenOverflows!;
    expect(overflows).toBe(163);
    expect(truth).toHaveLength(overflows);
    expect(f.droppedSegments).toBe(overflows);
    expect(sum(t.series.segmentDrops) + sum(t.series.synDrops)).toBe(overflows);
  });

  it('places them over the whole episode, never more than one bucket off tshark', () => {
    const model = dropsPerBucket(t);
    const real = model.map(() => 0);
    for (const x of truth) real[Math.floor((x - t.start) / t.bucket)]!++;
    // The drops continue ~15 s into the capture (the last one tshark sees dropped is at +14.98 s).
    const lastIndex = (xs: number[]) => xs.reduce((k, v, i) => (v > 0 ? i : k), -1);
    const lastReal = lastIndex(real);
    expect(lastReal * t.bucket).toBeGreaterThan(14);
    expect(lastIndex(model)).toBe(lastReal);
    let cm = 0;
    const cr = real.map(((s) => (v: number) => (s += v))(0));
    model.forEach((v, i) => {
      cm += v;
      expect(cm, `drops up to bucket ${i}`).toBeGreaterThanOrEqual(cr[i - 1] ?? 0);
      expect(cm, `drops up to bucket ${i}`).toBeLessThanOrEqual(cr[i + 1] ?? cr[i]!);
    });
  });

  it('shades the queue full from the first to the last drop, and draws the drops', () => {
    const [band] = queueFullIntervals(t, f.episodes, report.captures[0]!.lastTime);
    expect(band!.start).toBeCloseTo(f.episodes[0]!.start.epoch, 6);
    const last = Math.max(...truth);
    expect(band!.end).toBeGreaterThanOrEqual(last);
    expect(band!.end - last).toBeLessThanOrEqual(t.bucket);
    const root = parseHtml(html);
    for (const box of ['tl-wide', 'tl-narrow']) {
      const svg = byClass(byClass(root, 'div', box)[0]!, 'svg', 'timeline')[0]!;
      const rect = byClass(svg, 'rect', 'episode')[0]!;
      // The band covers half the capture (+0.02 s to +15 s of 29.8 s), not the 10 ms of the first burst.
      const width = Number(svg.attrs.viewBox!.split(' ')[2]);
      expect(Number(rect.attrs.width) / width).toBeGreaterThan(0.4);
      expect(byClass(svg, 'path', 's-segmentDrops')).toHaveLength(1);
      expect(textOf(svg)).toContain('client segments dropped (ignored ACKs, data retransmits): 163');
    }
  });
});

describe('postmortem outcomes and ladder: slow-acceptor-abort1 server capture', async () => {
  const { report, html } = await htmlOf([SLOW_ABORT1]);
  const l = labels(labLabelsPath('slow-acceptor-abort1'));
  const t = report.captures[0]!.timelines[0]!;
  const f = overflowOf(report);

  it('the outcome table, the chart and the finding say the same: 191 completed, 49 reset (the labels)', () => {
    expect(l.client_outcomes).toEqual({ ok: 191, reset: 49 });
    const cells = outcomeCells(html);
    expect(cells.Connections).toBe('240');
    expect(cells.Completed).toBe(String(l.client_outcomes.ok));
    expect(cells['Reset after handshake']).toBe(String(l.client_outcomes.reset));
    expect(cells['Ignored (queue full)']).toBe('0');
    expect(sum(t.series.handshakes)).toBe(l.client_outcomes.ok);
    expect(sum(t.series.resets)).toBe(l.client_outcomes.reset);
    expect(f.resets).toBe(l.client_outcomes.reset);
    expect(cells.Overflowed).toBe(String(f.connections));
    // Every drop the finding counts is on the chart: the kernel's ListenOverflows.
    expect(sum(t.series.segmentDrops) + sum(t.series.synDrops)).toBe(l.kernel_counters_delta.TcpExtListenOverflows);
    expect(sum(t.series.synDrops)).toBe(f.synDrops);
  });

  it('the ladder names the listener\'s second RST (to the data behind the reset ACK), never a duplicate', () => {
    const root = parseHtml(html);
    const again = findAll(root, 'g').filter((g) => (g.attrs.class ?? '').split(' ').includes('rst-again'));
    expect(again.length).toBeGreaterThan(0);
    for (const g of again) expect(textOf(g)).toMatch(/RST again: answers #\d+/);
    const dupRst = findAll(root, 'g').filter((g) => /\bdup\b/.test(g.attrs.class ?? '') && /\brst\b/.test(g.attrs.class ?? ''));
    expect(dupRst).toHaveLength(0);
  });
});
