import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { escapeAttr, escapeHtml } from '../../src/report/html-escape.js';
import type { Report } from '../../src/report/model.js';
import { findAll, type XmlElement } from '../report/xml.js';
import { ABORT0, byClass, hasClass, htmlOf, parseHtml, plainText, ROOT, SLOW_ABORT1, SYN_FLOOD, textOf, unticked } from './helpers.js';
import { TEST_ALL } from '../helpers/fixtures.js';

const HEALTHY = `${ROOT}fixtures/public/get.pcap`;

/** The overflow episodes the JSON report has for a listener of a capture. */
function episodesFor(r: Report, capture: string, listener: string): number {
  return r.findings.find((f) => f.capture === capture && f.listener === listener && f.id === 'accept-queue-overflow')?.episodes.length ?? 0;
}

/** Checks shared by every rendered report: well-formed, self-contained, one chart per timeline with the right bands and axis ends. */
function checkReport(report: Report, html: string): void {
  const root = parseHtml(html);
  expect(root.name).toBe('html');
  // Self-contained: no script, no external resource of any kind.
  expect(findAll(root, 'script')).toHaveLength(0);
  expect(findAll(root, 'link')).toHaveLength(0);
  expect(findAll(root, 'img')).toHaveLength(0);
  expect(html).not.toMatch(/\b(src|srcset)=|href="(?!#)|url\(|@import|https?:\/\/(?!www\.w3\.org\/(1999\/xhtml|2000\/svg)")/);
  // Ids are unique (inline SVGs share the document's id space).
  const all: string[] = [];
  const walk = (e: typeof root) => {
    if (e.attrs.id) all.push(e.attrs.id);
    e.children.forEach(walk);
  };
  walk(root);
  expect(new Set(all).size).toBe(all.length);

  // Each timeline drawn twice: for a wide screen and for a phone (CSS shows one).
  const wide = byClass(root, 'div', 'tl-wide').flatMap((d) => byClass(d, 'svg', 'timeline'));
  const narrow = byClass(root, 'div', 'tl-narrow').flatMap((d) => byClass(d, 'svg', 'timeline'));
  const timelines = report.captures.reduce((n, c) => n + c.timelines.length, 0);
  expect(byClass(root, 'svg', 'timeline')).toHaveLength(2 * timelines);
  expect(wide).toHaveLength(timelines);
  expect(narrow).toHaveLength(timelines);
  for (const charts of [wide, narrow]) checkCharts(report, charts);
}

function checkCharts(report: Report, charts: XmlElement[]): void {
  let i = 0;
  for (const c of report.captures) {
    for (const t of c.timelines) {
      const svg = charts[i++]!;
      expect(svg.attrs['data-listener']).toBe(t.listener);
      expect(svg.attrs.viewBox).toMatch(/^0 0 \d+ [\d.]+$/);
      expect(findAll(svg, 'title')).not.toHaveLength(0);
      expect(findAll(svg, 'desc')).not.toHaveLength(0);
      // One band per episode of the listener's accept-queue-overflow finding.
      expect(byClass(svg, 'rect', 'episode')).toHaveLength(episodesFor(report, c.path, t.listener));
      // The time axis carries the capture's real first and last packet times (HH:MM:SS UTC).
      const axis = byClass(svg, 'g', 'x-axis')[0]!;
      const labels = findAll(axis, 'text').map(textOf);
      expect(labels.some((l) => l.startsWith(c.firstTime!.iso.slice(11, 19))), labels.join(' ')).toBe(true);
      expect(labels.some((l) => l.startsWith(c.lastTime!.iso.slice(11, 19))), labels.join(' ')).toBe(true);
    }
  }
}

