// `tcpdiag explain [ID]`: the catalog of signatures and findings, one entry or the list.

import type { Command } from 'commander';
import { findEntry, similarIds } from '../knowledge/catalog.js';
import { renderEntry, renderList } from '../knowledge/explain-render.js';
import { withWidth } from '../knowledge/output-style.js';
import { documentPrinter } from '../report/printer.js';
import { action, addOutputOptions, subcommand, textStyle, usageError, writeTo, type OutputOptions } from './command.js';
import { Output } from './output.js';

const FORMATS = ['text', 'markdown', 'json'] as const;

type ExplainOptions = OutputOptions<(typeof FORMATS)[number]>;

export function addExplainCommand(program: Command): void {
  const cmd = subcommand(program, 'explain')
    .description('explain a signature or finding: how it looks on the wire, what the kernel does, look-alikes, how to confirm and fix it')
    .argument('[id]', 'signature or finding id; without it, list every id');
  addOutputOptions(cmd, FORMATS)
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag explain
  $ tcpdiag explain synack-retransmit-after-ack
  $ tcpdiag explain accept-queue-overflow --format markdown --output accept-queue-overflow.md`,
    )
    .action(action('explain', (id: string | undefined, options: ExplainOptions) => runExplain(cmd, id, options)));
}

async function runExplain(cmd: Command, id: string | undefined, o: ExplainOptions): Promise<number> {
  const entry = id === undefined ? undefined : findEntry(id);
  if (id !== undefined && !entry) {
    const similar = similarIds(id);
    const hint = similar.length > 0 ? `close matches: ${similar.join(', ')}` : 'run `tcpdiag explain` for the list';
    usageError(cmd, `unknown id "${id}"; ${hint}`);
  }
  const out = new Output(o.output);
  const style = textStyle(o, out);
  const printer = documentPrinter(out, () =>
    withWidth(style.width, () => (entry ? renderEntry(entry, o.format, style.color) : renderList(o.format, style.color))),
  );
  return writeTo(out, () => {
    printer.print(undefined);
    printer.finish();
    return 0;
  });
}
