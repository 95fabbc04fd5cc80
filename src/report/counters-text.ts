// The `--counters` comparison in the terminal report: per capture, each counter beside what the
// capture shows, whether they agree, and why not.

import type { ChalkInstance } from 'chalk';
import type { CountersReport } from './counters-model.js';
import type { Report } from './model.js';
import { stripControl } from './escape.js';

function reading(r: CountersReport['before']): string {
  const bits = [r.format, r.time, r.hostname, r.netns].filter((x): x is string => x !== null);
  return `${stripControl(r.file)}${r.part !== null ? ` #${r.part}` : ''} (${stripControl(bits.join(', '))})`;
}

/** The comparison's lines in plain words, for every format to lay out its own way. */
export interface CountersParts {
  verdict: 'agree' | 'disagree' | 'nothing';
  verdictText: string;
  before: string;
  after: string;
  span: string;
  rows: { name: string; capture: string; kernel: string; agree: 'yes' | 'NO' | '-'; lowerBound: boolean }[];
  /** `name: why`, for the counters that are not zero on both sides or that disagree. */
  explanations: { name: string; text: string }[];
  abort: string;
  notes: string[];
}

export function countersParts(c: CountersReport): CountersParts {
  const verdict = c.agree === null ? 'nothing' : c.agree ? 'agree' : 'disagree';
  const span = [
    c.intervalSeconds !== null ? `${c.intervalSeconds.toFixed(1)} s between the readings` : 'readings without times',
    c.captureSeconds !== null ? `capture ${c.captureSeconds.toFixed(1)} s` : null,
    c.captureWithinInterval === null ? null : c.captureWithinInterval ? 'capture within the interval' : 'capture NOT within the interval',
    `tolerance ±${c.tolerance.relative * 100}% (at least ±${c.tolerance.absolute})`,
  ].filter((x): x is string => x !== null);
  const names = Object.keys(c.compared);
  const abort = c.abortOnOverflow;
  return {
    verdict,
    verdictText: verdict === 'nothing' ? 'nothing to compare' : verdict === 'agree' ? 'capture and kernel agree' : 'capture and kernel do NOT agree',
    before: reading(c.before),
    after: reading(c.after),
    span: span.join(', '),
    rows: names.map((name) => {
      const r = c.compared[name]!;
      return { name, capture: String(r.capture ?? '-'), kernel: String(r.kernel ?? '-'), agree: r.agree === null ? '-' : r.agree ? 'yes' : 'NO', lowerBound: r.relation === 'lower-bound' };
    }),
    explanations: names
      .filter((name) => {
        const r = c.compared[name]!;
        return !(r.agree === true && (r.capture ?? 0) === 0 && (r.kernel ?? 0) === 0);
      })
      .map((name) => ({ name, text: c.compared[name]!.explanation })),
    abort: `${abort.value}${abort.source === 'none' ? ' (neither the capture nor the readings tell)' : ` (from the ${abort.source === 'sysctl' ? 'sysctls in the readings' : 'capture'})`}`,
    notes: c.notes,
  };
}

export function countersText(path: string, c: CountersReport, color: ChalkInstance): string {
  const p = countersParts(c);
  const out: string[] = [];
  const verdict = p.verdict === 'nothing' ? color.yellow(p.verdictText) : p.verdict === 'agree' ? color.green(p.verdictText) : color.red(p.verdictText);
  out.push(`${color.bold('Kernel counters')} for ${stripControl(path)}: ${verdict}`);
  out.push(`  before: ${p.before}`);
  out.push(`  after:  ${p.after}`);
  out.push(`  ${p.span}`);
  const w = Math.max(...p.rows.map((r) => r.name.length));
  out.push(`  ${'counter'.padEnd(w)}  ${'capture'.padStart(7)}  ${'kernel'.padStart(7)}  agree`);
  for (const r of p.rows) {
    const mark = r.agree === '-' ? color.dim('-') : r.agree === 'yes' ? color.green('yes') : color.red('NO');
    out.push(`  ${r.name.padEnd(w)}  ${r.capture.padStart(7)}  ${r.kernel.padStart(7)}  ${mark}${r.lowerBound ? color.dim(' (capture is a lower bound)') : ''}`);
  }
  for (const x of p.explanations) out.push(`  ${color.dim(`${x.name}:`)} ${x.text}`);
  out.push(`  tcp_abort_on_overflow: ${p.abort}`);
  for (const n of p.notes) out.push(`  ${color.dim('note:')} ${n}`);
  return out.join('\n');
}

/** A capture's --counters comparison, when it has one. */
export function countersOf(c: Report['captures'][number]): CountersReport | undefined {
  return (c as typeof c & { counters?: CountersReport }).counters;
}

/** Every capture's comparison, for the end of the text report ('' when --counters was not given). */
export function renderCountersText(r: Report, color: ChalkInstance): string {
  const blocks = r.captures.flatMap((c) => {
    const counters = countersOf(c);
    return counters ? [countersText(c.path, counters, color)] : [];
  });
  return blocks.length ? '\n' + blocks.join('\n\n') + '\n' : '';
}
