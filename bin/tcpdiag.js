#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// The live state is small and bounded (typed-array connection table, capped samples), but V8 lets
// garbage pile up to a multiple of it before a full collection; this makes it collect sooner, which
// keeps peak RSS near the live size (BENCHMARKS.md: 2 M packets, about 190 MB down to 135 MB).
setFlagsFromString('--optimize-for-size');

const { main } = await import('../dist/cli/main.js');
main(process.argv).then((code) => {
  process.exitCode = code;
});
