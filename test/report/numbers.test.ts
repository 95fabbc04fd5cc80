import { fileURLToPath } from 'node:url';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { flowPrinter } from '../../src/report/flow-printers.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderText } from '../../src/report/text.js';
import { renderHtml } from '../../src/report/html.js';
import { duration } from '../../src/diagnose/duration.js';
import { count, figureValue, integer, proseNumbers } from '../../src/report/units.js';
import { analyzeOne } from './pipeline.js';

const fixture = (rel: string) => fileURLToPath(new URL(`../../fixtures/${rel}`, import.meta.url));
// syn-flood-nocookies: 3,040 connections to 198.18.0.3:8080, 3,000 of them the flood's half-open
// handshakes (fixtures/expected/lab/syn-flood-nocookies__server.handshake.tsv: 3,040 rows).
const FLOOD = fixture('accuracy/syn-flood-nocookies/server.pcap.gz');

describe('numbers: one format, singular and plural right', () => {
  it('groups thousands the same way whatever the locale', () => {
    expect(integer(3000)).toBe('3,000');
    expect(integer(1234567)).toBe('1,234,567');
    expect(integer(0)).toBe('0');
    expect(count(1, 'connection')).toBe('1 connection');
    expect(count(0, 'connection')).toBe('0 connections');
    expect(count(3000, 'connection')).toBe('3,000 connections');
    expect(figureValue('3000')).toBe('3,000');
    expect(figureValue('2945 of 3040')).toBe('2,945 of 3,040');
    expect(figureValue('4.2 s')).toBe('4.2 s');
    expect(figureValue('198.18.0.3:8080')).toBe('198.18.0.3:8080');
  });

  it('writes every number as Intl.NumberFormat en-US with no fraction digits would (which it no longer builds)', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    const values = [0, -0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000, 1234567, -1234567,
      0.5, 1.5, 2.5, -0.5, -2.5, -0.2, 0.49999999999999994, 999.5, 999999.5, -999.5, 2 ** 31, 2 ** 32 + 0.5, 2 ** 53 - 1,
      -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 2 ** 70, 1e21, -1e21, 1.7976931348623157e308, Number.MIN_VALUE, -Number.MIN_VALUE,
      NaN, Infinity, -Infinity];
    // And a spread of others: every length of digits, with fractions, both signs.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 4000; i++) values.push((random() < 0.5 ? -1 : 1) * random() * 10 ** Math.floor(random() * 18));
    const differ = values.filter((v) => integer(v) !== (Number.isFinite(v) ? intl.format(v) : String(v))).map((v) => `${v}: ${integer(v)} / ${intl.format(v)}`);
    expect(differ).toEqual([]);
    expect([integer(-0.2), integer(2.5), integer(1e21)]).toEqual(['-0', '3', '1,000,000,000,000,000,000,000']);
  });

  it('a SYN flood report writes 3,000 in its header and in its figures alike', async () => {
    const { report } = await analyzeOne(FLOOD);
    const text = renderText(report, new Chalk({ level: 0 }), false, null);
    expect(text).toMatch(/syn-flood\s+198\.18\.0\.3:8080\s+3,000 connections/);
    expect(text).toMatch(/half-open handshakes\s+3,000\n/);
    expect(text).toContain('3,040 connections');
    expect(text).not.toMatch(/half-open handshakes\s+3000\n/);
    const md = renderMarkdown(report);
    expect(md).toContain('| TCP connections | 3,040 |');
    expect(md).toMatch(/\| half-open handshakes \| 3,000 \|/);
  });

  it('verdict sentences group their counts; ports, offsets, frames, addresses, times and code stay as written', () => {
    expect(proseNumbers('198.18.0.3:8080 received a SYN flood: 3000 handshakes from 2945 sources (12345 SYNs).')).toBe(
      '198.18.0.3:8080 received a SYN flood: 3,000 handshakes from 2,945 sources (12,345 SYNs).',
    );
    expect(proseNumbers('nothing was listening on port 8080 (or a firewall)')).toBe('nothing was listening on port 8080 (or a firewall)');
    expect(proseNumbers('stopped at a fault (byte offset 123456, frame 4567): only the 4566 packets')).toBe(
      'stopped at a fault (byte offset 123456, frame 4567): only the 4,566 packets',
    );
    expect(proseNumbers('[2001:db8::1]:4433 at 2026-11-21T09:29:42Z, 1234.5 s, /tmp/cap_20261121.pcap, run `sysctl -w net.core.somaxconn=4096 && listen 8080 1024`')).toBe(
      '[2001:db8::1]:4433 at 2026-11-21T09:29:42Z, 1234.5 s, /tmp/cap_20261121.pcap, run `sysctl -w net.core.somaxconn=4096 && listen 8080 1024`',
    );
    expect(proseNumbers('999 and 1000')).toBe('999 and 1,000');
  });

  it('a SYN flood verdict says 3,000 in text, Markdown and HTML; JSON keeps the detector\'s sentence', async () => {
    const { report } = await analyzeOne(FLOOD);
    const flood = report.findings.find((f) => f.id === 'syn-flood')!;
    expect(flood.connections).toBe(3000);
    expect(flood.verdict).toMatch(/: 3000 handshakes from \d+ sources/);
    const grouped = proseNumbers(flood.verdict);
    expect(grouped).toMatch(/: 3,000 handshakes from [\d,]+ sources/);
    expect(grouped.replace(/:8080\b/g, '')).not.toMatch(/\d{4}/);
    expect(renderText(report, new Chalk({ level: 0 }), false, null)).toContain(`\n  ${grouped}\n`);
    expect(renderMarkdown(report)).toContain(`**Verdict:** ${grouped}`);
    const html = renderHtml(report, []);
    expect(html).toContain(grouped.replace(/&/g, '&amp;'));
    expect(html).not.toContain(flood.verdict);
  });

  it('flows says 1 connection, not 1 connections', async () => {
    const { flows } = await analyzeOne(fixture('public/get.pcap'));
    let out = '';
    const p = flowPrinter('text', { write: (s) => (out += s) }, { quiet: false });
    for (const flow of flows) p.print({ kind: 'flow', flow });
    p.print({ kind: 'capture-end', path: 'get.pcap', connections: flows.length, packets: 14 });
    expect(out.split('\n')[0]).toBe('get.pcap: 1 connection, 14 packets');
  });
});

describe('durations of minutes', () => {
  it('write a value in the larger unit when it rounds to 1000 of the smaller: never "1000.0 ms"', () => {
    expect([duration(0.99996), duration(0.0009996), duration(0.9994), duration(-0.99996), duration(0.0009994)]).toEqual([
      '1.000 s',
      '1.0 ms',
      '999.4 ms',
      '-1.000 s',
      '999 µs',
    ]);
    expect(duration(0.9999999996, { precision: 9, allDigits: true })).toBe('1.000000000 s');
  });

  it('round to the second before the minutes are taken: never "59 min 60 s"', async () => {
    expect([duration(3599.999), duration(3599.4), duration(125.4), duration(-3599.6)]).toEqual(['60 min 0 s', '59 min 59 s', '2 min 5 s', '-60 min 0 s']);
    // capinfos: hostile/time-clock-step.pcap lasts 3599.999 s (first 23:01:40.003, last 00:01:40.002).
    const { report } = await analyzeOne(fileURLToPath(new URL('../../fixtures/hostile/time-clock-step.pcap', import.meta.url)));
    const text = renderText(report, new Chalk({ level: 0 }), false, null);
    expect(text.split('\n')[0]).toContain('  60 min 0 s  ');
  });
});
