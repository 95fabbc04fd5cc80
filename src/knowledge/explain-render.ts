// Renders catalog entries (one, or the list of all) as text, markdown or JSON.

import type { ChalkInstance } from 'chalk';
import { CATALOG, explainCommandFor, findEntry } from './catalog.js';
import type { CatalogEntry } from './catalog/types.js';
import { mdCode, mdInline, mdTable } from './markdown.js';
import { bullet, makeStyle, wrap, type OutputFormat } from './output-style.js';

const SOURCE_DOC = 'docs/kernel.md';

// Errors first in the list: they are what an operator in an incident looks for.
const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** A paragraph split into prose lines and "- " list items (catalog texts use both). */
interface Block {
  kind: 'prose' | 'item';
  text: string;
}

function blocks(paragraph: string): Block[] {
  return paragraph.split('\n').map((line) =>
    line.startsWith('- ') ? { kind: 'item', text: line.slice(2) } : { kind: 'prose', text: line },
  );
}

function kindLabel(entry: CatalogEntry): string {
  const kind = entry.kind === 'both' ? 'signature and finding' : entry.kind;
  return entry.severity ? `${kind}, ${entry.severity}` : kind;
}

function sourcesLine(entry: CatalogEntry): string {
  return entry.sources.length > 0
    ? `Sources: ${SOURCE_DOC} (tcpdiag's kernel reference) ${entry.sources.join(', ')}`
    : 'Sources: tcpdiag itself';
}

export function renderEntry(entry: CatalogEntry, format: OutputFormat, style: ChalkInstance = makeStyle(false)): string {
  if (format === 'json') return JSON.stringify({ ...entry, command: explainCommandFor(entry.id) }, null, 2) + '\n';
  return format === 'markdown' ? entryMarkdown(entry) : entryText(entry, style);
}

export function renderList(format: OutputFormat, style: ChalkInstance = makeStyle(false)): string {
  if (format === 'json') {
    const list = CATALOG.map((e) => ({
      id: e.id,
      kind: e.kind,
      ...(e.severity ? { severity: e.severity } : {}),
      title: e.title,
      summary: e.summary,
      command: explainCommandFor(e.id),
    }));
    return JSON.stringify(list, null, 2) + '\n';
  }
  const signatures = CATALOG.filter((e) => e.kind !== 'finding');
  const findings = CATALOG.filter((e) => e.kind !== 'signature').sort((a, b) => SEVERITY_RANK[a.severity ?? 'info'] - SEVERITY_RANK[b.severity ?? 'info']);
  if (format === 'markdown') {
    const table = (entries: CatalogEntry[], withSeverity: boolean): string =>
      mdTable(
        withSeverity ? ['id', 'severity', 'meaning'] : ['id', 'meaning'],
        entries.map((e) => [mdCode(e.id), ...(withSeverity ? [e.severity ?? ''] : []), mdInline(e.summary)]),
      );
    return [
      '# tcpdiag explain',
      '',
      '## Signatures (per connection)',
      '',
      table(signatures, false),
      '',
      '## Findings (per listener)',
      '',
      table(findings, true),
      '',
      `Run ${mdCode('tcpdiag explain ID')} for what each looks like on the wire, what the kernel does, how to confirm it and how to fix it.`,
      '',
    ].join('\n');
  }
  const idWidth = Math.max(...CATALOG.map((e) => e.id.length)) + 2;
  const row = (e: CatalogEntry, severity: string): string =>
    wrap(e.summary, ' '.repeat(idWidth + 11), undefined, `  ${style.cyan(e.id.padEnd(idWidth))}${severity}`);
  return [
    style.bold('Signatures (per connection)'),
    ...signatures.map((e) => row(e, ' '.repeat(9))),
    '',
    style.bold('Findings (per listener)'),
    ...findings.map((e) => row(e, severityText(e, style))),
    '',
    wrap('Run `tcpdiag explain ID` for what each looks like on the wire, what the kernel does, how to confirm it and how to fix it.'),
    '',
  ].join('\n');
}

