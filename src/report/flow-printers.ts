// `tcpdiag flows`' formats: one Printer per format, fed one flow at a time as connections finish, and
// told when each capture is done.

import { stripControl } from './escape.js';
import type { FlowRecord } from './flow.js';
import { FLOW_APPENDED_COLUMNS } from './flow.generated.js';
import type { Printer, Sink } from './printer.js';
import { count } from './units.js';

import type { FlowFormat } from './formats.js';

/** What flows prints: each connection's record, and the end of each capture with its counts. */
export type FlowsItem =
  | { kind: 'flow'; flow: FlowRecord }
  | { kind: 'capture-end'; path: string; connections: number; packets: number };

const CSV_COLUMNS: readonly string[] = [
  'capture', 'id', 'client', 'server', 'start', 'duration', 'state', 'history', 'clientPackets', 'serverPackets',
  'clientBytes', 'serverBytes', 'synToSynAck', 'synAckToAck', 'synRetransmits', 'synAckRetransmits',
  'synAckRetransmitsAfterAck', 'clientRetransmits', 'serverRetransmits', 'end', 'firstFrame', 'lastFrame', 'signatures',
  // Added later, at the end so that readers by position keep working.
  'uid', 'vlan', 'inner_vlan',
  // Facts added to the field table since (track/fields.ts `flows`), in table order.
  ...FLOW_APPENDED_COLUMNS,
];

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

/** Seconds with `digits` decimals; `-` when not seen. */
function sec(x: number | null, digits: number): string {
  return x === null ? '-' : x.toFixed(digits);
}

/** The digits of a second a flow's times have (its start's ISO time is written with the capture's). */
function fractionDigits(iso: string): number {
  const m = /\.(\d+)Z$/.exec(iso);
  return m ? m[1]!.length : 0;
}

/** `42`, `10/20` for QinQ, `-` untagged. */
export function vlanText(f: Pick<FlowRecord, 'vlan' | 'inner_vlan'>): string {
  if (f.vlan === null) return '-';
  return f.inner_vlan === null ? String(f.vlan) : `${f.vlan}/${f.inner_vlan}`;
}

const TEXT_HEAD = ['client', 'server', 'start', 'dur', 'state', 'history', 'pkts c/s', 'bytes c/s', 'syn→sa', 'sa→ack', 'rtx syn/sa/data', 'end', 'frames', 'signatures'];

function textRow(f: FlowRecord): string[] {
  // Times and durations to the capture's precision (µs, ns): capture times are exact (capture/time-base.ts).
  const digits = fractionDigits(f.start.iso);
  return [
    f.client, f.server, f.start.iso.slice(11, -1), f.duration.toFixed(digits), f.state, f.history,
    `${f.clientPackets}/${f.serverPackets}`, `${f.clientBytes}/${f.serverBytes}`, sec(f.synToSynAck, digits), sec(f.synAckToAck, digits),
    `${f.synRetransmits}/${f.synAckRetransmits}/${f.clientRetransmits + f.serverRetransmits}`,
    f.end.by ? `${f.end.how} by ${f.end.by}` : f.end.how, `${f.firstFrame}-${f.lastFrame}`, f.signatures.join(',') || '-',
  ];
}

/** The vlan column goes after the server's, in a capture that has a tagged connection. */
const VLAN_AT = 2;

/**
 * Rows a terminal table holds to size its columns. A capture with more is printed as it goes: memory stays
 * bounded (the whole table of the 2 M tiled file, 203,924 rows, held 351 MB at its peak where the other
 * formats hold ~108; BENCHMARKS.md, session 19). A capture with fewer prints as it always did.
 */
export const TABLE_HELD_ROWS = 10_000;

function withVlan(r: string[], vlan: string): string[] {
  return [...r.slice(0, VLAN_AT), vlan, ...r.slice(VLAN_AT)];
}

/** The widest cell of each column (the last column is never padded). */
function widths(head: readonly string[], rows: readonly string[][]): number[] {
  // A loop, not Math.max(...rows): a spread of a million rows overflows the call stack.
  const w = head.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < w.length; i++) if (r[i]!.length > w[i]!) w[i] = r[i]!.length;
  return w;
}

