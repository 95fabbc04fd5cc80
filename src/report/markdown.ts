import { SEVERITY_RANK, type Severity } from '../diagnose/severity.js';
import type { EvidenceConnection } from '../diagnose/evidence.js';
import { codeBlock, codeSpan, escapeMarkdown } from './escape.js';
import { duration, measuredDuration } from '../diagnose/duration.js';
import { figureValue, handshakesTimed, proseNumbers } from './units.js';
import { digitsOf, timeDigits, type CaptureReport, type FindingReport, type Report, type Time } from './model.js';
import { formatCount, plural } from './numbers.js';
import { OUTCOME_HEAD, OUTCOME_NUMERIC, outcomeRows } from './outcomes.js';
import { contextMarkdown } from './context-sections.js';

/*
 * `tcpdiag analyze --format markdown`: a report to paste into a postmortem.
 * GitHub-flavoured Markdown; links nothing (no URLs, images or raw HTML).
 * Capture-derived strings (paths, reader errors) go through escapeMarkdown;
 * the tool's own prose keeps its `code` spans but is escaped around them.
 */

const esc = escapeMarkdown;

/** Tool-authored prose: its `code` spans are kept as code, everything else is escaped. */
function prose(s: string, table = false): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(/`([^`\r\n]+)`/g)) {
    out += esc(s.slice(last, m.index));
    out += codeSpan(m[1]!, { table });
    last = m.index! + m[0].length;
  }
  return out + esc(s.slice(last));
}

const count = plural;
const num = formatCount;


function time(t: Time | null): string {
  return t ? esc(t.iso || String(t.epoch)) : 'n/a';
}

function severityLabel(s: Severity): string {
  return s === 'error' ? '**error**' : s;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: string[], rows: string[][], align?: ('l' | 'r')[]): string[] {
  const sep = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [row(head), row(sep), ...rows.map(row)];
}

function captureSummary(c: CaptureReport, multi: boolean): string[] {
  const out: string[] = [];
  out.push(`### ${multi ? 'Capture: ' : ''}${esc(c.path)}`, '');
  const rows: string[][] = [];
  rows.push(['File', esc(c.path)]);
  rows.push(['Format', c.format ? `${c.format}${c.gzip ? ' (gzip)' : ''}` : 'unknown' + (c.gzip ? ' (gzip)' : '')]);
  rows.push(['Link types', c.linkTypes.length ? c.linkTypes.map(esc).join(', ') : 'none']);
  rows.push(['Packets', num(c.packets)]);
  rows.push([
    'Decoded',
    `TCP ${num(c.tcp)}, other IP ${num(c.otherIp)}, non-IP ${num(c.nonIp)}, truncated ${num(c.truncated)}, malformed ${num(c.malformed)}` +
      (c.outsideWindow > 0 ? `, outside --since/--until ${num(c.outsideWindow)}` : ''),
  ]);
  rows.push(['Duration', c.duration === null ? 'n/a' : duration(c.duration, { precision: digitsOf(c) })]);
  rows.push(['First packet', time(c.firstTime)]);
  rows.push(['Last packet', time(c.lastTime)]);
  const v = c.vantage;
  rows.push([
    'Vantage point',
    `${v.vantage} (median SYN→SYN-ACK ${measuredDuration(v.synToSynAck, digitsOf(c))}, SYN-ACK→ACK ${measuredDuration(v.synAckToAck, digitsOf(c))}, over ${handshakesTimed(v)})`,
  ]);
  rows.push(['TCP connections', num(c.connections) + (c.evictions > 0 ? ` (${num(c.evictions)} evicted early)` : '')]);
  let status: string;
  if (c.error !== null && c.packets === 0) status = `**could not be read**: ${esc(c.error)}`;
  else if (c.partial || c.error !== null) {
    status = `**partial**: reading stopped` + (c.errorFrame !== null ? ` at frame ${c.errorFrame}` : '') +
      (c.errorOffset !== null ? ` (byte offset ${c.errorOffset})` : '') + (c.error !== null ? `: ${esc(c.error)}` : '');
  } else status = 'read completely';
  rows.push(['Read', status]);
  out.push(...table(['Capture', 'Value'], rows));
  if (c.warnings.length > 0) {
    out.push('', `Warnings (${num(c.warnings.length)}):`, '');
    for (const w of c.warnings) out.push(`- ${esc(w)}`);
  }
  out.push('');
  return out;
}

const FRAME_LABELS: [keyof EvidenceConnection['frames'], string][] = [
  ['syn', 'SYN'],
  ['synAck', 'SYN-ACK'],
  ['handshakeAck', 'handshake ACK'],
  ['firstData', 'first data'],
  ['synAckAfterAck', 'SYN-ACK after ACK'],
  ['serverAnswer', 'server answer'],
  ['rst', 'RST'],
];

/** The handshake events of an evidence connection, in frame order. */
export function evidenceFrames(e: EvidenceConnection): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, label] of FRAME_LABELS) {
    const n = e.frames[k];
    if (n !== undefined) out.push([label, n]);
  }
  return out.sort((a, b) => a[1] - b[1]);
}

function evidenceItem(e: EvidenceConnection): string[] {
  const frames = evidenceFrames(e).map(([label, n]) => `${label} #${n}`);
  const out = [`- ${esc(e.client)} → ${esc(e.server)}, frames ${e.firstFrame}–${e.lastFrame}` + (e.note ? `: ${prose(e.note)}` : '')];
  if (frames.length) out.push(`  - events: ${frames.join(', ')}`);
  if (e.signatures.length) out.push(`  - signatures: ${e.signatures.map((s) => esc(s)).join(', ')}`);
  if (e.filter) out.push(`  - filter: ${codeSpan(e.filter)}`);
  for (const x of e.inFiles ?? []) out.push(`  - in ${codeSpan(x.file)}: frames ${x.firstFrame}–${x.lastFrame}, filter ${codeSpan(x.filter)}`);
  return out;
}

