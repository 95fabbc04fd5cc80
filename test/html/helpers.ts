import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectLadders } from '../../src/cli/ladders.js';
import { renderHtml } from '../../src/report/html.js';
import type { Report } from '../../src/report/model.js';
import { analyzeCaptures } from '../report/pipeline.js';
import { findAll, parseXml, type XmlElement } from '../report/xml.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ABORT0 = 'fixtures/lab/accept-overflow-abort0-server.pcap';
export const SHARED_LAB = fileURLToPath(new URL('../../../shared/captures/lab/', import.meta.url));
export const SLOW_ABORT1 = `${SHARED_LAB}slow-acceptor-abort1/server.pcap`;
export const SYN_FLOOD = `${SHARED_LAB}syn-flood-cookies/server.pcap`;

export const have = (p: string): boolean => existsSync(p.startsWith('/') ? p : `${ROOT}${p}`);

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
