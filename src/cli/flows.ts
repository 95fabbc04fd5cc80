// `tcpdiag flows`: its arguments, options and help. What it runs is flows-run.ts, loaded by the action.

import type { Command } from 'commander';
import { FLOW_FORMATS } from '../report/formats.js';
import { addWindowOptions } from './analyze.js';
import type { FlowsOptions } from './flows-run.js';
import { action, addOutputOptions, subcommand } from './command.js';
import { parseListener, parseMaxConnections, parsePort } from './options.js';

export function addFlowsCommand(program: Command): void {
  const cmd = subcommand(program, 'flows')
    .description('one row per TCP connection: Zeek-style state and history, handshake timing, retransmits, signatures')
    .argument('<captures...>', 'pcap or pcapng files (gzip is fine), folders of them, or - for stdin');
  addOutputOptions(cmd, FLOW_FORMATS, 'the rows')
    .option('-q, --quiet', 'rows only', false)
    .option('--listener <ip:port>', 'keep only this server (repeatable; IPv6 as [addr]:port)', parseListener)
    .option('--port <n>', 'keep only servers on this port (repeatable)', parsePort);
  addWindowOptions(cmd)
    .option('--max-connections <n>', 'cap on live connections (memory bound)', parseMaxConnections)
    .option('--merge', 'read the captures as one, in time order: the files of a rotated capture (tcpdump -C/-G) or of several interfaces')
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag flows fixtures/lab/refused-server.pcap
  $ tcpdiag flows capture.pcap --format ndjson | jq 'select(.signatures | index("synack-retransmit-after-ack"))'
  $ tcpdiag flows capture.pcap.gz --port 8080 --format csv --output flows.csv`,
    )
    .action(action('flows', async (captures: string[], opts: FlowsOptions) => (await import('./flows-run.js')).flows(cmd, captures, opts)));
}
