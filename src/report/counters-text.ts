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

export function countersText(path: string, c: CountersReport, color: ChalkInstance): string {
  const out: string[] = [];
  const verdict = c.agree === null ? color.yellow('nothing to compare') : c.agree ? color.green('capture and kernel agree') : color.red('capture and kernel do NOT agree');
  out.push(`${color.bold('Kernel counters')} for ${stripControl(path)}: ${verdict}`);
  out.push(`  before: ${reading(c.before)}`);
  out.push(`  after:  ${reading(c.after)}`);
  const span = [
    c.intervalSeconds !== null ? `${c.intervalSeconds.toFixed(1)} s between the readings` : 'readings without times',
    c.captureSeconds !== null ? `capture ${c.captureSeconds.toFixed(1)} s` : null,
    c.captureWithinInterval === null ? null : c.captureWithinInterval ? 'capture within the interval' : 'capture NOT within the interval',
    `tolerance ±${c.tolerance.relative * 100}% (at least ±${c.tolerance.absolute})`,
  ].filter((x): x is string => x !== null);
  out.push(`  ${span.join(', ')}`);
  const names = Object.keys(c.compared);
  const w = Math.max(...names.map((n) => n.length));
  out.push(`  ${'counter'.padEnd(w)}  ${'capture'.padStart(7)}  ${'kernel'.padStart(7)}  agree`);
  for (const name of names) {
    const r = c.compared[name]!;
    const mark = r.agree === null ? color.dim('-') : r.agree ? color.green('yes') : color.red('NO');
    out.push(`  ${name.padEnd(w)}  ${String(r.capture ?? '-').padStart(7)}  ${String(r.kernel ?? '-').padStart(7)}  ${mark}${r.relation === 'lower-bound' ? color.dim(' (capture is a lower bound)') : ''}`);
  }
  for (const name of names) {
    const r = c.compared[name]!;
    if (r.agree === true && (r.capture ?? 0) === 0 && (r.kernel ?? 0) === 0) continue;
    out.push(`  ${color.dim(`${name}:`)} ${r.explanation}`);
  }
  const abort = c.abortOnOverflow;
  out.push(`  tcp_abort_on_overflow: ${abort.value}${abort.source === 'none' ? ' (neither the capture nor the readings tell)' : ` (from the ${abort.source === 'sysctl' ? 'sysctls in the readings' : 'capture'})`}`);
  for (const n of c.notes) out.push(`  ${color.dim('note:')} ${n}`);
  return out.join('\n');
}

/** Every capture's comparison, for the end of the text report ('' when --counters was not given). */
export function renderCountersText(r: Report, color: ChalkInstance): string {
  const blocks = r.captures.flatMap((c) => {
    const counters = (c as typeof c & { counters?: CountersReport }).counters;
    return counters ? [countersText(c.path, counters, color)] : [];
  });
  return blocks.length ? '\n' + blocks.join('\n\n') + '\n' : '';
}
