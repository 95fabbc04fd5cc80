// Where the tests' data is: everything under fixtures/ (fixtures/README.md says where each file came
// from). A test never reads outside the repository, and a test whose data is missing fails naming the
// file: it must not pass on an empty result.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = `${ROOT}fixtures/`;
/** Every lab capture (fixtures/lab-all/SCENARIO/{server,client}.pcap.gz, labels.json): real Linux 6.18 runs with ground truth. */
export const LAB_ALL = `${FIXTURES}lab-all/`;
/** Single-mechanism loopback runs (fixtures/kernel-lab/NAME.pcap.gz, NAME.log with the kernel's counter deltas). */
export const KERNEL_LAB = `${FIXTURES}kernel-lab/`;

/** `path`, after checking it is there: a test's missing data is a failure, never an empty result. */
export function requireFile(path: string): string {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new Error(`test data missing: ${path} (tests read only fixtures/; see fixtures/README.md)`);
  }
  return path;
}

/** The lab scenarios in fixtures/lab-all/, sorted. */
export function labScenarios(): string[] {
  return readdirSync(requireDir(LAB_ALL), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** A lab capture: `labCapture('refused', 'server.pcap')` is fixtures/lab-all/refused/server.pcap.gz. */
export function labCapture(scenario: string, file: string): string {
  return requireFile(`${LAB_ALL}${scenario}/${file}.gz`);
}

export function labLabelsPath(scenario: string): string {
  return requireFile(`${LAB_ALL}${scenario}/labels.json`);
}

function requireDir(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`test data missing: ${path} (see fixtures/README.md)`);
  return path;
}

let plainDir: string | null = null;
const plainCopies = new Map<string, string>();

/**
 * A decompressed copy of a .gz fixture in a temporary folder (removed when the test run ends),
 * for the tests of the plain-file reader and of its chunk boundaries, and for pcap-parser (no gzip).
 */
export function gunzipped(gzPath: string): string {
  let p = plainCopies.get(gzPath);
  if (p) return p;
  if (!gzPath.endsWith('.gz')) throw new Error(`${gzPath}: not a .gz fixture`);
  if (!plainDir) {
    // In the run's folder (global-temp.ts), removed when the run ends; a fork's exit handler never runs.
    const dir = mkdtempSync(join(process.env.TCPDIAG_TEST_TMP ?? tmpdir(), 'tcpdiag-plain-'));
    plainDir = dir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  // Scenario and name: the lab's files are all called server.pcap or client.pcap.
  const parent = basename(join(gzPath, '..'));
  p = join(plainDir, `${parent}__${basename(gzPath, '.gz')}`);
  writeFileSync(p, gunzipSync(readFileSync(requireFile(gzPath))));
  plainCopies.set(gzPath, p);
  return p;
}

/**
 * True under `npm run test:all` (vitest.all.config.ts): also run the cases on the large captures
 * that the fast loop (`npm test`) leaves out.
 */
export const TEST_ALL = process.env.TCPDIAG_TEST_ALL === '1';
