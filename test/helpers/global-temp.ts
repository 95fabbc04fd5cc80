// vitest globalSetup: one temporary folder for the whole run, removed at its end. Test forks run file after
// file and are ended by vitest, not exited, so a fork's own process.on('exit') cleanup does not run: what a
// fork keeps across files (fixtures.ts gunzipped's copies, ~6 MB) goes in here. Forks inherit the variable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tcpdiag-test-run-'));
  process.env.TCPDIAG_TEST_TMP = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
