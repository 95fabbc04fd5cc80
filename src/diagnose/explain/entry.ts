// Shape of one `tcpdiag explain` entry. Texts are paragraphs of plain prose in which `backticks`
// mark commands and kernel identifiers; renderers turn them into text, markdown or JSON.

import type { Severity } from '../severity.js';

export type EntryKind = 'signature' | 'finding' | 'both';

export interface ConfirmStep {
  /** A command to run on the host, exactly as typed. */
  command?: string;
  /** What to look for in its output. */
  text: string;
}

export interface CatalogEntry {
  /** The id the diagnosis stage emits, e.g. "synack-retransmit-after-ack". */
  id: string;
  /** Per-connection signature, per-listener finding, or both (port-reuse). */
  kind: EntryKind;
  /** Findings only. */
  severity?: Severity;
  title: string;
  /** One line, printed in the list and beside findings. */
  summary: string;
  wire: {
    /** The packet pattern itself. */
    pattern: string[];
    /** How it looks in a capture taken at the server. */
    server: string;
    /** How it looks in a capture taken at the client. */
    client: string;
  };
  /** What the kernel is doing. */
  kernel: string[];
  /** What looks the same, and how tcpdiag tells them apart. */
  lookAlikes: string[];
  /** How to confirm on the host. */
  confirm: ConfirmStep[];
  fix: string[];
  /** Which kernel versions the statements above hold for. */
  kernels: string[];
  /** Sections of the kernel notes (kernel.md) the entry rests on. */
  sources: string[];
  related: string[];
}
