import { FINDING_IDS } from '../diagnose/registry.js';
import { failsAt, type FailOn } from '../diagnose/severity.js';
import type { EvidenceConnection } from '../diagnose/evidence.js';
import { escapeXml, escapeXmlAttr } from './escape.js';
import { evidenceFrames } from './markdown.js';
import { contextPlain } from './context-sections.js';
import type { CaptureReport, FindingReport, Report } from './model.js';

/*
 * `tcpdiag analyze --format junit`: JUnit XML for CI test reporters (GitLab,
 * Jenkins, GitHub actions). One <testsuite> per capture; per capture:
 *  - testcase `read`: an <error> when the capture could not be read at all
 *    (the checks are then <skipped>), passing otherwise (a partial read is
 *    noted in its <system-out>);
 *  - per check id with findings: one testcase `<id> <listener>` per finding,
 *    a <failure> when its severity is at or above failOn, passing (verdict in
 *    <system-out>) below it;
 *  - per check id without findings: one passing testcase `<id>`.
 * The checks are the registry's finding ids (diagnose/registry.ts), in its order.
 */

export type { FailOn } from '../diagnose/severity.js';

const attr = escapeXmlAttr;
const text = escapeXml;

interface Case {
  name: string;
  classname: string;
  kind: 'pass' | 'failure' | 'error' | 'skipped';
  message?: string;
  type?: string;
  body?: string;
  out?: string;
}

function fails(f: FindingReport, failOn: FailOn): boolean {
  return failsAt(f.severity, failOn);
}

function evidenceLine(e: EvidenceConnection): string[] {
  const frames = evidenceFrames(e).map(([label, n]) => `${label} ${n}`).join(', ');
  const lines = [`  ${e.client} -> ${e.server}, frames ${e.firstFrame}-${e.lastFrame}${frames ? ` (${frames})` : ''}${e.note ? `: ${e.note}` : ''}`];
  if (e.filter) lines.push(`    filter: ${e.filter}`);
  for (const x of e.inFiles ?? []) lines.push(`    in ${x.file}: frames ${x.firstFrame}-${x.lastFrame}, filter: ${x.filter}`);
  return lines;
}

function findingBody(f: FindingReport): string {
  const lines: string[] = [];
  lines.push(`${f.id} on ${f.listener} (${f.severity}): ${f.connections} connection${f.connections === 1 ? '' : 's'}`);
  lines.push(f.verdict);
  if (f.firstTime || f.lastTime) lines.push(`Seen: ${f.firstTime?.iso ?? '?'} -> ${f.lastTime?.iso ?? '?'}`);
  if (f.figures.length) {
    lines.push('', 'Figures:');
    for (const [k, v] of f.figures) lines.push(`  ${k}: ${v}`);
  }
  if (f.evidence.filter || f.evidence.connections.length) {
    lines.push('', 'Evidence:');
    if (f.evidence.filter) lines.push(`  Wireshark filter: ${f.evidence.filter}`);
    for (const e of f.evidence.connections) lines.push(...evidenceLine(e));
  }
  if (f.confidence) lines.push('', `Confidence: ${f.confidence}`);
  if (f.vantage) lines.push(`Seen from: the ${f.vantage} side`);
  if (f.alternatives?.length) {
    lines.push('', 'Could also be:');
    for (const a of f.alternatives) lines.push(`  - ${a.cause}: ${a.why}`);
  }
  if (f.caveats.length) {
    lines.push('', 'Caveats:');
    for (const c of f.caveats) lines.push(`  - ${c}`);
  }
  if (f.fix.length) {
    lines.push('', 'Fix:');
    for (const x of f.fix) lines.push(`  - ${x}`);
  }
  if (f.confirm.length) {
    lines.push('', 'Confirm on the host:');
    for (const x of f.confirm) lines.push(`  $ ${x}`);
  }
  if (f.explain) lines.push('', `More: ${f.explain}`);
  return lines.join('\n');
}

function readError(c: CaptureReport): string {
  return `${c.path}: ${c.error ?? ''}` +
    (c.errorOffset !== null ? ` (byte offset ${c.errorOffset}` + (c.errorFrame !== null ? `, frame ${c.errorFrame})` : ')') : '');
}

