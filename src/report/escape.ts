/**
 * Escaping shared by every renderer. Capture-derived strings (file names,
 * reader error messages) are hostile input: they must not break a Markdown
 * table, inject HTML, break XML, or send escape sequences to a terminal.
 */

/**
 * C0 controls (including TAB, LF, CR and ESC), DEL, C1 controls, the Unicode
 * line/paragraph separators and the bidirectional formatting characters (which
 * can make a file name display as something it is not).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Removes C0/C1 control characters (ESC included), so no terminal escape
 * sequence from a capture or a file name reaches a terminal. Line breaks and
 * tabs are removed too; use it on single-line fields.
 */
export function stripControl(s: string): string {
  return s.replace(CONTROL, '');
}

/** Like stripControl, but line breaks and tabs become one space each (for text that may wrap). */
function flatten(s: string): string {
  return s.replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ').replace(CONTROL, '');
}

/**
 * Characters XML 1.0 forbids (everything outside
 * #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF], lone
 * surrogates included), plus DEL and the C1 controls the spec discourages.
 */
// eslint-disable-next-line no-control-regex
const XML_ILLEGAL = /[^\u0009\u000a\u000d\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

const XML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/** Escapes text for XML element content or a quoted attribute; drops characters XML 1.0 cannot hold. */
export function escapeXml(s: string): string {
  return s.replace(XML_ILLEGAL, '').replace(/[&<>"'\r]/g, (c) => XML_ENTITY[c]!);
}

/** Escapes an XML attribute value, keeping line breaks and tabs (attribute normalisation would turn them into spaces). */
export function escapeXmlAttr(s: string): string {
  return escapeXml(s).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/**
 * Escapes a string for Markdown text or a GFM table cell: the result renders
 * as the literal string on one line. Backslash-escapes Markdown punctuation
 * (`\ | ` * _ [ ] ~`), writes `<` `>` as entities (never raw HTML, never an
 * autolink), neutralises entity references and the GFM extended autolinks
 * (`http://`, `www.`, `user@host`), and turns line breaks into spaces.
 */
export function escapeMarkdown(s: string): string {
  return flatten(s)
    .replace(/[\\`*_[\]~|]/g, '\\$&')
    .replace(/&(?=#?[0-9A-Za-z]+;)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/(www)\./gi, '$1\\.')
    .replace(/@/g, '\\@');
}

/**
 * A Markdown code span that shows `s` literally and stays well-formed whatever
 * it contains: the fence is one backtick longer than the longest backtick run
 * in `s`, padded with a space where `s` starts or ends with a backtick. Line
 * breaks become spaces and control characters are dropped. With `table`, pipes
 * are escaped as GFM table cells require (do not use it for strings that can
 * hold a backslash right before a pipe).
 */
export function codeSpan(s: string, opts: { table?: boolean } = {}): string {
  let body = flatten(s);
  if (body === '') body = ' ';
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || (body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '') ? ' ' : '';
  const span = `${fence}${pad}${body}${pad}${fence}`;
  return opts.table ? span.replace(/\|/g, '\\|') : span;
}

/** A fenced code block for `lines` whose fence no line can close early. */
export function codeBlock(lines: readonly string[], info = ''): string {
  const body = lines.map((l) => l.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ').replace(/\t/g, '    ').replace(CONTROL, ''));
  let longest = 0;
  for (const l of body) for (const m of l.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...body, fence].join('\n');
}