function findingDetail(f: FindingReport, n: number, multi: boolean): string[] {
  const out: string[] = [];
  out.push(`### ${n}. ${esc(f.id)} on ${esc(f.listener)} (${f.severity})`, '');
  out.push(`**Verdict:** ${prose(proseNumbers(f.verdict))}`, '');
  const facts = [`Connections affected: ${num(f.connections)}`];
  if (multi) facts.unshift(`Capture: ${esc(f.capture)}`);
  if (f.firstTime || f.lastTime) facts.push(`Seen: ${time(f.firstTime)} → ${time(f.lastTime)}`);
  for (const x of facts) out.push(`- ${x}`);
  out.push('');
  if (f.figures.length > 0) {
    out.push(...table(['Figure', 'Value'], f.figures.map(([k, v]) => [prose(k, true), prose(figureValue(v), true)])), '');
  }
  if (f.episodes.length > 0) {
    out.push(`**Episodes** (${num(f.episodes.length)}):`, '');
    out.push(...table(['Start', 'End', 'Length', 'Connections'], f.episodes.map((e) => [time(e.start), time(e.end), duration(e.duration, { precision: timeDigits(e.start) }), num(e.connections)]), ['l', 'l', 'r', 'r']), '');
  }
  if (f.evidence.connections.length > 0 || f.evidence.filter) {
    out.push('**Evidence**', '');
    if (f.evidence.filter) out.push(`Wireshark display filter for the pattern: ${codeSpan(f.evidence.filter)}`, '');
    if (f.evidence.connections.length > 0) {
      out.push(`Example connections (${num(f.evidence.connections.length)}):`, '');
      for (const e of f.evidence.connections) out.push(...evidenceItem(e));
      out.push('');
    }
  }
  if (f.confidence) out.push(`**Confidence**: ${f.confidence}`, '');
  if (f.vantage) out.push(`**Seen from**: the ${f.vantage} side`, '');
  if (f.alternatives?.length) {
    out.push('**Could also be**', '');
    for (const a of f.alternatives) out.push(`- ${codeSpan(a.cause)}: ${prose(a.why)}`);
    out.push('');
  }
  if (f.caveats.length > 0) {
    out.push('**Caveats**', '');
    for (const c of f.caveats) out.push(`- ${prose(c)}`);
    out.push('');
  }
  if (f.fix.length > 0) {
    out.push('**Fix**', '');
    for (const x of f.fix) out.push(`- ${prose(x)}`);
    out.push('');
  }
  if (f.confirm.length > 0) {
    out.push('**Confirm on the host**', '', codeBlock(f.confirm, 'sh'), '');
  }
  if (f.explain) out.push(`More: ${codeSpan(f.explain)}`, '');
  return out;
}

function listenerTable(c: CaptureReport): string[] {
  if (c.listeners.length === 0) return ['No TCP listeners seen.', ''];
  return [
    ...table(
      OUTCOME_HEAD,
      outcomeRows(c).map((r) => [esc(r.listener), ...r.counts.map(formatCount), esc(r.vantage)]),
      OUTCOME_NUMERIC.map((numeric) => (numeric ? 'r' : 'l')),
    ),
    '',
  ];
}

export function renderMarkdown(r: Report): string {
  const multi = r.captures.length > 1;
  const out: string[] = [];
  out.push('# TCP handshake diagnosis', '');
  const bySev = (s: Severity) => r.findings.filter((f) => f.severity === s).length;
  out.push(
    `Generated by tcpdiag ${esc(r.version)} (report schema ${r.schemaVersion}) from ${count(r.captures.length, 'capture')}: ` +
      (r.findings.length === 0
        ? 'no findings.'
        : `${count(r.findings.length, 'finding')} (${bySev('error')} error, ${bySev('warning')} warning, ${bySev('info')} info).`),
    '',
  );

  const fl = r.filters;
  const kept = [
    ...fl.listeners.map((l) => `listener ${codeSpan(l)}`),
    ...fl.ports.map((p) => `port ${p}`),
    ...(fl.since ? [`since ${codeSpan(fl.since)}`] : []),
    ...(fl.until ? [`until ${codeSpan(fl.until)}`] : []),
  ];
  if (kept.length) out.push(`Filtered: only ${kept.join(', ')}.`, '');

  out.push(multi ? '## Captures' : '## Capture', '');
  for (const c of r.captures) out.push(...captureSummary(c, multi));

  out.push('## Findings', '');
  // Already sorted per capture; keep most severe first across captures too (stable).
  const findings = [...r.findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  if (findings.length === 0) {
    out.push(`**No findings**: no handshake failure pattern was detected in ${multi ? 'these captures' : 'this capture'}.`, '');
  } else {
    const head = ['#', 'Severity', 'Finding', ...(multi ? ['Capture'] : []), 'Listener', 'Connections', 'Verdict'];
    const rows = findings.map((f, i) => [
      String(i + 1),
      severityLabel(f.severity),
      esc(f.id),
      ...(multi ? [esc(f.capture)] : []),
      esc(f.listener),
      num(f.connections),
      prose(proseNumbers(f.verdict), true),
    ]);
    out.push(...table(head, rows), '');
    findings.forEach((f, i) => out.push(...findingDetail(f, i + 1, multi)));
  }

  out.push('## Connection outcomes per listener', '');
  for (const c of r.captures) {
    if (multi) out.push(`### ${esc(c.path)}`, '');
    out.push(...listenerTable(c));
  }
  out.push(...contextMarkdown(r));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
