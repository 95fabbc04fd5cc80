import type { ChalkInstance } from 'chalk';
import { digitsOf, type CaptureReport, type FindingReport, type Report } from './model.js';
import { stripControl } from './escape.js';
import { renderSummaryText } from './summary.js';
import { duration, measuredDuration } from '../diagnose/duration.js';
import { count, figureValue, integer as n, proseNumbers } from './units.js';

/**
 * ` (byte offset N, frame M)` when reading stopped inside the capture's data; nothing when it never got
 * there (a file that could not be opened, an empty file, one that is not a capture at all: its first
 * bytes are named in the message). The offset alone when the file header itself was wrong past byte 0.
 */
export function errorLocation(c: Pick<CaptureReport, 'format' | 'errorOffset' | 'errorFrame'>): string {
  if (c.errorOffset === null) return '';
  if (c.format !== null && c.errorFrame !== null) return ` (byte offset ${c.errorOffset}, frame ${c.errorFrame})`;
  return c.errorOffset > 0 ? ` (byte offset ${c.errorOffset})` : '';
}

export function captureLine(c: CaptureReport, color: ChalkInstance): string {
  const parts = [
    color.bold(stripControl(c.path)),
    `${c.format ?? 'unreadable'}${c.gzip ? '.gz' : ''} ${c.linkTypes.join(',')}`.trim(),
    `${n(c.packets)} packets (${n(c.tcp)} TCP, ${n(c.otherIp)} other IP, ${n(c.nonIp)} non-IP, ${n(c.truncated)} truncated, ${n(c.malformed)} malformed${c.outsideWindow ? `, ${n(c.outsideWindow)} outside --since/--until` : ''})`,
    duration(c.duration, { digits: 1, missing: '-', precision: digitsOf(c) }),
    count(c.connections, 'connection'),
  ];
  const v = c.vantage;
  parts.push(`vantage: ${v.vantage}${v.synToSynAck !== null ? ` (SYN→SYN-ACK ${measuredDuration(v.synToSynAck, digitsOf(c))}, SYN-ACK→ACK ${measuredDuration(v.synAckToAck, digitsOf(c))})` : ''}`);
  // A proxy's capture: each listener's own side (its findings say it too).
  if (v.vantage === 'mixed') {
    const each = c.listeners.slice(0, 6).map((l) => `${l.listener} ${l.vantage}`);
    parts.push(`listeners seen from: ${each.join(', ')}${c.listeners.length > 6 ? `, +${c.listeners.length - 6} more` : ''}`);
  }
  let line = parts.join('  ');
  if (c.error) {
    const what = c.packets > 0 ? 'partial: reading stopped' : 'unreadable';
    line += `\n  ${color.red(what)}: ${stripControl(c.path)}: ${stripControl(c.error)}${errorLocation(c)}`;
  }
  for (const w of c.warnings) line += `\n  ${color.yellow('warning')}: ${stripControl(w)}`;
  return line;
}

function severityLabel(f: FindingReport, color: ChalkInstance): string {
  const s = f.severity.toUpperCase().padEnd(7);
  return f.severity === 'error' ? color.red.bold(s) : f.severity === 'warning' ? color.yellow.bold(s) : color.cyan(s);
}

/**
 * Prose folded at `width` columns, continuation lines indented by `indent`; as it is when width is null
 * (not a terminal: a file or a pipe keeps one line per item, for grep).
 */
