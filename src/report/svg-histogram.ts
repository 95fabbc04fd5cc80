/**
 * The latency the accept-queue overflow added, as a small bar chart over the
 * finding's latencyHistogram bins (counts[i] in [edges[i], edges[i+1]), the
 * last bin open-ended). Inline SVG with <title>/<desc>.
 */
import { escapeHtml } from './html-escape.js';
import { countTicks, int, n2, tag } from './svg-common.js';

export interface Histogram {
  edges: number[];
  counts: number[];
}

function edgeLabel(x: number): string {
  if (x === 0) return '0';
  if (x < 1) return `${Math.round(x * 1000)} ms`;
  return `${+x.toFixed(2)} s`;
}

/** Human labels of the bins: `100–250 ms`, `1–2 s`, `≥ 128 s`. */
export function binLabels(h: Histogram): string[] {
  return h.counts.map((_, i) => {
    const lo = h.edges[i] ?? 0;
    const hi = h.edges[i + 1];
    if (hi === undefined) return `≥ ${edgeLabel(lo)}`;
    if (hi <= 1) return `${lo === 0 ? '0' : Math.round(lo * 1000)}–${Math.round(hi * 1000)} ms`;
    if (lo < 1) return `${lo === 0 ? '0' : lo}–${+hi.toFixed(2)} s`;
    return `${+lo.toFixed(2)}–${+hi.toFixed(2)} s`;
  });
}

/** The bins worth drawing: from the first bin up to one past the last non-empty bin. */
export function shownBins(h: Histogram): number {
  let last = -1;
  h.counts.forEach((c, i) => {
    if (c > 0) last = i;
  });
  return Math.min(h.counts.length, Math.max(last + 2, 4));
}

const W = 520;
const M = { left: 44, right: 16, top: 30, bottom: 50 };
const PLOT_H = 150;

export function histogramSvg(h: Histogram, listener: string, id: string): string {
  const shown = shownBins(h);
  const labels = binLabels(h);
  const counts = h.counts.slice(0, shown);
  const total = h.counts.reduce((a, b) => a + b, 0);
  const { top: yTop, ticks } = countTicks(Math.max(...counts, 0), 4);
  const plotW = W - M.left - M.right;
  const bw = plotW / shown;
  const bottom = M.top + PLOT_H;
  const H = bottom + M.bottom;
  const y = (v: number) => bottom - (v / yTop) * PLOT_H;
  const parts: string[] = [];
  parts.push(tag('title', { id: `${id}-title` }, escapeHtml(`Latency added by the accept-queue overflow on ${listener}`)));
  parts.push(
    tag(
      'desc',
      { id: `${id}-desc` },
      escapeHtml(`${int(total)} recovered connections by added latency: ` + counts.map((c, i) => `${labels[i]} ${c}`).join(', ') + '.'),
    ),
  );
  for (const v of ticks) {
    parts.push(tag('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    parts.push(tag('text', { class: 'tick', x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, int(v)));
  }
  parts.push(tag('text', { class: 'axis-title', x: 4, y: M.top - 14 }, 'connections'));
  counts.forEach((c, i) => {
    const bx = M.left + i * bw + 3;
    const label = labels[i]!;
    const bar = c > 0 ? tag('rect', { class: 'bar', x: bx, y: y(c), width: bw - 6, height: bottom - y(c) }, tag('title', {}, escapeHtml(`${label}: ${c}`))) : '';
    const value = c > 0 ? tag('text', { class: 'value', x: bx + (bw - 6) / 2, y: y(c) - 4, 'text-anchor': 'middle' }, int(c)) : '';
    parts.push(tag('g', { class: 'bin' }, bar + value));
  });
  parts.push(tag('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: bottom, y2: bottom }));
  // Ticks at the bin edges, in seconds (the last bin is open-ended).
  for (let i = 0; i <= shown; i++) {
    const ex = M.left + i * bw;
    const e = h.edges[i];
    parts.push(tag('line', { class: 'tick-mark', x1: ex, x2: ex, y1: bottom, y2: bottom + 5 }));
    parts.push(tag('text', { class: 'tick', x: ex, y: bottom + 18, 'text-anchor': 'middle' }, e === undefined ? '∞' : String(+e.toFixed(3))));
  }
  parts.push(tag('text', { class: 'axis-title', x: M.left + plotW / 2, y: bottom + 40, 'text-anchor': 'middle' }, 'added latency, seconds (first SYN → first answer, beyond the usual)'));
  return tag(
    'svg',
    {
      class: 'chart histogram',
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${W} ${n2(H)}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
    },
    parts.join(''),
  );
}
