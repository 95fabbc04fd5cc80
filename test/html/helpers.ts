import { collectLadders } from '../../src/cli/ladders.js';
import { renderHtml } from '../../src/report/html.js';
import type { Report } from '../../src/report/model.js';
import { labCapture, ROOT } from '../helpers/fixtures.js';
import { analyzeCaptures } from '../report/pipeline.js';
import { findAll, parseXml, type XmlElement } from '../report/xml.js';

export { ROOT };
export const ABORT0 = 'fixtures/lab/accept-overflow-abort0-server.pcap';
export const SLOW_ABORT1 = labCapture('slow-acceptor-abort1', 'server.pcap');
export const SYN_FLOOD = labCapture('syn-flood-cookies', 'server.pcap');

/** The report and its HTML, in process (the CLI's pipeline plus the ladders' second read). */
export async function htmlOf(paths: string[]): Promise<{ report: Report; html: string }> {
  const { report } = await analyzeCaptures(paths);
  return { report, html: renderHtml(report, await collectLadders(report, {})) };
}

/** The HTML parsed as XML (it is XHTML-compatible); throws on any well-formedness error. */
export function parseHtml(html: string): XmlElement {
  const m = /^<!DOCTYPE html>\r?\n/.exec(html);
  if (!m) throw new Error('missing <!DOCTYPE html>');
  return parseXml(html.slice(m[0].length));
}

/** All text of an element and its descendants (order within an element not kept: fine for includes checks on leaves). */
export function textOf(e: XmlElement): string {
  return e.text + e.children.map(textOf).join('');
}

export function hasClass(e: XmlElement, cls: string): boolean {
  return (e.attrs.class ?? '').split(/\s+/).includes(cls);
}

export function byClass(root: XmlElement, name: string, cls: string): XmlElement[] {
  return findAll(root, name).filter((e) => hasClass(e, cls));
}

/** The page's visible text in document order: tags removed, the five XML entities decoded. */
export function plainText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, n: string, d?: string) =>
      d ? String.fromCodePoint(Number(d)) : ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[n]!,
    );
}

/** Tool prose as the HTML shows it: `code` spans become <code>, so only the backticks go. */
export function unticked(s: string): string {
  return s.replace(/`([^`\r\n]+)`/g, '$1');
}
