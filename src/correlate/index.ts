/**
 * The correlate stage: two or more captures of the same traffic, read together. It sits at the
 * tracker's level (imports capture/, decode/, track/ at most); diagnose/ and above may import it.
 */
export { correlate, type CorrelateOptions } from './correlate.js';
export type * from './model.js';
