// The text report's summary across several captures: one row per listener, its outcomes added up over
// every capture that saw it, and the findings it drew (`analyze --summary`).

import type { ChalkInstance } from 'chalk';
import type { ListenerOutcome } from '../diagnose/analyzer.js';
import { SEVERITY_RANK } from '../diagnose/severity.js';
import type { Report } from './model.js';
import { count, integer } from './units.js';

/** A listener's outcomes (the analysis' own record) added up over the captures that saw it (its vantage is each capture's own). */
export interface ListenerSummary extends Omit<ListenerOutcome, 'vantage'> {
  captures: number;
  /** Finding ids on this listener, most severe first, with how many captures drew each. */
  findings: { id: string; severity: string; captures: number }[];
}

/** Listeners in order of trouble (most severe finding, then most connections), then by name. */
export function listenerSummaries(r: Report): ListenerSummary[] {
  const rows = new Map<string, ListenerSummary>();
  for (const c of r.captures) {
    for (const l of c.listeners) {
      let s = rows.get(l.listener);
      if (!s) {
        s = { listener: l.listener, captures: 0, connections: 0, completed: 0, overflowed: 0, refused: 0, halfOpen: 0, appResets: 0, findings: [] };
        rows.set(l.listener, s);
      }
      s.captures++;
      s.connections += l.connections;
      s.completed += l.completed;
      s.overflowed += l.overflowed;
      s.refused += l.refused;
      s.halfOpen += l.halfOpen;
      s.appResets += l.appResets;
    }
  }
  for (const f of r.findings) {
    const s = rows.get(f.listener);
    if (!s) continue; // capture-wide findings (listener `*`) have no row
    const seen = s.findings.find((x) => x.id === f.id);
    if (seen) seen.captures++;
    else s.findings.push({ id: f.id, severity: f.severity, captures: 1 });
  }
  const rank = (s: ListenerSummary) => Math.max(0, ...s.findings.map((f) => SEVERITY_RANK[f.severity as keyof typeof SEVERITY_RANK] ?? 0));
  for (const s of rows.values()) s.findings.sort((a, b) => (SEVERITY_RANK[b.severity as keyof typeof SEVERITY_RANK] ?? 0) - (SEVERITY_RANK[a.severity as keyof typeof SEVERITY_RANK] ?? 0));
  return [...rows.values()].sort((a, b) => rank(b) - rank(a) || b.connections - a.connections || a.listener.localeCompare(b.listener));
}

const HEAD = ['listener', 'captures', 'connections', 'completed', 'overflowed', 'refused', 'half-open', 'app resets', 'findings'];

/** The summary as a text table; nothing when no capture saw a listener. */
export function renderSummaryText(r: Report, color: ChalkInstance): string {
  const rows = listenerSummaries(r).map((s) => [
    s.listener,
    `${s.captures}/${r.captures.length}`,
    ...[s.connections, s.completed, s.overflowed, s.refused, s.halfOpen, s.appResets].map(integer),
    s.findings.map((f) => `${f.id} (${count(f.captures, 'capture')})`).join(', ') || '-',
  ]);
  if (rows.length === 0) return '';
  const w = HEAD.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  // Numbers right-aligned, names left.
  const fmt = (x: string[]) =>
    x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : i === x.length - 1 ? c : c.padStart(w[i]!))).join('  ').trimEnd();
  const title = `Summary: ${count(r.captures.length, 'capture')}, ${count(rows.length, 'listener')}`;
  return [color.bold(title), color.dim(fmt(HEAD)), ...rows.map(fmt)].join('\n') + '\n';
}