function casesOf(c: CaptureReport, findings: FindingReport[], failOn: FailOn, checks: readonly string[]): Case[] {
  const cases: Case[] = [];
  const unreadable = c.error !== null && c.packets === 0;
  if (unreadable) {
    cases.push({ name: 'read', classname: 'tcpdiag.read', kind: 'error', message: c.error ?? 'capture could not be read', type: 'read-error', body: readError(c) });
  } else {
    const notes: string[] = [`${c.packets} packets, ${c.connections} TCP connections, vantage ${c.vantage.vantage}`];
    if (c.partial || c.error !== null) notes.push(`partial: reading stopped early: ${readError(c)}`);
    for (const w of c.warnings) notes.push(`warning: ${w}`);
    cases.push({ name: 'read', classname: 'tcpdiag.read', kind: 'pass', out: notes.join('\n') });
  }
  for (const id of checks) {
    const classname = `tcpdiag.${id}`;
    if (unreadable) {
      cases.push({ name: id, classname, kind: 'skipped', message: 'the capture could not be read' });
      continue;
    }
    const mine = findings.filter((f) => f.id === id);
    if (mine.length === 0) {
      cases.push({ name: id, classname, kind: 'pass' });
      continue;
    }
    for (const f of mine) {
      const name = `${id} ${f.listener}`;
      if (fails(f, failOn)) cases.push({ name, classname, kind: 'failure', message: f.verdict, type: f.severity, body: findingBody(f) });
      else cases.push({ name, classname, kind: 'pass', out: `${f.severity} (below the --fail-on threshold ${failOn}):\n${findingBody(f)}` });
    }
  }
  return cases;
}

function renderCase(k: Case): string {
  const open = `    <testcase name="${attr(k.name)}" classname="${attr(k.classname)}" time="0"`;
  const inner: string[] = [];
  if (k.kind === 'failure' || k.kind === 'error') {
    inner.push(`      <${k.kind} message="${attr(k.message ?? '')}" type="${attr(k.type ?? '')}">${text(k.body ?? '')}</${k.kind}>`);
  } else if (k.kind === 'skipped') {
    inner.push(`      <skipped message="${attr(k.message ?? '')}"/>`);
  }
  if (k.out) inner.push(`      <system-out>${text(k.out)}</system-out>`);
  return inner.length ? `${open}>\n${inner.join('\n')}\n    </testcase>` : `${open}/>`;
}

/** xs:dateTime without a zone, as the JUnit XSD has it: the capture's first packet (UTC), to the second. */
function timestamp(c: CaptureReport): string | null {
  const iso = c.firstTime?.iso ?? '';
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(iso) ? iso.slice(0, 19) : null;
}

export function renderJunit(r: Report, failOn: FailOn, checks: readonly string[] = FINDING_IDS): string {
  const suites: string[] = [];
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const c of r.captures) {
    const cases = casesOf(c, r.findings.filter((f) => f.capture === c.path), failOn, checks);
    const n = { failure: 0, error: 0, skipped: 0 };
    for (const k of cases) if (k.kind !== 'pass') n[k.kind]++;
    tests += cases.length;
    failures += n.failure;
    errors += n.error;
    skipped += n.skipped;
    const ts = timestamp(c);
    // --counters and the correlation of several captures, as the text report has them.
    const context = contextPlain(r, c.path);
    const props: [string, string][] = [
      ['format', c.format ?? 'unknown'],
      ['packets', String(c.packets)],
      ['connections', String(c.connections)],
      ['vantage', c.vantage.vantage],
      ['partial', String(c.partial)],
      ['fail-on', failOn],
    ];
    suites.push(
      `  <testsuite name="${attr(c.path)}" tests="${cases.length}" failures="${n.failure}" errors="${n.error}" skipped="${n.skipped}" time="0"` +
        (ts ? ` timestamp="${ts}"` : '') + '>\n' +
        '    <properties>\n' +
        props.map(([k, v]) => `      <property name="${attr(k)}" value="${attr(v)}"/>`).join('\n') + '\n' +
        '    </properties>\n' +
        cases.map(renderCase).join('\n') + '\n' +
        (context ? `    <system-out>${text(context)}</system-out>\n` : '') +
        '  </testsuite>',
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="tcpdiag ${attr(r.version)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0">\n` +
    (suites.length ? suites.join('\n') + '\n' : '') +
    '</testsuites>\n'
  );
}
