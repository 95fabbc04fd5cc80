#!/usr/bin/env -S node --no-concurrent-recompilation
import { statSync } from 'node:fs';

// The one-file bundle of `npm run build` starts ~50 ms sooner than the ~90 modules of dist/cli; a bundle
// older than the compiled tree (tsc run alone since) is not used.
const mtime = (p) => {
  try {
    return statSync(new URL(p, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const entry = mtime('../dist/bundle/main.js') >= mtime('../dist/cli/main.js') ? '../dist/bundle/main.js' : '../dist/cli/main.js';
const { runCli } = await import(entry);

// The process's own streams and environment; the tests run the same runCli in-process with theirs.
runCli(process.argv).then((code) => {
  process.exitCode = code;
});
