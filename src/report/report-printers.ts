// `tcpdiag analyze`'s formats, each a Printer of the whole Report.

import { FINDING_IDS } from '../diagnose/registry.js';
import { renderHtml } from './html.js';
import { renderJunit, type FailOn } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import type { Ladder, Report } from './model.js';
import { documentPrinter, jsonPrinter, type Printer, type Sink, type TextStyle } from './printer.js';
import { renderText } from './text.js';
import { renderCountersText } from './counters-text.js';
import { renderCorrelationText } from './correlation-text.js';

import type { ReportFormat } from './formats.js';

export interface ReportPrintOptions {
  style: TextStyle;
  /** Text: findings only. */
  quiet: boolean;
  /** Text: the per-listener table across captures (default: when there are several). */
  summary?: boolean;
  /** JUnit: the severity at which a finding's case fails. */
  failOn: FailOn;
  /** HTML: the evidence connections' packets, for the ladder diagrams. */
  ladders: Ladder[];
}

/** One line per capture, then one per finding (then the correlation, if any), each a JSON object with its `type`. */
export function ndjsonReport(r: Report): string {
  return (
    [
      ...r.captures.map((c) => JSON.stringify({ type: 'capture', ...c })),
      ...r.findings.map((f) => JSON.stringify({ type: 'finding', ...f })),
      ...(r.correlation ? [JSON.stringify({ type: 'correlation', ...r.correlation })] : []),
    ].join('\n') + '\n'
  );
}

export function reportPrinter(format: ReportFormat, sink: Sink, o: ReportPrintOptions): Printer<Report> {
  switch (format) {
    case 'json':
      return jsonPrinter(sink);
    case 'ndjson':
      return documentPrinter(sink, ndjsonReport);
    case 'markdown':
      return documentPrinter(sink, renderMarkdown);
    case 'junit':
      return documentPrinter(sink, (r) => renderJunit(r, o.failOn, FINDING_IDS));
    case 'sarif':
      return documentPrinter(sink, (r) => renderSarif(r));
    case 'html':
      return documentPrinter(sink, (r) => renderHtml(r, o.ladders));
    case 'text':
      return documentPrinter(sink, (r) => renderText(r, o.style.color, o.quiet, o.style.width, o.summary ?? (r.captures.length > 1 && !o.quiet)) + renderCorrelationText(r, o.style.color) + renderCountersText(r, o.style.color));
  }
}