describe('HTML report', () => {
  it('parses as well-formed XML, with a chart per listener, its episode bands and the real capture times on the axis', async () => {
    const { report, html } = await htmlOf([`${ROOT}${ABORT0}`]);
    checkReport(report, html);
    const root = parseHtml(html);
    const chart = byClass(root, 'svg', 'timeline')[0]!;
    expect(byClass(chart, 'rect', 'episode')).toHaveLength(1);
    // The first overflow is marked, with its time.
    const mark = byClass(chart, 'g', 'overflow-start')[0]!;
    expect(textOf(mark)).toContain('09:27:39.351');
    // Axis ends: the capture's first and last packet.
    const edges = byClass(chart, 'text', 'edge').map(textOf);
    expect(edges[0]).toMatch(/^09:27:39/);
    expect(edges[1]).toMatch(/^09:28:09/);
    // Latency histogram and its table.
    expect(byClass(root, 'svg', 'histogram')).toHaveLength(1);
    expect(byClass(byClass(root, 'svg', 'histogram')[0]!, 'rect', 'bar').length).toBeGreaterThan(3);
    // A timeline table under <details>, one row per bucket.
    const t = report.captures[0]!.timelines[0]!;
    const details = findAll(root, 'details').filter((d) => textOf(findAll(d, 'summary')[0]!).startsWith('Timeline as a table'));
    expect(details).toHaveLength(1);
    expect(findAll(findAll(details[0]!, 'tbody')[0]!, 'tr')).toHaveLength(t.series.syns.length);
  });

  it('draws a ladder per evidence connection: flags, relative seq/ack, frames, re-sent packets and the overflow gap', async () => {
    const { report, html } = await htmlOf([`${ROOT}${ABORT0}`]);
    const root = parseHtml(html);
    const f = report.findings[0]!;
    const ladders = byClass(root, 'svg', 'ladder');
    expect(ladders).toHaveLength(f.evidence.connections.length);
    const first = ladders[0]!;
    const e = f.evidence.connections[0]!;
    const labels = byClass(first, 'text', 'label').map(textOf);
    expect(labels[0]).toBe('[S] seq 0');
    expect(labels[1]).toBe('[S.] seq 0 ack 1');
    expect(labels[2]).toBe('[.] seq 1 ack 1');
    expect(labels[3]).toBe('[P.] seq 1:201 ack 1 len 200');
    expect(labels).toContain('[P.] seq 1:201 ack 1 len 200 (re-sent)');
    expect(labels).toContain('[F.] seq 1001 ack 201');
    const frames = byClass(first, 'text', 'frame').map(textOf);
    expect(frames[0]).toBe(`#${e.frames.syn}`);
    expect(byClass(first, 'g', 'resent').length).toBeGreaterThan(0);
    // The gap from the handshake ACK to the server's first answer, with its duration (3.92 s in the note).
    const gap = byClass(first, 'g', 'answer-gap')[0]!;
    expect(byClass(gap, 'text', 'gap-len').map(textOf)[0]).toBe('3.92 s');
    expect(textOf(findAll(gap, 'title')[0]!)).toContain(`frame ${e.frames.handshakeAck} to frame ${e.frames.serverAnswer}`);
  });

  it('carries the Markdown report\'s content: verdicts, figures, episodes, evidence, fix, confirm commands, listener outcomes', async () => {
    const { report, html } = await htmlOf([`${ROOT}${ABORT0}`]);
    const text = plainText(html).replace(/\s+/g, ' ');
    const has = (s: string) => expect(text, s).toContain(s.replace(/\s+/g, ' '));
    for (const f of report.findings) {
      has(unticked(f.verdict));
      for (const [k, v] of f.figures) {
        has(unticked(k));
        has(unticked(v));
      }
      for (const e of f.episodes) has(e.start.iso);
      for (const e of f.evidence.connections) {
        has(e.filter);
        has(unticked(e.note));
      }
      has(f.evidence.filter);
      for (const x of f.fix) has(unticked(x));
      for (const x of f.confirm) has(x);
      has(f.explain);
    }
    const c = report.captures[0]!;
    has(c.firstTime!.iso);
    has(c.lastTime!.iso);
    for (const l of c.listeners) has(l.listener);
    const root = parseHtml(html);
    const outcomes = byClass(root, 'table', 'outcomes')[0]!;
    const row = findAll(findAll(outcomes, 'tbody')[0]!, 'tr')[0]!;
    const l = c.listeners[0]!;
    // The handshakes seen complete (30, the labels' accepted_by_server) split as the chart splits them: 6 completed at once, 24 ignored.
    const t = c.timelines[0]!;
    const total = (k: keyof typeof t.series) => t.series[k].reduce((a, b) => a + b, 0);
    expect(total('handshakes') + total('ignored') + total('resets')).toBe(l.completed);
    expect(findAll(row, 'td').map(textOf)).toEqual([
      l.listener,
      ...[l.connections, total('handshakes'), total('ignored'), total('resets'), l.overflowed, l.refused, l.halfOpen, l.appResets].map(String),
      'server', // seen from: a server-side capture
    ]);
    expect([l.connections, l.completed, total('handshakes'), total('ignored')]).toEqual([30, 30, 6, 24]);
  });

  // Large captures (435 KB and 640 KB): in `npm run test:all` only.
  it.skipIf(!TEST_ALL)('renders the lab\'s slow acceptor and SYN flood captures, and both at once', async () => {
    for (const p of [SLOW_ABORT1, SYN_FLOOD]) {
      const { report, html } = await htmlOf([p]);
      checkReport(report, html);
    }
    const both = await htmlOf([SLOW_ABORT1, SYN_FLOOD, `${ROOT}${ABORT0}`]);
    checkReport(both.report, both.html);
    // Verdicts most severe first, each linking to its detail.
    const root = parseHtml(both.html);
    const verdicts = findAll(root, 'li').filter((e) => hasClass(e, 'verdict'));
    expect(verdicts).toHaveLength(both.report.findings.length);
    const sev = verdicts.map((v) => (hasClass(v, 'error') ? 3 : hasClass(v, 'warning') ? 2 : 1));
    expect([...sev].sort((a, b) => b - a)).toEqual(sev);
  });

  it('reports unreadable and empty captures next to a readable one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-html-bad-'));
    try {
      writeFileSync(join(dir, 'garbage.pcap'), Buffer.from('this is not a capture, not at all'));
      writeFileSync(join(dir, 'empty.pcap'), Buffer.alloc(0));
      const { report, html } = await htmlOf([join(dir, 'garbage.pcap'), join(dir, 'empty.pcap'), `${ROOT}fixtures/lab/refused-server.pcap`]);
      checkReport(report, html);
      expect(plainText(html)).toContain('could not be read: not a pcap or pcapng capture');
      expect(byClass(parseHtml(html), 'svg', 'timeline')).toHaveLength(2); // wide and narrow
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says so when there is nothing to report', async () => {
    const { report, html } = await htmlOf([HEALTHY]);
    checkReport(report, html);
    expect(plainText(html)).toContain('No findings');
  });
});

