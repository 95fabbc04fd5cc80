// The correlation block of the terminal report: which captures were paired, on how many connections,
// the clock offset between them, and where the missing packets went (lost on the path, or dropped by
// the server's host). Compact: it is read in an incident.

import type { ChalkInstance } from 'chalk';
import type { Kind, KindCounts } from '../correlate/model.js';
import type { PairReport } from './correlation.js';
import type { Report } from './model.js';
import { stripControl } from './escape.js';

export const KIND_NAMES: Record<Kind, string> = { syn: 'SYN', synAck: 'SYN-ACK', ack: 'ACK', data: 'data', fin: 'FIN', rst: 'RST' };

/** "12 (SYN 3, ACK 9)", or "0". */
export function kindsText(k: KindCounts): string {
  const parts = (Object.keys(KIND_NAMES) as Kind[]).filter((x) => k[x] > 0).map((x) => `${KIND_NAMES[x]} ${k[x]}`);
  return parts.length ? `${k.total} (${parts.join(', ')})` : '0';
}

function ms(s: number): string {
  return `${(s * 1000).toFixed(Math.abs(s) < 0.01 ? 2 : 1)} ms`;
}

function offsetText(s: number): string {
  const sign = s < 0 ? '-' : '+';
  const a = Math.abs(s);
  if (a < 0.001) return `${sign}${Math.round(a * 1e6)} µs`;
  return a < 1 ? `${sign}${ms(a)}` : `${sign}${a.toFixed(3)} s`;
}

/** A pair's lines: the first names the captures, the others (indented) what was found. */
export function pairText(p: PairReport, color: ChalkInstance): string[] {
  const name = (s: string) => stripControl(s);
  const sides = p.roles.decidedBy === 'undetermined'
    ? `${name(p.captures[0])} and ${name(p.captures[1])} (same vantage point: no client or server side)`
    : `${name(p.roles.clientSide)} (client side) and ${name(p.roles.serverSide)} (server side)`;
  const out = [`${color.bold('Correlated')} ${sides}: ${p.connectionsMatched} connection${p.connectionsMatched === 1 ? '' : 's'} matched`];
  if (p.clockOffset === null || p.pathDelay === null) {
    out.push(`  ${color.yellow('no packet identified itself in both captures each way: clock offset unknown, nothing compared')}`);
    return out;
  }
  out.push(`  clock offset ${offsetText(p.clockOffset)} (server side minus client side, measured from ${p.clockSamples.toServer + p.clockSamples.toClient} packets), path delay ${ms(p.pathDelay)} one way`);
  const lost = (k: KindCounts) => (k.total > 0 ? color.red(kindsText(k)) : color.green('0'));
  out.push(`  lost on the path: to the server ${lost(p.lostOnPath.toServer)}; to the client ${lost(p.lostOnPath.toClient)}`);
  const host = p.droppedAtHost.total > 0 ? color.red(kindsText(p.droppedAtHost)) : color.green('0');
  const reset = p.resetAtHost.total > 0 ? `; answered by a RST: ${kindsText(p.resetAtHost)}` : '';
  out.push(`  dropped at the server host (arrived, never answered): ${host}${reset}`);
  const unsure = p.packets.toServer.notComparable + p.packets.toClient.notComparable;
  if (unsure > 0) out.push(`  ${color.dim(`${unsure} packets sent outside the other capture's time span: not compared`)}`);
  if (!p.matchedOnIpId) out.push(`  ${color.dim('IP IDs rewritten between the captures: packets matched without them')}`);
  return out;
}

/** The correlation block for the end of the text report ('' when there was none). */
export function renderCorrelationText(r: Report, color: ChalkInstance): string {
  const c = r.correlation;
  if (!c) return '';
  const lines = [...c.pairs.flatMap((p) => pairText(p, color)), ...correlationNotes(c, color)];
  return lines.length ? '\n' + lines.join('\n') + '\n' : '';
}

/** What the pairs do not say: captures left unpaired, and those compared only in part. */
export function correlationNotes(c: NonNullable<Report['correlation']>, color: ChalkInstance): string[] {
  const lines: string[] = [];
  if (c.unpaired.length) lines.push(`${color.dim('Not paired (no connection shared with another capture):')} ${c.unpaired.map(stripControl).join(', ')}`);
  for (const s of c.captures) {
    if (s.indexFull && s.end !== null) lines.push(`${color.dim('note:')} ${stripControl(s.path)}: packet index full, packets after ${new Date(s.end * 1000).toISOString()} not compared`);
    if (s.error) lines.push(`${color.dim('note:')} ${stripControl(s.path)}: ${stripControl(s.error)} (compared up to there)`);
  }
  return lines;
}
