import type { Command } from 'commander';
import { flowRecord } from '../report/flow.js';
import { FLOW_FORMATS, flowPrinter, type FlowFormat } from '../report/flow-printers.js';
import { stripControl } from '../report/escape.js';
import { errorLocation } from '../report/text.js';
import type { TimeBound } from '../track/run.js';
import { addWindowOptions } from './analyze.js';
import { action, addOutputOptions, subcommand, usageError, writeTo, type OutputOptions } from './command.js';
import { parseListener, parseMaxConnections, parsePort, windowError } from './options.js';
import { Output, stdoutGone } from './output.js';
import { capturesToRead } from './capture-paths.js';
import { runCapture, unreadable } from './run-capture.js';
import { windowNote } from './window.js';
import { correlateCaptures, flowFactsOf } from './correlation.js';

interface FlowsOptions extends OutputOptions<FlowFormat> {
  quiet: boolean;
  listener?: string[];
  port?: number[];
  since?: TimeBound;
  until?: TimeBound;
  maxConnections?: number;
  /** The captures read as one, in time order. */
  merge: boolean;
}

export async function flows(cmd: Command, given: string[], o: FlowsOptions): Promise<number> {
  const bad = windowError(o.since, o.until);
  if (bad) usageError(cmd, bad);
  // --merge: one capture, named by its files (frame numbers are the merged capture's, as mergecap -w numbers them).
  const { paths, merge } = capturesToRead(cmd, given, { merge: o.merge });
  const out = new Output(o.output);
  return writeTo(out, async () => {
    // Several capture files: each row of a correlated connection also says where its missing packets went.
    const factsOf = flowFactsOf(o.format === 'json' || o.format === 'ndjson' ? await correlateCaptures('flows', paths) : null);
    const printer = flowPrinter(o.format, out, { quiet: o.quiet });
    let code = 0;
    for (const path of paths) {
      // The capture's digits of a second, known from its header (pcap) or its interfaces' first packets (pcapng).
      let digits = 9;
      const { summary } = await runCapture(
        path,
        { listeners: o.listener, ports: o.port },
        {
          quiet: o.quiet || o.format !== 'text', since: o.since, until: o.until, maxConnections: o.maxConnections, merge,
          onTimestampDigits: (d) => (digits = d),
        },
        // Once stdout's reader has gone (`| head`), rows would only be formatted to be dropped.
        (c) => {
          if (!out.toFile && stdoutGone()) return;
          const flow = flowRecord(path, c, digits);
          const facts = factsOf(path, flow.client, flow.server, flow.firstFrame);
          printer.print({ kind: 'flow', flow: facts ? { ...flow, ...facts } : flow });
        },
      );
      printer.print({ kind: 'capture-end', path, connections: summary.connections, packets: summary.packets });
      const where = errorLocation(summary);
      if (unreadable(summary)) {
        process.stderr.write(`tcpdiag flows: ${stripControl(path)}: ${stripControl(summary.error ?? '')}${where}\n`);
        code = 2;
      } else if (summary.error) {
        process.stderr.write(`tcpdiag flows: ${stripControl(path)}: partial: ${stripControl(summary.error)}${where}\n`);
      }
      const note = windowNote(summary, o.since, o.until);
      if (note) process.stderr.write(`tcpdiag flows: ${stripControl(path)}: ${note}\n`);
    }
    printer.finish();
    return code;
  });
}

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
    .action(action('flows', (captures: string[], opts: FlowsOptions) => flows(cmd, captures, opts)));
}
