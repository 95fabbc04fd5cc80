/**
 * Numbers written one way in the HTML and Markdown reports (Intl.NumberFormat, `2,351` everywhere),
 * with the noun in the right number (`1 capture`, never `1 connections`).
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatCount, plural } from '../../src/report/numbers.js';
import { htmlOf, plainText, SLOW_ABORT1 } from './helpers.js';

describe('numbers.ts', () => {
  it('groups thousands and picks singular or plural', () => {
    expect(formatCount(3000)).toBe('3,000');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
    expect(plural(1, 'connection')).toBe('1 connection');
    expect(plural(0, 'connection')).toBe('0 connections');
    expect(plural(3000, 'packet')).toBe('3,000 packets');
    expect(plural(2, 'reply', 'replies')).toBe('2 replies');
  });
});

describe('the reports on slow-acceptor-abort1 (2,351 packets: tshark -r server.pcap | wc -l)', async () => {
  const { report, html } = await htmlOf([SLOW_ABORT1]);
  const md = renderMarkdown(report);
  const text = plainText(html);

  it('print the packet count one way in the header and the body', () => {
    expect(report.captures[0]!.packets).toBe(2351);
    for (const doc of [text, md]) {
      expect(doc).toContain('2,351');
      expect(doc).not.toMatch(/\b2351\b/);
    }
    // The outcome table's 240 connections, and the figures the two reports share.
    expect(md).toContain('| 240 | 191 | 0 | 49 | 130 |');
  });

  it('never pair 1 with a plural noun', () => {
    for (const doc of [text, md]) expect(doc).not.toMatch(/(^|[^\d.,])1 (connections|packets|captures|findings|episodes|warnings|handshakes)\b/m);
    expect(text).toContain('1 capture:');
    expect(text).toContain('1 finding');
  });
});
