// Where a worker writes the input it is running. Memory-backed /dev/shm when
// there is one: writing 100 KB to the disk-backed tmpdir costs more than
// reading it back through tcpdiag.
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function scratchDir() {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const DIR = scratchDir();

/** The worker's file: one per worker thread, overwritten for each input. */
export function scratchFile(pid, threadId) {
  return join(DIR, `tcpdiag-hostile-${pid}-${threadId}.cap`);
}
