#!/usr/bin/env -S NODE_EXTRA_CA_CERTS=${TCPDIAG_CA_CERTS} node --no-concurrent-recompilation
'use strict';
// CommonJS (bin/package.json): started this way node loads no ES-module machinery for the program.
//
// The bundle of `npm run build`, dist/bundle/cli.js (and engine.js, which an action loads), with the V8 code
// caches the build made for them (dist/cli/load-bundle.cjs; ~90 ES modules of dist/cli cost ~50 ms more to
// load, the caches save the compile), or that compiled tree: which, is load-bundle's startPath. In an
// installed package the bundle whenever it is there; in a development checkout not a bundle older than the
// compiled tree (tsc run alone since).
// TCPDIAG_TRACE_LOAD=1 says on stderr which was started, and what became of the code caches.
const { join } = require('node:path');
const { loadBundle, startPath } = require('../dist/cli/load-bundle.cjs');

const root = join(__dirname, '..');
const trace = process.env.TCPDIAG_TRACE_LOAD === '1' ? (what) => process.stderr.write(`tcpdiag: start: ${what}\n`) : () => {};

// The process's own streams and environment; the tests run the same runCli in-process with theirs.
const run = ({ runCli }) =>
  runCli(process.argv).then((code) => {
    process.exitCode = code;
  });

if (startPath(root) === 'bundle') {
  const { cli, cache } = loadBundle(join(root, 'dist', 'bundle'), { onEngine: (c) => trace(`engine dist/bundle/engine.js, code cache ${c}`) });
  trace(`bundle dist/bundle/cli.js, code cache ${cache}`);
  run(cli);
} else {
  trace('modules dist/cli/main.js');
  import('../dist/cli/main.js').then(run);
}
