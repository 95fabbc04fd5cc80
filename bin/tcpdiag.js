#!/usr/bin/env -S node --no-concurrent-recompilation
'use strict';
// CommonJS (bin/package.json): started this way node loads no ES-module machinery for the program.
//
// The one-file bundle of `npm run build`, dist/bundle/cli.js, with the V8 code cache the build made for it
// (dist/cli/load-bundle.cjs; ~90 ES modules of dist/cli cost ~50 ms more to load, the cache saves the
// compile); a bundle older than the compiled tree (tsc run alone since) is not used.
const { statSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
const mtime = (p) => {
  try {
    return statSync(join(dist, p)).mtimeMs;
  } catch {
    return -1;
  }
};

// The process's own streams and environment; the tests run the same runCli in-process with theirs.
const run = ({ runCli }) =>
  runCli(process.argv).then((code) => {
    process.exitCode = code;
  });

if (mtime('bundle/cli.js') >= mtime('cli/main.js')) run(require('../dist/cli/load-bundle.cjs').loadBundle(join(dist, 'bundle')).cli);
else import('../dist/cli/main.js').then(run);
