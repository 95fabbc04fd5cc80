/**
 * The per-listener timeline chart of the HTML report: counts per time bucket
 * (new SYNs, SYN retransmits, completed / ignored / reset handshakes,
 * refusals) as step lines on a UTC time axis, with the accept-queue overflow
 * episodes shaded and the start of the first overflow marked. Inline SVG,
 * drawn here (no library), with <title>/<desc> and a table as the text
 * alternative.
 */
import type { ListenerTimeline, SeriesName } from '../diagnose/timeline.js';
import { escapeAttr, escapeHtml } from './html-escape.js';
import { timeDigits, type Time } from './model.js';
import { plural } from './numbers.js';
import {
  bucketLabel, clock, clockOfIso, countTicks, int, n2, shortDuration, stepDigits, tag, textWidth, timeStep, timeTicks, utcDate,
} from './svg-common.js';

export const SERIES_LABELS: [SeriesName, string][] = [
  ['syns', 'new SYNs'],
  ['synRetransmits', 'SYN retransmits'],
  ['handshakes', 'completed handshakes'],
  ['ignored', 'ignored handshakes (overflow)'],
  ['resets', 'reset handshakes'],
  ['refused', 'refused (RST to SYN)'],
  ['segmentDrops', 'client segments dropped (ignored ACKs, data retransmits)'],
  ['synDrops', 'SYNs dropped'],
];

/** The drops the accept-queue-overflow finding counts, per bucket: both drop series added. */
export function dropsPerBucket(t: ListenerTimeline): number[] {
  return t.series.syns.map((_, i) => (t.series.segmentDrops?.[i] ?? 0) + (t.series.synDrops?.[i] ?? 0));
}

/**
 * The queue-full intervals to shade: one per overflow episode of the finding, from its start to its
 * last drop (the drops of the buckets before the next episode starts), within the capture.
 */
export function queueFullIntervals(t: ListenerTimeline, episodes: TimelineInput['episodes'], last: Time | null): { start: number; end: number }[] {
  const drops = dropsPerBucket(t);
  const lastEpoch = last && Number.isFinite(last.epoch) ? last.epoch : Infinity;
  return episodes.map((e, k) => {
    const next = episodes[k + 1]?.start.epoch ?? Infinity;
    // The episode runs until its connections were answered (the queue had room again by then); the
    // band stops at the last bucket with a drop, so it shows when the queue was seen full.
    let end = -Infinity;
    drops.forEach((d, i) => {
      const b0 = t.start + i * t.bucket;
      if (d > 0 && b0 >= e.start.epoch - t.bucket && b0 < next) end = Math.max(end, Math.min(b0 + t.bucket, lastEpoch, next));
    });
    if (end === -Infinity) end = e.end.epoch;
    return { start: Math.min(e.start.epoch, end), end };
  });
}

export interface TimelineInput {
  timeline: ListenerTimeline;
  /** The capture's first and last packet. */
  first: Time | null;
  last: Time | null;
  /** Episodes of the listener's accept-queue-overflow finding (one band each). */
  episodes: { start: Time; end: Time; connections: number }[];
  /** When the first overflow was seen (the finding's firstTime), if any. */
  overflowStart: Time | null;
  /** Unique prefix for element ids. */
  id: string;
  /** Drawn for a phone: 360 wide, the same content in more legend rows. */
  narrow?: boolean;
}

const WIDE = { w: 800, m: { left: 56, right: 18, top: 30, bottom: 58 }, plotH: 230 };
const NARROW = { w: 360, m: { left: 40, right: 10, top: 30, bottom: 72 }, plotH: 200 };
const FONT = 12;
const LEGEND_ROW = 20;

interface LegendItem {
  cls: string;
  label: string;
  kind: 'line' | 'band' | 'marker';
}