export function fold(text: string, width: number | null, indent: string, first = indent): string {
  if (width === null || first.length + text.length <= width) return first + text;
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** `withCapture`: the finding's line names its capture (a report of several captures). */
export function findingText(f: FindingReport, color: ChalkInstance, width: number | null = null, withCapture = false, withVantage = false): string {
  const out: string[] = [];
  const where = withCapture ? `  ${color.dim('in')} ${stripControl(f.capture)}` : '';
  out.push(`${severityLabel(f, color)} ${color.bold(f.id)}  ${f.listener}  ${count(f.connections, 'connection')}${where}`);
  out.push(fold(proseNumbers(f.verdict), width, '  '));
  const w = Math.max(...f.figures.map(([k]) => k.length), 0);
  for (const [k, v] of f.figures) out.push(`    ${k.padEnd(w)}  ${figureValue(v)}`);
  if (f.episodes.length > 0) {
    const eps = f.episodes.slice(0, 5).map((e) => `${e.start.iso} → ${e.end.iso} (${e.connections})`);
    out.push(`    ${'episodes'.padEnd(w)}  ${eps.join('; ')}${f.episodes.length > 5 ? `; +${f.episodes.length - 5} more` : ''}`);
  }
  // Folded on the plain prefix, then coloured: escape codes take no columns.
  for (const c of f.caveats) out.push(fold(c, width, '        ', '  note: ').replace('note:', color.dim('note:')));
  // In a capture whose listeners were seen from different sides (a proxy): this one's.
  if (withVantage && f.vantage) out.push(`  ${color.dim('seen from:')} the ${f.vantage} side`);
  if (f.confidence) out.push(`  ${color.dim('confidence:')} ${f.confidence}`);
  for (const a of f.alternatives ?? []) out.push(fold(`${a.cause}: ${a.why}`, width, '          ', '    or: ').replace('or:', color.dim('or:')));
  if (f.evidence.connections.length > 0) {
    out.push('  Evidence:');
    for (const e of f.evidence.connections) {
      const fr = Object.entries(e.frames).map(([k, v]) => `${k} ${v}`).join(', ');
      out.push(`    ${e.client} → ${e.server}  frames ${fr}`);
      if (e.note) out.push(`      ${e.note}`);
      out.push(`      ${color.dim('wireshark:')} ${e.filter}`);
      for (const x of e.inFiles ?? []) {
        out.push(`      ${color.dim('in')} ${stripControl(x.file)}${color.dim(':')} frames ${x.firstFrame}–${x.lastFrame}  ${color.dim('wireshark:')} ${x.filter}`);
      }
    }
  }
  if (f.evidence.filter) out.push(`    ${color.dim('all of it:')} ${f.evidence.filter}`);
  if (f.fix.length > 0) {
    out.push('  Fix:');
    for (const x of f.fix) out.push(fold(x, width, '      ', '    - '));
  }
  if (f.confirm.length > 0) {
    out.push('  Confirm on the host:');
    for (const x of f.confirm) out.push(`    $ ${x}`);
  }
  out.push(`  ${color.dim('More:')} ${f.explain}`);
  return out.join('\n');
}

/** The terminal report: per capture a summary line, then its findings, most severe first. */
export function renderText(r: Report, color: ChalkInstance, quiet: boolean, width: number | null = null, summary = r.captures.length > 1 && !quiet): string {
  const blocks: string[] = [];
  const fl = r.filters;
  const kept = [...fl.listeners, ...fl.ports.map((p) => `port ${p}`), ...(fl.since ? [`since ${fl.since}`] : []), ...(fl.until ? [`until ${fl.until}`] : [])];
  if (!quiet && kept.length) blocks.push(color.dim(`filtered: only ${kept.join(', ')}`));
  for (const c of r.captures) {
    const fs = r.findings.filter((f) => f.capture === c.path);
    if (!quiet) blocks.push(captureLine(c, color));
    for (const f of fs) blocks.push(findingText(f, color, width, r.captures.length > 1, c.vantage.vantage === 'mixed'));
    if (quiet || fs.length > 0 || (c.error && c.packets === 0)) continue;
    const completed = c.listeners.reduce((sum, l) => sum + l.completed, 0);
    if (c.listeners.length === 0) blocks.push(color.yellow(`  nothing to diagnose: no TCP connection${kept.length ? ' matched the filters' : ' in the capture'}`));
    else if (completed === 0) blocks.push(color.yellow('  no findings, but no handshake was seen to complete: too little to judge by'));
    else blocks.push(color.green('  no findings: every handshake was answered normally'));
  }
  if (summary) {
    const table = renderSummaryText(r, color);
    if (table) blocks.push(table.trimEnd());
  }
  return blocks.length ? blocks.join('\n\n') + '\n' : '';
}
