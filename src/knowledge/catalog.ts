// The catalog of every signature and finding id the diagnosis stage emits, as data. `tcpdiag
// explain` renders it; the analyze report prints explainCommandFor(id) beside each finding.
// The findings' entries are written in their detectors (diagnose/detectors/<id>.ts); the
// signatures' entries here, in SIGNATURES order.

import { ANY_LISTENER, type AnyCaptureDetector, type AnyListenerDetector } from '../diagnose/detector.js';
import { DETECTORS } from '../diagnose/registry.js';
import { SIGNATURES } from '../diagnose/signatures.js';
import { AFTER_HANDSHAKE_ENTRIES } from './catalog/after-handshake-entries.js';
import { HANDSHAKE_ENTRIES } from './catalog/handshake-entries.js';
import type { CatalogEntry } from './catalog/types.js';
import { closeMatches } from './close-matches.js';

export type { CatalogEntry, ConfirmStep, EntryKind, Severity } from './catalog/types.js';

/** A detector's explain entry, its advice shown for any listener (ADDR:PORT, PORT). */
function findingEntry(d: AnyListenerDetector | AnyCaptureDetector): CatalogEntry {
  const { fixNotes, ...entry } = d.explain;
  return { id: d.id, ...entry, severity: d.severity, fix: [...d.advice(ANY_LISTENER), ...(fixNotes ?? [])] };
}

const FINDING_ENTRIES: readonly CatalogEntry[] = DETECTORS.map(findingEntry);
const SIGNATURE_ENTRIES = new Map([...HANDSHAKE_ENTRIES, ...AFTER_HANDSHAKE_ENTRIES].map((e) => [e.id, e]));
const FINDING_BY_ID = new Map(FINDING_ENTRIES.map((e) => [e.id, e]));

/** Signatures first (an id that is also a finding has the detector's entry), then the findings only. */
export const CATALOG: readonly CatalogEntry[] = [
  ...SIGNATURES.map((id) => SIGNATURE_ENTRIES.get(id) ?? FINDING_BY_ID.get(id)!),
  ...FINDING_ENTRIES.filter((e) => e.kind === 'finding'),
];

const BY_ID = new Map(CATALOG.map((e) => [e.id, e]));

export function catalogIds(): string[] {
  return CATALOG.map((e) => e.id);
}

export function findEntry(id: string): CatalogEntry | undefined {
  return BY_ID.get(id);
}

/** The command line that explains `id`, as printed beside a finding. */
export function explainCommandFor(id: string): string {
  return `tcpdiag explain ${id}`;
}

export function similarIds(id: string): string[] {
  return closeMatches(id, catalogIds());
}
