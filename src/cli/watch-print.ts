// `tcpdiag watch`'s output: a Printer of its events (report/printer.ts). Text appends one compact
// block per active listener per window and one line per finding change; ndjson writes each event as
// one JSON line. The closing report goes through analyze's own printer (watch-run.ts).

import type { ChalkInstance } from 'chalk';
import type { FindingEvent, ListenerWindow, WindowEvent } from '../diagnose/window.js';
import { stripControl } from '../report/escape.js';
import { count, integer, proseNumbers } from '../report/units.js';
import type { Printer, Sink } from '../report/printer.js';
import { agrees, WATCH_COUNTERS, type HostWindow } from './watch-host.js';

export type WatchWindowEvent = WindowEvent & { host?: HostWindow };
export type WatchEvent = WatchWindowEvent | FindingEvent;


/** HH:MM:SS (UTC) of epoch seconds. */
function clock(t: number): string {
  return new Date(t * 1000).toISOString().slice(11, 19);
}

/** HH:MM:SS.mmm (UTC) of epoch seconds. */
function clockMs(t: number): string {
  return new Date(t * 1000).toISOString().slice(11, 23);
}

function rate(n: number, seconds: number): string {
  const r = n / seconds;
  return r === 0 ? '0' : r >= 10 ? r.toFixed(0) : r.toFixed(1);
}

const SHORT: Record<(typeof WATCH_COUNTERS)[number], string> = {
  TcpExtListenOverflows: 'ListenOverflows',
  TcpExtListenDrops: 'ListenDrops',
  TcpExtTCPReqQFullDrop: 'ReqQFullDrop',
  TcpExtSyncookiesSent: 'SyncookiesSent',
  TcpExtEmbryonicRsts: 'EmbryonicRsts',
};

export function listenerLine(w: ListenerWindow, seconds: number): string {
  return (
    `${stripControl(w.listener)}  SYN ${rate(w.syns, seconds)}/s  handshakes ${rate(w.completed, seconds)}/s` +
    `  SYN drops ${rate(w.synDrops, seconds)}/s  ignored ${rate(w.ignored, seconds)}/s` +
    `  resets ${rate(w.overflowResets + w.appResets, seconds)}/s  refused ${rate(w.refused, seconds)}/s` +
    `  dropped segments ${integer(w.droppedSegments)}  (${integer(w.connections)} finished)`
  );
}

/**
 * The host lines of a window: queue now, counters' movement, and whether the capture agrees, in the
 * window and since the start (the capture's drops are counted in the window the capture shows them in,
 * open connections included; a drop within the last few ms of a window, still awaiting its answer, is
 * counted in the next one: the totals agree regardless).
 */
export function hostLines(h: HostWindow, captureDrops: number, captureTotal: number): string[] {
  const lines: string[] = [];
  if (h.queues.length) {
    lines.push('accept queue now: ' + h.queues.map((q) => `${q.address}:${q.port} ${q.recvQ}${q.sendQ !== null ? ` of ${q.sendQ}` : ' (limit unknown: ss missing)'}`).join(', '));
  }
  if (h.counters) {
    const moved = WATCH_COUNTERS.map((c) => `${SHORT[c]} +${h.counters![c] ?? 0}`).join('  ');
    const k = h.counters.TcpExtListenOverflows ?? 0;
    const kt = h.total?.TcpExtListenOverflows ?? 0;
    const say = (c: number, kk: number) => `capture ${integer(c)} dropped segments vs ListenOverflows +${integer(kk)}: ${agrees(c, kk) ? 'agree' : 'differ'}`;
    lines.push(`kernel: ${moved}`);
    lines.push(`  window: ${say(captureDrops, k)}; since start: ${say(captureTotal, kt)}`);
  }
  if (h.missing) lines.push(`host half missing: ${h.missing}`);
  return lines;
}

function findingLine(f: FindingEvent, color: ChalkInstance): string {
  const sev = f.severity === 'error' ? color.red(f.severity) : f.severity === 'warning' ? color.yellow(f.severity) : f.severity;
  const head = `${clock(f.windowEnd)} ${color.bold(f.id)} ${f.change} at ${stripControl(f.listener)} [${sev}]`;
  const began = f.began !== null ? ` (first at ${clockMs(f.began)})` : '';
  // Counts as the reports write them (units.ts): grouped, singular or plural.
  const verdict = proseNumbers(stripControl(f.verdict));
  if (f.change === 'started') return `${head}: ${count(f.connections, 'connection')}${began}\n  ${verdict}\n`;
  if (f.change === 'grew') return `${head}: +${integer(f.added)}, ${count(f.connections, 'connection')}\n  ${verdict}\n`;
  return `${head}: no new connection in this window (${integer(f.connections)} in all)\n`;
}

/**
 * Text: appends; nothing for a window without traffic or host readings. On a terminal (`tty`) a status
 * line at the bottom is redrawn after each window and wiped before anything else is written; piped, no
 * status line, only appended lines.
 */
export function watchTextPrinter(sink: Sink & { flush(): void }, color: ChalkInstance, tty = false): Printer<WatchEvent> {
  let captureTotal = 0;
  let status = false;
  let windows = 0;
  let connections = 0;
  const write = (text: string) => {
    if (status) sink.write('\r\x1b[K');
    status = false;
    sink.write(text);
  };
  return {
    print(e) {
      if (e.type === 'finding') write(findingLine(e, color));
      else {
        windows++;
        connections += e.listeners.reduce((s, w) => s + w.connections, 0);
        const seconds = e.end - e.start;
        const out: string[] = [];
        const captureDrops = e.listeners.reduce((s, w) => s + w.droppedSegments, 0);
        captureTotal += captureDrops;
        for (const w of e.listeners) out.push(`${clock(e.start)}–${clock(e.end)}  ${listenerLine(w, seconds)}`);
        if (e.host) for (const l of hostLines(e.host, captureDrops, captureTotal)) out.push(`${clock(e.start)}–${clock(e.end)}  ${l}`);
        if (out.length) write(out.join('\n') + '\n');
        if (tty) {
          write(color.dim(`watching: ${count(windows, 'window')} to ${clock(e.end)}, ${count(connections, 'connection')} finished (Ctrl-C: the full report)`));
          status = true;
        }
      }
      sink.flush();
    },
    finish: () => {
      if (status) sink.write('\r\x1b[K');
      status = false;
      sink.flush();
    },
  };
}

/** ndjson: one event a line, as it happens. */
export function watchNdjsonPrinter(sink: Sink & { flush(): void }): Printer<WatchEvent> {
  return {
    print(e) {
      sink.write(JSON.stringify(e) + '\n');
      sink.flush();
    },
    finish: () => sink.flush(),
  };
}
