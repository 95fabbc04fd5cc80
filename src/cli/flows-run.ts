// `tcpdiag flows`, run: loaded by the command's action (flows.ts defines the command).

import type { Command } from 'commander';
import { flowRecord } from '../report/flow.js';
import { flowPrinter } from '../report/flow-printers.js';
import type { FlowFormat } from '../report/formats.js';
import { stripControl } from '../report/escape.js';
import { errorLocation } from '../report/text.js';
import type { TimeBound } from '../track/run.js';
import { usageError, writeTo, type OutputOptions } from './command.js';
import { windowError } from './options.js';
import { Output, stdoutGone } from './output.js';
import { capturesToRead } from './capture-paths.js';
import { runCapture, unreadable } from './run-capture.js';
import { windowNote } from './window.js';
import { correlateCaptures, flowFactsOf } from './correlation.js';

export interface FlowsOptions extends OutputOptions<FlowFormat> {
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
