/**
 * Escaping for the HTML report. The report is XHTML-compatible (it parses as
 * XML too), so text and attributes are escaped with the XML rules and the
 * characters XML 1.0 cannot hold are dropped. Control characters (terminal
 * escapes, bidi overrides) are removed from single-line capture-derived text.
 */
import { escapeXml, escapeXmlAttr, stripControl } from './escape.js';

/** Escapes text for HTML element content (`& < > " '`), dropping control characters. */
export function escapeHtml(s: string): string {
  return escapeXml(stripControl(s));
}

/** Escapes an attribute value (to be written between double quotes). */
export function escapeAttr(s: string): string {
  return escapeXmlAttr(stripControl(s));
}

/** Tool-authored prose: its `code` spans become <code>, everything is escaped. */
export function proseHtml(s: string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(/`([^`\r\n]+)`/g)) {
    out += escapeHtml(s.slice(last, m.index));
    out += `<code>${escapeHtml(m[1]!)}</code>`;
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(s.slice(last));
}

/** An element with escaped text content. */
export function el(tag: string, text: string, attrs: Record<string, string | number | undefined> = {}): string {
  return `<${tag}${attrsOf(attrs)}>${escapeHtml(text)}</${tag}>`;
}

/** ` name="value"` for each defined attribute, escaped. */
export function attrsOf(attrs: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out += ` ${k}="${escapeAttr(String(v))}"`;
  return out;
}
