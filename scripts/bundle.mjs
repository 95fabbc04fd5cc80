#!/usr/bin/env node
// npm run build, second step: the compiled tree (dist/, from tsc) bundled into one file per entry point,
// dist/bundle/main.js (the CLI) and dist/bundle/capture-worker.js (a --jobs worker), dependencies
// included. Node loads one module at start-up instead of ~90: `tcpdiag --help` ~139 -> ~85 ms (issue 20,
// BENCHMARKS.md). dist/bundle sits at the depth of dist/cli, so the import.meta.url paths of the sources
// (../../package.json, ./capture-worker.js) hold in both.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'dist/cli/main.js'), join(root, 'dist/cli/capture-worker.js')],
  outdir: join(root, 'dist/bundle'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // commander is CommonJS: its require() calls of node built-ins need a real require in an ES module.
  banner: { js: "import { createRequire as __tcpdiagRequire } from 'node:module'; const require = __tcpdiagRequire(import.meta.url);" },
});
