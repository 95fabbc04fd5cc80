/**
 * The per-listener charts section of the HTML report: the timeline (with its
 * data table as the text alternative) and the histogram of the latency the
 * accept-queue overflow added.
 */
import type { ListenerTimeline } from '../diagnose/timeline.js';
import { escapeHtml } from './html-escape.js';
import { digitsOf, type CaptureReport, type FindingReport, type FindingReportOf } from './model.js';
import { bucketLabel, clock, int, stepDigits } from './svg-common.js';
import { measuredDuration } from '../diagnose/duration.js';
import { binLabels, histogramSvg, shownBins } from './svg-histogram.js';
import { queueFullIntervals, SERIES_LABELS, timelineSvg } from './svg-timeline.js';
import type { Time } from './model.js';
import { plural } from './numbers.js';

/** A table that scrolls sideways on a narrow screen. */
export function scrollTable(head: string[], rows: string[][], opts: { numeric?: boolean[]; cls?: string; caption?: string } = {}): string {
  const th = head.map((h, i) => `<th scope="col"${opts.numeric?.[i] ? ' class="num"' : ''}>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${opts.numeric?.[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  const caption = opts.caption ? `<caption>${opts.caption}</caption>` : '';
  return `<div class="scroll"><table${opts.cls ? ` class="${opts.cls}"` : ''}>${caption}<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

function timelineTable(t: ListenerTimeline, episodes: FindingReport['episodes'], last: Time | null): string {
  const n = t.series.syns.length;
  const full = queueFullIntervals(t, episodes, last);
  const digits = stepDigits(t.bucket);
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const from = t.start + i * t.bucket;
    const to = from + t.bucket;
    const inEpisode = full.some((e) => e.start < to && e.end >= from);
    rows.push([
      `${clock(from, digits)}${inEpisode ? ' <span class="tag ep">queue full</span>' : ''}`,
      ...SERIES_LABELS.map(([k]) => int(t.series[k]?.[i] ?? 0)),
    ]);
  }
  return scrollTable(
    [`Bucket start (UTC, ${escapeHtml(bucketLabel(t.bucket))} each)`, ...SERIES_LABELS.map(([, l]) => escapeHtml(l))],
    rows,
    { numeric: [false, ...SERIES_LABELS.map(() => true)], cls: 'data' },
  );
}

/** `digits`: of a second, the capture's (digitsOf it): a nanosecond capture's exact latencies keep theirs. */
function histogramFigure(f: FindingReportOf<'accept-queue-overflow'>, id: string, digits: number): string {
  const h = f.latencyHistogram;
  if (!h || h.counts.every((c) => c === 0)) return '';
  const labels = binLabels(h);
  const shown = shownBins(h);
  const lat = f.addedLatency;
  const caption =
    `Latency the overflow added to the ${int(h.counts.reduce((a, b) => a + b, 0))} connections that recovered` +
    (lat ? `: p50 ${escapeHtml(measuredDuration(lat.p50, digits))}, p90 ${escapeHtml(measuredDuration(lat.p90, digits))}, max ${escapeHtml(measuredDuration(lat.max, digits))}` : '') +
    '.';
  const rows = h.counts.slice(0, shown).map((c, i) => [escapeHtml(labels[i]!), int(c)]);
  if (shown < h.counts.length) rows.push([escapeHtml(`${labels[shown]!.split('–')[0]} s and more`), int(h.counts.slice(shown).reduce((a, b) => a + b, 0))]);
  return [
    `<figure class="chart-figure small" id="${id}">`,
    histogramSvg(h, f.listener, `${id}-svg`),
    `<figcaption>${caption}</figcaption>`,
    `<details><summary>Histogram as a table</summary>`,
    scrollTable(['Added latency', 'Connections'], rows, { numeric: [false, true], cls: 'data' }),
    `</details>`,
    `</figure>`,
  ].join('\n');
}

/** The charts of one capture: per listener with a finding, its timeline and (overflow) latency histogram. */
export function chartsSection(c: CaptureReport, findings: FindingReport[], ci: number, anchor: (f: FindingReport) => string): string {
  const out: string[] = [];
  c.timelines.forEach((t, li) => {
    const fs = findings.filter((f) => f.listener === t.listener);
    const overflow = fs.find((f): f is FindingReportOf<'accept-queue-overflow'> => f.id === 'accept-queue-overflow');
    const episodes = overflow?.episodes ?? [];
    const overflowStart = overflow ? (episodes[0]?.start ?? overflow.firstTime) : null;
    const id = `c${ci}-l${li}`;
    const verdicts = fs.map((f) => `<a class="sev ${f.severity}" href="#${anchor(f)}">${escapeHtml(f.id)}</a>`).join(' ');
    out.push(`<section class="listener" id="${id}" data-listener="${escapeHtml(t.listener)}">`);
    out.push(`<h3>${escapeHtml(t.listener)} ${verdicts}</h3>`);
    out.push(`<figure class="chart-figure">`);
    // The same chart drawn twice, for a wide screen and for a phone: CSS shows one (no script).
    const input = { timeline: t, first: c.firstTime, last: c.lastTime, episodes, overflowStart };
    out.push(`<div class="chart-box tl-wide">${timelineSvg({ ...input, id: `${id}-tl` })}</div>`);
    out.push(`<div class="chart-box tl-narrow">${timelineSvg({ ...input, id: `${id}-tln`, narrow: true })}</div>`);
    const ep = episodes.length;
    out.push(
      `<figcaption>Handshakes and drops on ${escapeHtml(t.listener)} per ${escapeHtml(bucketLabel(t.bucket))}` +
        (ep > 0 ? `; the accept queue shaded full from each overflow episode's start to its last drop (${plural(ep, 'episode')}), the first overflow marked` : '') +
        `. Drop times: SYNs, handshake ACKs and first data as captured; the client's data retransmits on its doubling backoff up to the server's answer (the record counts them). Hover a line${ep > 0 ? ' or band' : ''} for its figures.</figcaption>`,
    );
    out.push(`<details><summary>Timeline as a table (${int(t.series.syns.length)} buckets)</summary>`);
    out.push(timelineTable(t, episodes, c.lastTime));
    out.push(`</details>`);
    out.push(`</figure>`);
    if (overflow) out.push(histogramFigure(overflow, `${id}-hist`, digitsOf(c)));
    out.push(`</section>`);
  });
  return out.join('\n');
}