/** A label in lines of at most `width` units, broken between words (a word longer than that keeps its line). */
function wrapLabel(label: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(' ')) {
    const cur = lines[lines.length - 1];
    if (cur !== undefined && textWidth(`${cur} ${word}`, FONT) <= width) lines[lines.length - 1] = `${cur} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Legend items left to right, wrapping to a new row; an item too long for a row takes several. */
function legendRows(items: LegendItem[], width: number): { item: LegendItem; x: number; row: number; lines: string[] }[] {
  const out: { item: LegendItem; x: number; row: number; lines: string[] }[] = [];
  let x = 0;
  let row = 0;
  let next = 1;
  for (const item of items) {
    const lines = 26 + textWidth(item.label, FONT) > width ? wrapLabel(item.label, width - 26) : [item.label];
    const w = 26 + Math.max(...lines.map((l) => textWidth(l, FONT))) + 18;
    if (x > 0 && (x + w > width || lines.length > 1)) {
      row = next;
      x = 0;
    }
    out.push({ item, x, row, lines });
    next = Math.max(next, row + lines.length);
    x += w;
    if (lines.length > 1) {
      row = next;
      x = 0;
    }
  }
  return out;
}

/** The chart's time domain: the buckets, stretched to cover the capture's first and last packet. */
export function timeDomain(t: ListenerTimeline, first: Time | null, last: Time | null): [number, number] {
  const n = t.series.syns.length;
  let from = t.start;
  let to = t.start + Math.max(1, n) * t.bucket;
  if (first && Number.isFinite(first.epoch)) from = Math.min(from, first.epoch);
  if (last && Number.isFinite(last.epoch)) to = Math.max(to, last.epoch);
  if (!(to > from)) to = from + t.bucket;
  return [from, to];
}

/**
 * A clock label of a time the chart names: the capture's own digits when it is a packet's time (`at`,
 * whose ISO holds the capture's precision), to the millisecond when it is a bucket's edge.
 */
function clockAt(epoch: number, at: Time | null): string {
  return at && at.epoch === epoch ? clockOfIso(at.iso, at.epoch, timeDigits(at)) : clock(epoch, 3);
}

export function timelineSvg(inp: TimelineInput): string {
  const t = inp.timeline;
  const { w: W, m: M, plotH: PLOT_H } = inp.narrow ? NARROW : WIDE;
  const n = t.series.syns.length;
  const [from, to] = timeDomain(t, inp.first, inp.last);
  const plotW = W - M.left - M.right;
  const x = (e: number) => M.left + ((e - from) / (to - from)) * plotW;

  const totals = SERIES_LABELS.map(([k]) => (t.series[k] ?? []).reduce((a, b) => a + b, 0));
  const full = queueFullIntervals(t, inp.episodes, inp.last);
  const items: LegendItem[] = SERIES_LABELS.map(([k, label], i) => ({ cls: `s-${k}${totals[i] === 0 ? ' none' : ''}`, label: `${label}: ${int(totals[i]!)}`, kind: 'line' }));
  if (inp.episodes.length > 0) items.push({ cls: 'episode-key', label: 'queue full (first to last drop)', kind: 'band' });
  if (inp.overflowStart) items.push({ cls: 'overflow-start', label: 'first overflow', kind: 'marker' });
  const legend = legendRows(items, W - M.left - M.right);
  const legendH = Math.max(...legend.map((l) => l.row + l.lines.length)) * LEGEND_ROW;
  const top = M.top + legendH;
  const bottom = top + PLOT_H;
  const H = bottom + M.bottom;

  let max = 0;
  for (const [k] of SERIES_LABELS) for (const v of t.series[k] ?? []) max = Math.max(max, v);
  const { top: yTop, ticks: yTicks } = countTicks(max);
  const y = (v: number) => bottom - (v / yTop) * PLOT_H;

  const parts: string[] = [];
  const titleId = `${inp.id}-title`;
  const descId = `${inp.id}-desc`;

  // Text alternative.
  const firstTxt = inp.first ? clockAt(inp.first.epoch, inp.first) : clock(from, 3);
  const lastTxt = inp.last ? clockAt(inp.last.epoch, inp.last) : clock(to, 3);
  // A band's start is its episode's first packet; its end the last drop's bucket edge, or the capture's last packet.
  const bandClock = (i: number) => {
    const b = full[i]!;
    const e = inp.episodes[i]!;
    return [clockAt(b.start, e.start), clockAt(b.end, inp.last && b.end === inp.last.epoch ? inp.last : e.end)];
  };
  const desc = [
    `Counts per ${bucketLabel(t.bucket)} from ${firstTxt} to ${lastTxt} UTC (${utcDate(from)}).`,
    `Totals: ${SERIES_LABELS.map(([, l], i) => `${l} ${int(totals[i]!)}`).join(', ')}.`,
    inp.episodes.length > 0
      ? `Accept queue full (overflow episode to its last drop): ${full.map((_, i) => `${bandClock(i).join(' to ')} (${plural(inp.episodes[i]!.connections, 'connection')})`).join('; ')}.`
      : 'No accept-queue overflow episode.',
  ].join(' ');
  parts.push(tag('title', { id: titleId }, escapeHtml(`Timeline of ${t.listener}`)));
  parts.push(tag('desc', { id: descId }, escapeHtml(desc)));

  // Legend.
  for (const { item, x: lx, row, lines: labelLines } of legend) {
    const gx = M.left + lx;
    const gy = 10 + row * LEGEND_ROW;
    let swatch: string;
    if (item.kind === 'band') swatch = tag('rect', { class: item.cls, x: gx, y: gy - 6, width: 20, height: 12 });
    else if (item.kind === 'marker') swatch = tag('line', { class: item.cls, x1: gx + 10, x2: gx + 10, y1: gy - 8, y2: gy + 8 });
    else swatch = tag('line', { class: `line ${item.cls}`, x1: gx, x2: gx + 20, y1: gy, y2: gy });
    const text = labelLines.map((l, i) => tag('text', { x: gx + 26, y: gy + 4 + i * LEGEND_ROW }, escapeHtml(l))).join('');
    parts.push(tag('g', { class: 'legend-item' }, swatch + text));
  }

  // Grid and y axis.
  const yAxis: string[] = [];
  for (const v of yTicks) {
    yAxis.push(tag('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    yAxis.push(tag('text', { class: 'tick', x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, int(v)));
  }
  yAxis.push(tag('text', { class: 'axis-title', x: 4, y: top - 8, 'text-anchor': 'start' }, escapeHtml(`per ${bucketLabel(t.bucket)}`)));
  parts.push(tag('g', { class: 'y-axis' }, yAxis.join('')));

  // Episode bands (under the lines).
  const bands = inp.episodes.map((e, i) => {
    const b = full[i]!;
    const x0 = Math.max(M.left, x(b.start));
    const w = Math.max(3, x(b.end) - x0);
    const title =
      `Accept queue full, episode ${i + 1}: ${bandClock(i).join(' → ')} UTC (first to last drop), ${shortDuration(b.end - b.start)}, ` +
      `${plural(e.connections, 'connection')} affected`;
    return tag('rect', { class: 'episode', x: x0, y: top, width: Math.min(w, W - M.right - x0 + 3), height: PLOT_H }, tag('title', {}, escapeHtml(title)));
  });
  parts.push(tag('g', { class: 'episodes' }, bands.join('')));

  // Series as step lines; series with no count are listed in the legend only.
  const bx = (i: number) => Math.min(x(t.start + i * t.bucket), W - M.right);
  const lines: string[] = [];
  SERIES_LABELS.forEach(([k, label], si) => {
    if (totals[si] === 0) return;
    const v = t.series[k]!;
    let d = `M${n2(bx(0))} ${n2(y(0))}`;
    for (let i = 0; i < n; i++) d += `V${n2(y(v[i]!))}H${n2(bx(i + 1))}`;
    d += `V${n2(y(0))}`;
    lines.push(tag('path', { class: `line s-${k}`, d }, tag('title', {}, escapeHtml(`${label}: ${int(totals[si]!)} in total, at most ${int(Math.max(...v))} per ${bucketLabel(t.bucket)}`))));
  });
  parts.push(tag('g', { class: 'series' }, lines.join('')));

  // Time axis: ticks at round UTC times, plus the capture's first and last packet at the ends.
  const span = to - from;
  const step = timeStep(span, Math.max(2, Math.floor(plotW / 80)));
  const digits = stepDigits(step);
  const edgeDigits = Math.max(digits, span < 60 ? 1 : 0);
  const xAxis: string[] = [tag('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: bottom, y2: bottom })];
  const edges: { at: number; label: string; anchor: string; cls: string }[] = [];
  if (inp.first) edges.push({ at: x(inp.first.epoch), label: clockOfIso(inp.first.iso, inp.first.epoch, edgeDigits), anchor: 'start', cls: 'tick edge first' });
  if (inp.last) edges.push({ at: x(inp.last.epoch), label: clockOfIso(inp.last.iso, inp.last.epoch, edgeDigits), anchor: 'end', cls: 'tick edge last' });
  const taken = edges.map((e) => (e.anchor === 'start' ? [e.at, e.at + textWidth(e.label, FONT)] : [e.at - textWidth(e.label, FONT), e.at]));
  for (const tt of timeTicks(from, to, step)) {
    const tx = x(tt);
    const label = clock(tt, digits);
    const half = textWidth(label, FONT) / 2;
    xAxis.push(tag('line', { class: 'tick-mark', x1: tx, x2: tx, y1: bottom, y2: bottom + 5 }));
    if (taken.some(([a, b]) => tx + half + 8 > a! && tx - half - 8 < b!)) continue;
    if (tx - half < 2 || tx + half > W - 2) continue;
    xAxis.push(tag('text', { class: 'tick', x: tx, y: bottom + 18, 'text-anchor': 'middle' }, label));
  }
  for (const e of edges) {
    xAxis.push(tag('line', { class: 'tick-mark edge', x1: e.at, x2: e.at, y1: bottom, y2: bottom + 9 }));
    xAxis.push(tag('text', { class: e.cls, x: e.at, y: bottom + 18, 'text-anchor': e.anchor }, e.label));
  }
  const d0 = utcDate(from);
  const d1 = utcDate(to);
  // One line on a wide chart; on a phone the same words in two.
  const titleLines = [`time (UTC, ${d0 === d1 ? d0 : `${d0} → ${d1}`}); ${bucketLabel(t.bucket)} buckets`, 'first and last packet at the ends'];
  const axisTitle = inp.narrow ? titleLines : [titleLines.join('; ')];
  axisTitle.forEach((l, i) =>
    xAxis.push(tag('text', { class: 'axis-title', x: M.left + plotW / 2, y: bottom + 42 + i * 16, 'text-anchor': 'middle' }, escapeHtml(l))),
  );
  parts.push(tag('g', { class: 'x-axis' }, xAxis.join('')));

  // The first overflow.
  if (inp.overflowStart) {
    const ox = x(inp.overflowStart.epoch);
    // With the capture's digits where they fit beside the mark, on either side; else to the millisecond.
    const labelOf = (digits: number) => `first overflow ${clockOfIso(inp.overflowStart!.iso, inp.overflowStart!.epoch, digits)}`;
    const fits = (l: string) => ox + 6 + textWidth(l, FONT) < W - M.right || ox - 6 - textWidth(l, FONT) > 2;
    const precise = labelOf(timeDigits(inp.overflowStart));
    const label = fits(precise) ? precise : labelOf(3);
    const right = ox + 6 + textWidth(label, FONT) < W - M.right;
    parts.push(
      tag(
        'g',
        { class: 'overflow-start' },
        tag('line', { x1: ox, x2: ox, y1: top - 2, y2: bottom }) +
          tag('text', { x: right ? ox + 6 : ox - 6, y: top + 14, 'text-anchor': right ? 'start' : 'end' }, escapeHtml(label)),
      ),
    );
  }

  return tag(
    'svg',
    {
      class: 'chart timeline',
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${W} ${n2(H)}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      'data-listener': escapeAttr(t.listener),
      'data-start': n2(from),
      'data-end': n2(to),
    },
    parts.join(''),
  );
}
