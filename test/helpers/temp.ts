// Temporary folders of one test file, removed after its tests, whatever they hold. Called at the file's top
// level (the hook is the file's): the test forks run file after file without reloading modules
// (vitest.config.ts isolate: false), so a hook registered once by this module would serve one file only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A maker of temporary folders (`mkdtemp` with this prefix), each removed after the file's tests. */
export function tempDirs(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    // In the run's folder when there is one (global-temp.ts): gone at the run's end even if this file's end never comes.
    const dir = mkdtempSync(join(process.env.TCPDIAG_TEST_TMP ?? tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
