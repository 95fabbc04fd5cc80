// Prints a QueueReport as text, markdown or JSON.

import type { ChalkInstance } from 'chalk';
import { mdInline, mdTable } from './markdown.js';
import { bullet, makeStyle, wrap, type OutputFormat } from './output-style.js';
import type { QueueReport, Setting } from './queues.js';
import type { Rule } from './rule.js';
import { citingKernelDoc, KERNEL_DOC } from './kernel-doc.js';

export function renderQueues(report: QueueReport, format: OutputFormat, style: ChalkInstance = makeStyle(false)): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (format === 'markdown') return renderMarkdown(report);
  return renderText(report, style);
}

function kernelLine(report: QueueReport): string {
  const origin = report.kernel.distro && report.kernel.source === 'distro' ? `${report.kernel.distro} kernel` : report.kernel.source;
  return `Linux ${report.kernel.label} (${origin})`;
}

function settingRows(report: QueueReport): Array<[string, Setting<number>]> {
  const s = report.settings;
  return [
    ['listen() backlog', s.backlog],
    ['net.core.somaxconn', s.somaxconn],
    ['net.ipv4.tcp_max_syn_backlog', s.maxSynBacklog],
    ['net.ipv4.tcp_syncookies', s.syncookies],
    ['net.ipv4.tcp_abort_on_overflow', s.abortOnOverflow],
    ['net.ipv4.tcp_synack_retries', s.synackRetries],
  ];
}

function synQueueHeadline(report: QueueReport): string {
  const q = report.synQueue;
  if (report.settings.syncookies.value === 2) return 'not used: every SYN gets a cookie (syncookies=2)';
  const test = q.fullTest === 'qlen > limit' ? `qlen > ${q.limit}` : `qlen ≥ ${q.limit}`;
  const unproven = q.holdsForUnprovenPeers < q.holds ? `; ${q.holdsForUnprovenPeers} for peers without cached RTT (¾ rule)` : '';
  return `holds ${q.holds} request socks (full when ${test})${unproven}`;
}

function ruleLine(rule: Rule): string {
  return citingKernelDoc(`${rule.text} [${rule.source}; ${rule.kernels}]`);
}

function renderText(report: QueueReport, style: ChalkInstance): string {
  const out: string[] = [];
  const a = report.acceptQueue;
  const section = (title: string): void => {
    out.push('', style.bold(title));
  };
  const rules = (list: Rule[]): void => {
    for (const r of list) out.push(bullet(ruleLine(r), '    '));
  };

  out.push(style.bold(`Listen queues for backlog ${report.settings.backlog.value} on ${kernelLine(report)}`));

  section('Accept queue (established connections waiting for accept())');
  out.push(`  size: Send-Q ${style.cyan(String(a.limit))}, holds ${style.cyan(String(a.holds))} connections before it is full`);
  rules(a.rules);
  out.push('  When it is full:');
  rules(a.whenFull);

  section('SYN queue (half-open connections: SYN-ACK sent, final ACK not yet received)');
  out.push(`  size: ${style.cyan(synQueueHeadline(report))}`);
  rules(report.synQueue.rules);
  out.push('  When it is full:');
  rules(report.synQueue.whenFull);

  section('SYN-ACK retransmission');
  rules(report.synAck.rules);

  section('Settings used');
  for (const [name, setting] of settingRows(report)) {
    const note = setting.note ? ` — ${citingKernelDoc(setting.note)}` : '';
    // The padded columns go in as the first-line prefix so wrapping cannot collapse them.
    out.push(wrap(`${setting.source}${note}`, ' '.repeat(43), undefined, `  ${name.padEnd(31)} ${String(setting.value).padStart(6)}  `));
  }

  if (report.notes.length > 0) {
    section('Notes');
    for (const note of report.notes) out.push(bullet(style.yellow(citingKernelDoc(note))));
  }
  out.push('', style.dim(`§ = a section of ${KERNEL_DOC}, tcpdiag's kernel reference (in the package and the repository)`));
  return out.join('\n') + '\n';
}

function renderMarkdown(report: QueueReport): string {
  const a = report.acceptQueue;
  const out: string[] = [];
  const rules = (list: Rule[]): void => {
    for (const r of list) out.push(citingKernelDoc(`- ${mdInline(r.text)} (${mdInline(r.source)}; ${mdInline(r.kernels)})`));
  };
  out.push(`# Listen queues for backlog ${report.settings.backlog.value} on ${mdInline(kernelLine(report))}`, '');
  out.push('## Accept queue', '', `Send-Q ${a.limit}; holds **${a.holds}** established connections before it is full.`, '');
  rules(a.rules);
  out.push('', 'When it is full:', '');
  rules(a.whenFull);
  out.push('', '## SYN queue', '', mdInline(synQueueHeadline(report)) + '.', '');
  rules(report.synQueue.rules);
  out.push('', 'When it is full:', '');
  rules(report.synQueue.whenFull);
  out.push('', '## SYN-ACK retransmission', '');
  rules(report.synAck.rules);
  out.push('', '## Settings used', '');
  out.push(
    mdTable(
      ['setting', 'value', 'source'],
      settingRows(report).map(([name, s]) => [
        mdInline(name),
        String(s.value),
        mdInline(s.note ? `${s.source} — ${citingKernelDoc(s.note)}` : s.source),
      ]),
    ),
  );
  if (report.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const note of report.notes) out.push(`- ${mdInline(citingKernelDoc(note))}`);
  }
  out.push('', `§ = a section of \`${KERNEL_DOC}\`, tcpdiag's kernel reference (in the package and the repository).`);
  return out.join('\n') + '\n';
}
