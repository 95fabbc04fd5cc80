// `tcpdiag explain [ID]`: the catalog of signatures and findings, one entry or the list. Its definition;
// what it runs is explain-run.ts, loaded by the action.

import type { Command } from 'commander';
import { EXPLAIN_FORMATS } from './choices.js';
import { action, addOutputOptions, subcommand } from './command.js';
import type { ExplainOptions } from './explain-run.js';

export function addExplainCommand(program: Command): void {
  const cmd = subcommand(program, 'explain')
    .description('explain a signature or finding: how it looks on the wire, what the kernel does, look-alikes, how to confirm and fix it')
    .argument('[id]', 'signature or finding id; without it, list every id');
  addOutputOptions(cmd, EXPLAIN_FORMATS)
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag explain
  $ tcpdiag explain synack-retransmit-after-ack
  $ tcpdiag explain accept-queue-overflow --format markdown --output accept-queue-overflow.md`,
    )
    .action(action('explain', async (id: string | undefined, options: ExplainOptions) => (await import('./explain-run.js')).runExplain(cmd, id, options)));
}
