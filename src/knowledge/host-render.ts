// Prints a HostReport as text or JSON.

import type { ChalkInstance } from 'chalk';
import { explainCommandFor } from './catalog.js';
import type { CounterChange, HostReport, ListenerRow } from './host-report.js';
import { bullet, makeStyle } from './output-style.js';
import { citingKernelDoc, KERNEL_DOC } from './kernel-doc.js';

export function renderHost(report: HostReport, format: 'text' | 'json', style: ChalkInstance = makeStyle(false)): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  const out: string[] = [];
  const portNote = report.port === null ? '' : `, port ${report.port}`;
  out.push(style.bold(`Host check — Linux ${report.kernelRelease}, counters over ${report.intervalSeconds} s${portNote}`));

  out.push('', style.bold('Listen-queue counters that moved'));
  if (report.moved.length === 0) out.push('  none — no listener dropped anything in this interval');
  for (const c of report.moved) out.push(...counterLines(c, style, true));
  if (report.missing.length > 0) out.push(`  (not on this kernel: ${report.missing.join(', ')})`);

  if (report.context.length > 0) {
    out.push('', style.bold('Other TCP counters that moved'));
    for (const c of report.context) out.push(...counterLines(c, style, false));
  }

  out.push('', style.bold('Settings'));
  for (const s of report.sysctls) {
    const value = s.value === null ? 'unreadable' : String(s.value);
    out.push(`  ${s.name.padEnd(31)} ${value.padStart(10)}  ${style.dim(citingKernelDoc(s.note))}`);
  }

  out.push('', style.bold('Listeners (st=0A in /proc/net/tcp, tcp6)'));
  if (report.listeners.length === 0) {
    out.push(report.port === null ? '  none' : `  none on port ${report.port}`);
  } else {
    out.push(`  ${'local address'.padEnd(40)} ${'Recv-Q'.padStart(7)} ${'Send-Q'.padStart(7)} ${'SYN-RECV'.padStart(8)}  state`);
    for (const l of report.listeners) out.push(listenerLine(l, style));
    if (report.listeners.some((l) => l.state === 'full' || l.state === 'nearly full')) {
      out.push(
        '',
        bullet(
          `Recv-Q is the number of connections waiting for accept(), Send-Q the limit min(backlog, somaxconn); a full queue shows Recv-Q = Send-Q+1. See \`${explainCommandFor('accept-queue-overflow')}\` and \`tcpdiag queues --backlog N --host\`.`,
        ),
      );
    }
  }

  if (report.notes.length > 0) {
    out.push('', style.bold('Notes'));
    for (const n of report.notes) out.push(bullet(citingKernelDoc(n)));
  }
  out.push('', style.dim(`§ = a section of ${KERNEL_DOC}, tcpdiag's kernel reference (in the package and the repository)`));
  return out.join('\n') + '\n';
}

function counterLines(c: CounterChange, style: ChalkInstance, highlight: boolean): string[] {
  const delta = `+${c.delta}`;
  const rate = `${formatRate(c.perSecond)}/s`;
  const name = highlight ? style.yellow(c.name.padEnd(28)) : c.name.padEnd(28);
  const lines = [`  ${name} ${delta.padStart(9)} ${rate.padStart(10)}  ${c.meaning}`];
  if (c.explain) lines.push(`  ${' '.repeat(50)}${style.dim(`→ ${explainCommandFor(c.explain)}`)}`);
  return lines;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 100) return perSecond.toFixed(0);
  if (perSecond >= 1) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

function listenerLine(l: ListenerRow, style: ChalkInstance): string {
  const endpoint = l.family === 6 ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
  const limit = l.limit === null ? '?' : String(l.limit);
  const state =
    l.state === 'full' ? style.red.bold('FULL') : l.state === 'nearly full' ? style.yellow('nearly full') : l.state === 'ok' ? 'ok' : style.dim('limit unknown');
  return `  ${endpoint.padEnd(40)} ${String(l.acceptQueue).padStart(7)} ${limit.padStart(7)} ${String(l.synRecv).padStart(8)}  ${state}`;
}
