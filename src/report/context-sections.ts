// What analyze adds beside the findings when it has it: the correlation of two or more captures of the
// same traffic, and the --counters comparison with the kernel. The text report prints them with
// correlation-text.ts and counters-text.ts; here the same words for Markdown, HTML and JUnit.

import { Chalk } from 'chalk';
import { correlationNotes, pairText } from './correlation-text.js';
import { countersOf, countersParts, countersText } from './counters-text.js';
import { codeSpan, escapeMarkdown as mdEsc, stripControl } from './escape.js';
import { escapeHtml as esc, proseHtml } from './html-escape.js';
import { scrollTable } from './html-charts.js';
import type { Report } from './model.js';

const plain = new Chalk({ level: 0 });

/** Words escaped for Markdown, `code` kept as code spans. */
function md(s: string): string {
  return s.split(/`([^`\r\n]+)`/).map((part, i) => (i % 2 === 1 ? codeSpan(part) : mdEsc(part))).join('');
}

/** Each pair as a heading line and its details, and the notes, in plain words. */
function correlationPlain(r: Report): { pairs: { head: string; lines: string[] }[]; notes: string[] } | null {
  const c = r.correlation;
  if (!c) return null;
  const pairs = c.pairs.map((p) => {
    const [head, ...lines] = pairText(p, plain);
    return { head: head!, lines: lines.map((l) => l.trim()) };
  });
  return { pairs, notes: correlationNotes(c, plain) };
}

function countered(r: Report) {
  return r.captures.flatMap((c) => {
    const k = countersOf(c);
    return k ? [{ path: c.path, parts: countersParts(k), report: k }] : [];
  });
}

/** `## Correlation` and `## Kernel counters`, or nothing. */
export function contextMarkdown(r: Report): string[] {
  const out: string[] = [];
  const corr = correlationPlain(r);
  if (corr) {
    out.push('## Correlation', '');
    for (const p of corr.pairs) {
      out.push(`- ${mdEsc(p.head)}`);
      for (const l of p.lines) out.push(`  - ${mdEsc(l)}`);
    }
    for (const n of corr.notes) out.push(`- ${mdEsc(n)}`);
    out.push('');
  }
  const counters = countered(r);
  if (counters.length) {
    out.push('## Kernel counters', '');
    for (const { path, parts: p } of counters) {
      out.push(`### ${mdEsc(stripControl(path))}: ${p.verdict === 'disagree' ? '**capture and kernel do NOT agree**' : p.verdictText}`, '');
      out.push(`Before: ${mdEsc(p.before)}. After: ${mdEsc(p.after)}. ${mdEsc(p.span)}.`, '');
      out.push('| Counter | Capture | Kernel | Agree |', '|---|---:|---:|---|');
      for (const x of p.rows) out.push(`| ${codeSpan(x.name, { table: true })} | ${x.capture} | ${x.kernel} | ${x.agree === 'NO' ? '**NO**' : x.agree}${x.lowerBound ? ' (capture is a lower bound)' : ''} |`);
      out.push('');
      for (const x of p.explanations) out.push(`- ${codeSpan(x.name)}: ${md(x.text)}`);
      out.push(`- ${codeSpan('tcp_abort_on_overflow')}: ${mdEsc(p.abort)}`);
      for (const n of p.notes) out.push(`- Note: ${md(n)}`);
      out.push('');
    }
  }
  return out;
}

/** `<section id="correlation">` and `<section id="counters">`, or ''. */
export function contextHtml(r: Report): string {
  const out: string[] = [];
  const corr = correlationPlain(r);
  if (corr) {
    out.push('<section id="correlation"><h2>Correlation</h2>');
    for (const p of corr.pairs) out.push(`<p><strong>${esc(p.head)}</strong></p>`, `<ul>${p.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
    if (corr.notes.length) out.push(`<ul class="notes">${corr.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
    out.push('</section>');
  }
  const counters = countered(r);
  if (counters.length) {
    out.push('<section id="counters"><h2>Kernel counters</h2>');
    for (const { path, parts: p } of counters) {
      const cls = p.verdict === 'disagree' ? 'bad' : p.verdict === 'agree' ? 'good' : '';
      out.push(`<h3><code class="path">${esc(stripControl(path))}</code>: <span${cls ? ` class="${cls}"` : ''}>${esc(p.verdictText)}</span></h3>`);
      out.push(`<p>Before: ${esc(p.before)}. After: ${esc(p.after)}. ${esc(p.span)}.</p>`);
      out.push(
        scrollTable(
          ['Counter', 'Capture', 'Kernel', 'Agree'],
          p.rows.map((x) => [`<code>${esc(x.name)}</code>`, esc(x.capture), esc(x.kernel), `${x.agree === 'NO' ? '<strong class="bad">NO</strong>' : esc(x.agree)}${x.lowerBound ? ' (capture is a lower bound)' : ''}`]),
          { numeric: [false, true, true, false], cls: 'counters' },
        ),
      );
      const items = [...p.explanations.map((x) => `<li><code>${esc(x.name)}</code>: ${proseHtml(x.text)}</li>`), `<li><code>tcp_abort_on_overflow</code>: ${esc(p.abort)}</li>`, ...p.notes.map((n) => `<li>Note: ${proseHtml(n)}</li>`)];
      out.push(`<ul>${items.join('')}</ul>`);
    }
    out.push('</section>');
  }
  return out.join('\n');
}

/** For a capture's JUnit test suite: its kernel counters and the pairs it is in, as the text report says them. */
export function contextPlain(r: Report, path: string): string {
  const blocks: string[] = [];
  const k = r.captures.find((c) => c.path === path);
  const counters = k ? countersOf(k) : undefined;
  if (counters) blocks.push(countersText(path, counters, plain));
  const c = r.correlation;
  if (c) {
    for (const p of c.pairs) if (p.captures.includes(path)) blocks.push(pairText(p, plain).join('\n'));
    const notes = correlationNotes(c, plain).filter((n) => n.includes(stripControl(path)));
    if (notes.length) blocks.push(notes.join('\n'));
  }
  return blocks.join('\n\n');
}
