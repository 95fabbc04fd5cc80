// `tcpdiag explain [ID]`: the catalog of signatures and findings, one entry or the list.

import type { Command } from 'commander';
import { findEntry, similarIds } from '../knowledge/catalog.js';
import { emit, usageError } from '../knowledge/emit.js';
import { renderEntry, renderList } from '../knowledge/explain-render.js';
import { colourWanted, makeStyle, parseFormat } from '../knowledge/output-style.js';

interface ExplainOptions {
  format: string;
  output?: string;
}

const FORMATS = ['text', 'markdown', 'json'] as const;

export function addExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('explain a signature or finding: how it looks on the wire, what the kernel does, look-alikes, how to confirm and fix it')
    .argument('[id]', 'signature or finding id; without it, list every id')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--output <file>', 'write to FILE (atomically) instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag explain
  $ tcpdiag explain synack-retransmit-after-ack
  $ tcpdiag explain accept-queue-overflow --format markdown --output accept-queue-overflow.md`,
    )
    .action(async (id: string | undefined, options: ExplainOptions) => {
      process.exitCode = await runExplain(id, options);
    });
}

async function runExplain(id: string | undefined, options: ExplainOptions): Promise<number> {
  const format = parseFormat(options.format, FORMATS);
  if (!format) {
    usageError('explain', `unknown format "${options.format}" (use ${FORMATS.join(', ')})`);
    return 2;
  }
  const style = makeStyle(format === 'text' && colourWanted(options.output !== undefined));
  if (id === undefined) return emit('explain', renderList(format, style), options.output);

  const entry = findEntry(id);
  if (!entry) {
    const similar = similarIds(id);
    const hint = similar.length > 0 ? `close matches: ${similar.join(', ')}` : 'run `tcpdiag explain` for the list';
    usageError('explain', `unknown id "${id}"; ${hint}`);
    return 2;
  }
  return emit('explain', renderEntry(entry, format, style), options.output);
}
