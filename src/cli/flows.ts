import { Command, Option } from 'commander';
import { flowRecord, type FlowRecord } from '../report/flow.js';
import { stripControl } from '../report/escape.js';
import type { TimeBound } from '../track/run.js';
import { parseListener, parseMaxConnections, parsePort, parseTimeBound } from './options.js';
import { Output } from './output.js';
import { runCapture, unreadable } from './run-capture.js';

interface FlowsOptions {
  format: 'text' | 'json' | 'ndjson' | 'csv';
  output?: string;
  quiet: boolean;
  listener?: string[];
  port?: number[];
  since?: TimeBound;
  until?: TimeBound;
  maxConnections?: number;
}

const CSV_COLUMNS = [
  'capture', 'id', 'client', 'server', 'start', 'duration', 'state', 'history', 'clientPackets', 'serverPackets',
  'clientBytes', 'serverBytes', 'synToSynAck', 'synAckToAck', 'synRetransmits', 'synAckRetransmits',
  'synAckRetransmitsAfterAck', 'clientRetransmits', 'serverRetransmits', 'end', 'firstFrame', 'lastFrame', 'signatures',
] as const;

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(f: FlowRecord): string {
  const cells = CSV_COLUMNS.map((k) => {
    if (k === 'start') return f.start.iso;
    if (k === 'end') return f.end.by ? `${f.end.how}:${f.end.by}` : f.end.how;
    if (k === 'signatures') return f.signatures.join(' ');
    return (f as unknown as Record<string, unknown>)[k];
  });
  return cells.map(csvCell).join(',') + '\n';
}

function sec(x: number | null): string {
  return x === null ? '-' : x.toFixed(4);
}

const TEXT_HEAD = ['client', 'server', 'start', 'dur', 'state', 'history', 'pkts c/s', 'bytes c/s', 'syn→sa', 'sa→ack', 'rtx syn/sa/data', 'end', 'frames', 'signatures'];

function textRow(f: FlowRecord): string[] {
  return [
    f.client, f.server, f.start.iso.slice(11, 23), f.duration.toFixed(3), f.state, f.history,
    `${f.clientPackets}/${f.serverPackets}`, `${f.clientBytes}/${f.serverBytes}`, sec(f.synToSynAck), sec(f.synAckToAck),
    `${f.synRetransmits}/${f.synAckRetransmits}/${f.clientRetransmits + f.serverRetransmits}`,
    f.end.by ? `${f.end.how} by ${f.end.by}` : f.end.how, `${f.firstFrame}-${f.lastFrame}`, f.signatures.join(',') || '-',
  ];
}

function table(rows: string[][]): string {
  // A loop, not Math.max(...rows): a spread of a million rows overflows the call stack.
  const w = TEXT_HEAD.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < w.length; i++) if (r[i]!.length > w[i]!) w[i] = r[i]!.length;
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd() + '\n';
  return fmt(TEXT_HEAD) + rows.map(fmt).join('');
}

export async function flows(paths: string[], o: FlowsOptions): Promise<number> {
  const out = new Output(o.output ?? null);
  let code = 0;
  let first = true;
  try {
    if (o.format === 'csv') out.write(CSV_COLUMNS.join(',') + '\n');
    if (o.format === 'json') out.write('[');
    for (const path of paths) {
      // A terminal table needs its column widths: it is the one format that holds rows until the end.
      const rows: string[][] = [];
      const { summary } = await runCapture(path, { listeners: o.listener, ports: o.port }, { quiet: o.quiet || o.format !== 'text', since: o.since, until: o.until, maxConnections: o.maxConnections }, (c) => {
        const f = flowRecord(path, c);
        if (o.format === 'ndjson') out.write(JSON.stringify(f) + '\n');
        else if (o.format === 'json') {
          out.write((first ? '\n' : ',\n') + JSON.stringify(f));
          first = false;
        } else if (o.format === 'csv') out.write(csvRow(f));
        else rows.push(textRow(f).map(stripControl));
      });
      if (o.format === 'text') {
        if (!o.quiet) out.write(`${stripControl(path)}: ${summary.connections} connections, ${summary.packets} packets\n`);
        if (rows.length) out.write(table(rows));
      }
      if (unreadable(summary)) {
        process.stderr.write(`tcpdiag: ${stripControl(path)}: ${stripControl(summary.error ?? '')} (byte offset ${summary.errorOffset}, frame ${summary.errorFrame})\n`);
        code = 2;
      } else if (summary.error) {
        process.stderr.write(`tcpdiag: ${stripControl(path)}: partial: ${stripControl(summary.error)} (byte offset ${summary.errorOffset}, frame ${summary.errorFrame})\n`);
      }
    }
    if (o.format === 'json') out.write(first ? ']\n' : '\n]\n');
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
  return code;
}

export function addFlowsCommand(program: Command): void {
  program
    .command('flows')
    .description('one row per TCP connection: Zeek-style state and history, handshake timing, retransmits, signatures')
    .argument('<captures...>', 'pcap or pcapng files (gzip is fine), or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'ndjson', 'csv']).default('text'))
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .option('-q, --quiet', 'rows only', false)
    .option('--listener <ip:port>', 'keep only this server (repeatable)', parseListener)
    .option('--port <n>', 'keep only servers on this port (repeatable)', parsePort)
    .option('--since <time>', 'ignore packets before TIME (ISO 8601, or seconds from the start)', parseTimeBound)
    .option('--until <time>', 'ignore packets after TIME (ISO 8601, or seconds from the start)', parseTimeBound)
    .option('--max-connections <n>', 'cap on live connections (memory bound)', parseMaxConnections)
    .addHelpText(
      'after',
      `
Examples:
  $ tcpdiag flows fixtures/lab/refused-server.pcap
  $ tcpdiag flows capture.pcap --format ndjson | jq 'select(.signatures | index("synack-retransmit-after-ack"))'
  $ tcpdiag flows capture.pcap.gz --port 8080 --format csv --output flows.csv`,
    )
    .action(async (captures: string[], opts: FlowsOptions) => {
      process.exitCode = await flows(captures, opts);
    });
}