describe('escaping', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('escapes a hostile capture file name (<script>, &, quotes, terminal escapes)', async () => {
    const hostile = join(dir, `x<script>alert(1)&amp;"'\u001b[31m\u202e.pcap`);
    copyFileSync(`${ROOT}${ABORT0}`, hostile);
    const { report, html } = await htmlOf([hostile]);
    checkReport(report, html);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('x&lt;script&gt;alert(1)&amp;amp;&quot;&apos;[31m.pcap');
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u202e');
    // The name still reads as itself once parsed (minus the control characters).
    const root = parseHtml(html);
    const shown = textOf(findAll(root, 'title')[0]!);
    expect(shown).toContain(`x<script>alert(1)&amp;"'[31m.pcap`);
  });

  it('escapes reader errors, warnings and addresses from the capture', async () => {
    const { report } = await htmlOf([`${ROOT}${ABORT0}`]);
    const c = report.captures[0]!;
    c.warnings = ['<img src=x onerror=alert(1)> & <b>'];
    c.error = '</td><script>alert(2)</script>';
    c.partial = true;
    c.listeners[0]!.listener = '<i>1.2.3.4:80</i>';
    const html = renderHtml(report, []);
    parseHtml(html);
    expect(html).not.toMatch(/<(script|img)\b|<i>1\.2|&gt; & <b>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('escapeHtml and escapeAttr cover the five characters and drop what XML cannot hold', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    expect(escapeHtml('a\u0000b\u001bc\ud800d')).toBe('abcd');
    expect(escapeAttr('"><script>')).toBe('&quot;&gt;&lt;script&gt;');
  });
});
