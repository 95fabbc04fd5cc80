import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Suites too slow for the edit-and-test loop: `npm test` leaves them out, `npm run test:all` (and
 * `.ci/run`) runs them with the rest (vitest.all.config.ts, which also sets TCPDIAG_TEST_ALL=1 for
 * the few large-capture cases inside fast suites: test/helpers/fixtures.ts, TEST_ALL).
 */
export const SLOW_SUITES = [
  'test/hostile/mutation.test.ts', // 5000+ mutated captures in worker threads, ~30-45 s
  'test/hostile/flood.test.ts', // a million spoofed SYNs through the tracker, ~20-35 s
  'test/html/browser.test.ts', // headless Chromium
  'test/knowledge/host-netns.test.ts', // a real kernel in a network namespace, an 8 s interval (root only)
  'test/watch/netns.test.ts', // watch --port on a real listener in a network namespace, tcpdump (root only)
  'test/package/**', // npm pack, then an install of the tarball into an empty folder
  'test/accuracy/scoreboard.test.ts', // the whole accuracy corpus through the CLI, ~60 captures
  'test/correlate/cli.test.ts', // analyze/flows of every correlated lab pair through the CLI, ~10 s
  'test/capture/formats.test.ts', // every capture at 1-, 5- and 97-byte read sizes, ~10 s
];

export function config(all: boolean) {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      exclude: all ? configDefaults.exclude : [...configDefaults.exclude, ...SLOW_SUITES],
      // Node 20 loads NODE_EXTRA_CA_CERTS (and its own root certificates) at every start when it is set,
      // ~65 ms for each node the tests spawn; bin/tcpdiag.js's #! line empties it the same way
      // (test/cli/cli.test.ts, 'bin/tcpdiag.js').
      env: { NODE_EXTRA_CA_CERTS: '', ...(all ? { TCPDIAG_TEST_ALL: '1' } : {}) },
      testTimeout: 60_000,
      pool: 'forks',
      // vitest's default in a run is one worker fewer than the cores: a single one on 2 cores, which
      // runs the files one after another while the other core idles.
      maxWorkers: Math.max(2, availableParallelism() - 1),
      // One fork runs file after file without reloading the modules each time: a quarter less CPU.
      // Tests must therefore leave no global state behind (process.env, cwd, module-level settings).
      isolate: false,
      // The built CLI (dist/, run in-process by test/cli/run-cli.ts) loads through Node itself, as
      // bin/tcpdiag.js loads it, rather than as a copy transformed by vite.
      server: { deps: { external: [/\/dist\//] } },
      // A temporary folder for the run, removed at its end (test/helpers/global-temp.ts).
      globalSetup: ['test/helpers/global-temp.ts'],
    },
  });
}

export default config(false);
