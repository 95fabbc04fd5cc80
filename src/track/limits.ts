// The tracker's memory figures that the command line needs (options.ts: --max-connections), apart from the
// table and slots themselves, so that a command's definition does not load the tracker (load-bundle.cts).

import { W } from './layout.generated.js';

/** The largest cap on live connections: the slots of a full table would take ~6 GB. */
export const MAX_CONNECTIONS_LIMIT = 10_000_000;

/** Bytes of one live connection: its slot's words (Int32Array, slots.ts). */
export const SLOT_BYTES = W.Size * 4;
