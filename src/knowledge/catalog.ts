// The catalog of every signature and finding id the diagnosis stage emits, as data. `tcpdiag
// explain` renders it; the analyze report prints explainCommandFor(id) beside each finding.

import { AFTER_HANDSHAKE_ENTRIES } from './catalog/after-handshake-entries.js';
import { FINDING_ENTRIES } from './catalog/finding-entries.js';
import { HANDSHAKE_ENTRIES } from './catalog/handshake-entries.js';
import type { CatalogEntry } from './catalog/types.js';
import { closeMatches } from './close-matches.js';

export type { CatalogEntry, ConfirmStep, EntryKind, Severity } from './catalog/types.js';

export const CATALOG: readonly CatalogEntry[] = [...HANDSHAKE_ENTRIES, ...AFTER_HANDSHAKE_ENTRIES, ...FINDING_ENTRIES];

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
