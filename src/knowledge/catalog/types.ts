// The entry's shape is declared beside the detectors, which write the findings' entries (diagnose/explain/entry.ts).
export type { CatalogEntry, ConfirmStep, EntryKind } from '../../diagnose/explain/entry.js';
export type { Severity } from '../../diagnose/severity.js';
