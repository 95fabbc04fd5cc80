/**
 * Lets the test worker's event loop run. A test that computes synchronously for long (a million
 * segments through the tracker) blocks vitest's worker RPC, which gives up after 60 s of wall time
 * ("Timeout calling onTaskUpdate", an error that fails the run) on a loaded machine.
 */
export const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