function line(r: readonly string[], w: readonly number[]): string {
  return r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd() + '\n';
}

function table(rows: string[][], vlans: string[] | null): string {
  const head = vlans ? withVlan(TEXT_HEAD, 'vlan') : TEXT_HEAD;
  if (vlans) rows = rows.map((r, i) => withVlan(r, vlans[i]!));
  const w = widths(head, rows);
  return line(head, w) + rows.map((r) => line(r, w)).join('');
}

/**
 * A terminal table needs its column widths: it holds a capture's rows until its end, or until it holds
 * `heldRows` (TABLE_HELD_ROWS). Then the rows held so far are printed under widths they set, and each row
 * after as it comes, a column widened for good when a row needs it (rows before keep their widths); the
 * vlan column is there if a held row was tagged (a later tagged row of a table without it names its VLAN
 * after the server), and the capture's line of counts comes after its rows, once they are known.
 */
function textPrinter(sink: Sink, quiet: boolean, heldRows: number): Printer<FlowsItem> {
  let rows: string[][] = [];
  let vlans: string[] = [];
  let tagged = false;
  /** The widths of a capture's table being printed as it goes; null while its rows are held. */
  let streaming: number[] | null = null;
  let streamingVlan = false;
  const stream = (r: string[], vlan: string): void => {
    const cells = streamingVlan ? withVlan(r, vlan) : vlan === '-' ? r : [...r.slice(0, VLAN_AT - 1), `${r[VLAN_AT - 1]} vlan ${vlan}`, ...r.slice(VLAN_AT)];
    const w = streaming!;
    for (let i = 0; i < w.length; i++) if (cells[i]!.length > w[i]!) w[i] = cells[i]!.length;
    sink.write(line(cells, w));
  };
  return {
    print(item) {
      if (item.kind === 'flow') {
        const row = textRow(item.flow).map(stripControl);
        const vlan = vlanText(item.flow);
        if (streaming) {
          stream(row, vlan);
          return;
        }
        rows.push(row);
        vlans.push(vlan);
        tagged ||= item.flow.vlan !== null;
        if (rows.length > heldRows) {
          streamingVlan = tagged;
          const head = tagged ? withVlan(TEXT_HEAD, 'vlan') : TEXT_HEAD;
          const held = tagged ? rows.map((r, i) => withVlan(r, vlans[i]!)) : rows;
          streaming = widths(head, held);
          sink.write(line(head, streaming));
          for (const r of held) sink.write(line(r, streaming));
          rows = [];
          vlans = [];
          tagged = false;
        }
        return;
      }
      // Before the held rows' table; after the rows of a table printed as it went.
      if (!quiet) sink.write(`${stripControl(item.path)}: ${count(item.connections, 'connection')}, ${count(item.packets, 'packet')}\n`);
      if (streaming) {
        streaming = null;
        return;
      }
      if (rows.length) sink.write(table(rows, tagged ? vlans : null));
      rows = [];
      vlans = [];
      tagged = false;
    },
    finish: () => undefined,
  };
}

function jsonArrayPrinter(sink: Sink): Printer<FlowsItem> {
  let first = true;
  sink.write('[');
  return {
    print(item) {
      if (item.kind !== 'flow') return;
      sink.write((first ? '\n' : ',\n') + JSON.stringify(item.flow));
      first = false;
    },
    finish: () => sink.write(first ? ']\n' : '\n]\n'),
  };
}

/** Begins its output at once (a CSV header, a JSON array's bracket). */
export function flowPrinter(format: FlowFormat, sink: Sink, o: { quiet: boolean; heldRows?: number }): Printer<FlowsItem> {
  switch (format) {
    case 'ndjson':
      return {
        print: (item) => item.kind === 'flow' && sink.write(JSON.stringify(item.flow) + '\n'),
        finish: () => undefined,
      };
    case 'json':
      return jsonArrayPrinter(sink);
    case 'csv':
      sink.write(CSV_COLUMNS.join(',') + '\n');
      return { print: (item) => item.kind === 'flow' && sink.write(csvRow(item.flow)), finish: () => undefined };
    case 'text':
      return textPrinter(sink, o.quiet, o.heldRows ?? TABLE_HELD_ROWS);
  }
}