function severityText(entry: CatalogEntry, style: ChalkInstance): string {
  const label = entry.severity ?? '';
  // Pad before colouring so escape codes do not break the column.
  const padded = label.padEnd(9);
  if (entry.severity === 'error') return style.red(padded);
  if (entry.severity === 'warning') return style.yellow(padded);
  return padded;
}

function entryText(entry: CatalogEntry, style: ChalkInstance): string {
  const out: string[] = [];
  const heading = (title: string): void => {
    out.push('', style.bold(title.toUpperCase()));
  };
  const paragraph = (text: string, indent = '  '): void => {
    for (const b of blocks(text)) out.push(b.kind === 'item' ? bullet(b.text, indent) : wrap(b.text, indent));
  };
  const paragraphs = (texts: readonly string[]): void => {
    texts.forEach((text, i) => {
      if (i > 0) out.push('');
      paragraph(text);
    });
  };

  out.push(`${style.bold.cyan(entry.id)} — ${style.bold(entry.title)}`);
  out.push(style.dim(`${kindLabel(entry)} · ${sourcesLine(entry)}`));
  out.push(wrap(entry.summary));

  heading('On the wire');
  paragraphs(entry.wire.pattern);
  out.push('', wrap(entry.wire.server, '    ', undefined, '  At the server: '));
  out.push('', wrap(entry.wire.client, '    ', undefined, '  At the client: '));

  heading('What the kernel does');
  paragraphs(entry.kernel);

  heading('Look-alikes and how tcpdiag tells them apart');
  paragraphs(entry.lookAlikes);

  heading('Confirm on the host');
  for (const step of entry.confirm) {
    if (step.command) out.push(`  ${style.green('$ ' + step.command)}`);
    paragraph(step.text, '    ');
  }

  heading('Fix');
  paragraphs(entry.fix);

  heading('Kernel versions');
  paragraphs(entry.kernels);

  if (entry.related.length > 0) {
    heading('See also');
    for (const id of entry.related) out.push(`  ${explainCommandFor(id)}${relatedTitle(id)}`);
  }
  return out.join('\n') + '\n';
}

function relatedTitle(id: string): string {
  const related = findEntry(id);
  return related ? ` — ${related.title}` : '';
}

function entryMarkdown(entry: CatalogEntry): string {
  const out: string[] = [];
  const paragraph = (text: string): void => {
    let previous: Block['kind'] | undefined;
    for (const b of blocks(text)) {
      // A blank line between prose and list keeps every markdown renderer from merging them.
      if (previous !== undefined && previous !== b.kind) out.push('');
      out.push(b.kind === 'item' ? `- ${mdInline(b.text)}` : mdInline(b.text));
      previous = b.kind;
    }
    out.push('');
  };
  const paragraphs = (texts: readonly string[]): void => {
    for (const text of texts) paragraph(text);
  };
  const heading = (title: string): void => {
    out.push(`## ${title}`, '');
  };

  out.push(`# ${mdCode(entry.id)}: ${mdInline(entry.title)}`, '');
  out.push(`*${mdInline(kindLabel(entry))}* · ${mdInline(sourcesLine(entry))}`, '');
  paragraph(entry.summary);

  heading('On the wire');
  paragraphs(entry.wire.pattern);
  out.push(`**At the server:** ${mdInline(entry.wire.server)}`, '');
  out.push(`**At the client:** ${mdInline(entry.wire.client)}`, '');

  heading('What the kernel does');
  paragraphs(entry.kernel);

  heading('Look-alikes and how tcpdiag tells them apart');
  paragraphs(entry.lookAlikes);

  heading('Confirm on the host');
  for (const step of entry.confirm) {
    if (step.command) out.push('```sh', step.command, '```', '');
    paragraph(step.text);
  }

  heading('Fix');
  paragraphs(entry.fix);

  heading('Kernel versions');
  paragraphs(entry.kernels);

  if (entry.related.length > 0) {
    heading('See also');
    for (const id of entry.related) out.push(`- ${mdCode(explainCommandFor(id))}${mdInline(relatedTitle(id))}`);
    out.push('');
  }
  return out.join('\n');
}
