import { describe, expect, it } from 'vitest';
import { codeBlock, codeSpan, escapeMarkdown, escapeXml, escapeXmlAttr, stripControl } from '../../src/report/escape.js';
import { parseXml } from './xml.js';

const HOSTILE = 'x|`<script>\u001b[31m.pcap';

/** Decodes a CommonMark code span back to its content (the spec's rules, for a span that is the whole string). */
function decodeCodeSpan(span: string): string {
  const open = /^`+/.exec(span)![0].length;
  const close = /`+$/.exec(span)![0].length;
  expect(close).toBe(open);
  let body = span.slice(open, span.length - close);
  // No backtick run inside may be exactly as long as the fence.
  for (const m of body.matchAll(/`+/g)) expect(m[0].length).not.toBe(open);
  if (body.length >= 2 && body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '') body = body.slice(1, -1);
  return body;
}

describe('stripControl', () => {
  it('removes ESC, C0, DEL, C1 and bidi overrides; keeps text', () => {
    expect(stripControl('a\u001b[31mred\u001b[0m')).toBe('a[31mred[0m');
    expect(stripControl('\u0000\u0007\b\t\n\r\u007f\u0085\u009b2J')).toBe('2J');
    expect(stripControl('file\u202eexe.pcap')).toBe('fileexe.pcap');
    expect(stripControl('ünïcødé 抓包 🐟.pcap')).toBe('ünïcødé 抓包 🐟.pcap');
    expect(stripControl(HOSTILE)).toBe('x|`<script>[31m.pcap');
  });
});

describe('escapeXml', () => {
  it('escapes markup and drops characters XML 1.0 cannot hold', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('a\u0000\u0001\u0008\u000b\u000c\u000e\u001f\u001bb')).toBe('ab');
    expect(escapeXml('\ufffe\uffff\ud800x\udc00')).toBe('x');
    expect(escapeXml('🐟\u0085\u007f')).toBe('🐟');
    expect(escapeXml('l1\nl2\tt\r')).toBe('l1\nl2\tt&#13;');
    expect(escapeXml(']]>')).toBe(']]&gt;');
  });

  it('round-trips through an XML parser, in text and in attributes', () => {
    const s = `${HOSTILE} "q" 'a' & ]]> \u0000 \n line\ttab`;
    const doc = parseXml(`<r a="${escapeXmlAttr(s)}" b='${escapeXmlAttr(s)}'>${escapeXml(s)}</r>`);
    const want = s.replace('\u001b', '').replace('\u0000', '');
    expect(doc.attrs.a).toBe(want);
    expect(doc.attrs.b).toBe(want);
    expect(doc.text).toBe(want);
  });
});

describe('escapeMarkdown', () => {
  it('leaves no raw HTML, no table-breaking pipe, no line break, no control character', () => {
    const e = escapeMarkdown(`${HOSTILE}\n| injected | row |\r\n<img src=x onerror=alert(1)>`);
    expect(e).not.toMatch(/[<>\n\r\u001b]/);
    expect(e).not.toMatch(/(^|[^\\])(\\\\)*\|/);
    expect(e).toContain('&lt;script&gt;');
  });

  it('escapes emphasis, code, links and entities', () => {
    expect(escapeMarkdown('*a* _b_ `c` [d](e) ~f~ \\')).toBe('\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\~f\\~ \\\\');
    expect(escapeMarkdown('&lt; &#60; && a&b')).toBe('&amp;lt; &amp;#60; && a&b');
  });

  it('defuses autolinks', () => {
    const e = escapeMarkdown('see http://example.com and www.example.com or me@example.com');
    expect(e).not.toMatch(/https?:\/\//);
    expect(e).not.toMatch(/www\./i);
    expect(e).not.toMatch(/[^\\]@/);
  });

  it('keeps ordinary text readable', () => {
    expect(escapeMarkdown('198.18.0.3:8080 → 24 of 30')).toBe('198.18.0.3:8080 → 24 of 30');
  });
});

describe('codeSpan', () => {
  it.each([
    'plain',
    'a`b',
    '`starts',
    'ends`',
    '``',
    'a ``` b ` c',
    ' both sides ',
    '   ',
    'tcp.port==80 && ip.addr==10.0.0.1',
  ])('shows %j literally', (s) => {
    expect(decodeCodeSpan(codeSpan(s))).toBe(s);
  });

  it('flattens line breaks and drops control characters', () => {
    expect(decodeCodeSpan(codeSpan('a\nb\u001b[1m'))).toBe('a b[1m');
  });

  it('is never empty', () => {
    expect(codeSpan('')).toBe('` `');
  });

  it('escapes pipes for table cells', () => {
    expect(codeSpan('a|b', { table: true })).toBe('`a\\|b`');
    expect(codeSpan('a|b')).toBe('`a|b`');
  });
});

describe('codeBlock', () => {
  it('uses a fence no line can close', () => {
    const b = codeBlock(['echo ````', 'x'], 'sh');
    expect(b.split('\n')[0]).toBe('`````sh');
    expect(b.split('\n').at(-1)).toBe('`````');
  });

  it('keeps each command on one line without control characters', () => {
    expect(codeBlock(['a\nb\u001b[2J'])).toBe('```\na b[2J\n```');
  });
});
